"""The operations report: how orders came in and how well they went through, over a period.

Figures, each read from the database with SQL and shaped with pandas:
- orders per day by channel;
- the touchless rate — orders accepted without a person: never held, never rejected — by
  channel and by customer;
- hold reasons as a Pareto: each reason's kind (the text before its detail: "unknown item",
  "price differs", ...), how often, and the running share;
- time from receipt to acknowledgement (the document's arrival to its first 855/ORDRSP/reply
  being delivered), p50 and p95 in seconds, by channel;
- the fill rate (shipped ÷ ordered over the lines of orders that shipped) and the time from
  order to first shipment, p50 and p95 in hours;
- the stock below its reorder point now.

``ordergate report`` prints or writes it; the daily ``daily-report`` deployment publishes it
as a Prefect artifact with its charts (``sinks/charts.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Engine, and_, func, select

from ordergate.outbox.kinds import CSV_ACK, EDIFACT_ORDRSP, EMAIL_REPLY, X12_855
from ordergate.store import tables as t

_LINE_PREFIX = re.compile(r"^\s*line \d+:\s*")
_DETAIL = re.compile(r"\s*[(:;,\d'\"].*$")
HUMAN_STATUSES = ("held", "rejected")  # an order that was ever in these needed a person
# What answers an order as it comes in (not the ship notices and invoices that follow).
ACKNOWLEDGEMENTS = (X12_855.name, EDIFACT_ORDRSP.name, CSV_ACK.name, EMAIL_REPLY.name)


@dataclass
class Period:
    since: date
    until: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time.min, tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=timezone.utc)


@dataclass
class OpsReport:
    since: str
    until: str
    orders: int
    orders_per_day: list[dict] = field(default_factory=list)  # day, channel, orders
    touchless_by_channel: list[dict] = field(default_factory=list)  # channel, orders, touchless, rate
    touchless_by_customer: list[dict] = field(default_factory=list)
    hold_reasons: list[dict] = field(default_factory=list)  # reason, count, share, cumulative
    ack_seconds: list[dict] = field(default_factory=list)  # channel, orders, p50, p95
    fill_rate: float | None = None  # shipped / ordered, lines of orders that shipped
    shipped_orders: int = 0
    hours_to_ship: dict = field(default_factory=dict)  # p50, p95
    below_reorder_point: list[dict] = field(default_factory=list)  # sku, available, reorder_point

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def default_period(today: date, days: int = 30) -> Period:
    return Period(since=today - timedelta(days=days - 1), until=today)


def build_report(engine: Engine, period: Period) -> OpsReport:
    import pandas as pd

    o = t.orders
    in_period = and_(o.c.created_at >= period.start, o.c.created_at < period.end)
    with engine.connect() as conn:
        orders = pd.DataFrame(conn.execute(
            select(o.c.id, o.c.channel, o.c.customer_id, o.c.status, o.c.created_at,
                   o.c.document_id).where(in_period)).all(),
            columns=["id", "channel", "customer_id", "status", "created_at", "document_id"])
        touched = set(conn.execute(
            select(t.order_events.c.order_id).join(o, o.c.id == t.order_events.c.order_id)
            .where(in_period, t.order_events.c.to_status.in_(HUMAN_STATUSES))).scalars())
        held_reasons = conn.execute(
            select(t.order_events.c.reason).join(o, o.c.id == t.order_events.c.order_id)
            .where(in_period, t.order_events.c.to_status == "held")).scalars().all()
        acks = pd.DataFrame(conn.execute(
            select(o.c.id, o.c.channel, t.documents.c.received_at,
                   func.min(t.outbox.c.sent_at).label("sent_at"))
            .join(t.documents, t.documents.c.id == o.c.document_id)
            .join(t.order_acknowledgements, t.order_acknowledgements.c.order_id == o.c.id)
            .join(t.outbox, t.outbox.c.id == t.order_acknowledgements.c.outbox_id)
            .where(in_period, t.outbox.c.sent_at.is_not(None),
                   t.order_acknowledgements.c.kind.in_(ACKNOWLEDGEMENTS))
            .group_by(o.c.id, o.c.channel, t.documents.c.received_at)).all(),
            columns=["id", "channel", "received_at", "sent_at"])
        lines = pd.DataFrame(conn.execute(
            select(t.order_lines.c.order_id, t.order_lines.c.quantity,
                   t.order_lines.c.shipped_quantity)
            .join(o, o.c.id == t.order_lines.c.order_id)
            .where(in_period, o.c.id.in_(select(t.shipments.c.order_id)))).all(),
            columns=["order_id", "quantity", "shipped"])
        first_ship = pd.DataFrame(conn.execute(
            select(o.c.id, o.c.created_at, func.min(t.shipments.c.created_at).label("shipped_at"))
            .join(t.shipments, t.shipments.c.order_id == o.c.id)
            .where(in_period).group_by(o.c.id, o.c.created_at)).all(),
            columns=["id", "created_at", "shipped_at"])
        stock = conn.execute(select(t.stock.c.sku, t.stock.c.on_hand, t.stock.c.allocated,
                                    t.stock.c.reorder_point)
                             .where(t.stock.c.reorder_point.is_not(None))
                             .order_by(t.stock.c.sku)).all()
    report = OpsReport(since=period.since.isoformat(), until=period.until.isoformat(),
                       orders=len(orders))
    if len(orders):
        orders["day"] = orders["created_at"].map(lambda value: _utc(value).date().isoformat())
        per_day = orders.groupby(["day", "channel"]).size().reset_index(name="orders")
        report.orders_per_day = per_day.to_dict("records")
        orders["touchless"] = ~orders["id"].isin(touched) & ~orders["status"].isin(HUMAN_STATUSES)
        report.touchless_by_channel = _rates(orders, "channel")
        report.touchless_by_customer = _rates(orders, "customer_id")
    report.hold_reasons = _pareto(held_reasons)
    if len(acks):
        acks["seconds"] = [(_utc(sent) - _utc(received)).total_seconds()
                           for sent, received in zip(acks["sent_at"], acks["received_at"])]
        report.ack_seconds = [
            {"channel": channel, "orders": int(len(group)),
             "p50": _round(group["seconds"].quantile(0.5)),
             "p95": _round(group["seconds"].quantile(0.95))}
            for channel, group in acks.groupby("channel")]
    if len(lines):
        ordered = sum(float(value) for value in lines["quantity"])
        shipped = sum(float(value) for value in lines["shipped"])
        report.fill_rate = _round(shipped / ordered) if ordered else None
        report.shipped_orders = int(lines["order_id"].nunique())
    if len(first_ship):
        hours = pd.Series([(_utc(shipped) - _utc(made)).total_seconds() / 3600
                           for shipped, made in zip(first_ship["shipped_at"],
                                                    first_ship["created_at"])])
        report.hours_to_ship = {"p50": _round(hours.quantile(0.5)),
                                "p95": _round(hours.quantile(0.95))}
    report.below_reorder_point = [
        {"sku": row.sku, "available": float(row.on_hand - row.allocated),
         "reorder_point": float(row.reorder_point)}
        for row in stock if row.on_hand - row.allocated < row.reorder_point]
    return report


def _rates(orders, column: str) -> list[dict]:
    grouped = orders.groupby(column)["touchless"].agg(["size", "sum"]).reset_index()
    return [{column: key, "orders": int(size), "touchless": int(count),
             "rate": _round(count / size)} for key, size, count in grouped.itertuples(index=False)]


def reason_kind(reason: str) -> str:
    """"line 2: unknown item (tried ...)" → "unknown item": the kind of hold, not its detail."""
    text = _LINE_PREFIX.sub("", reason.strip())
    kind = _DETAIL.sub("", text).strip()
    return (kind or text)[:60]


def _pareto(reasons: list[str | None]) -> list[dict]:
    counts: dict[str, int] = {}
    for joined in reasons:
        for reason in (joined or "").split("; "):
            if reason.strip():
                kind = reason_kind(reason)
                counts[kind] = counts.get(kind, 0) + 1
    total = sum(counts.values())
    rows, running = [], 0
    for kind, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        running += count
        rows.append({"reason": kind, "count": count, "share": _round(count / total),
                     "cumulative": _round(running / total)})
    return rows


def _utc(value: datetime) -> datetime:
    value = getattr(value, "to_pydatetime", lambda: value)()
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _round(value) -> float:
    return round(float(value), 4)
