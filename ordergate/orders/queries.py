"""Read side for people: order lists, one order with its lines and history, documents."""

from __future__ import annotations

import json
from types import SimpleNamespace
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine, func, select

from ordergate.orders.numbers import tidy_money, tidy_quantity
from ordergate.orders.store import document_content
from ordergate.store import tables as t
from ordergate.store.claims import ClaimRefused, held_by


@dataclass(slots=True)
class OrderSummary:
    order_id: int
    customer_id: str
    po_number: str
    status: str
    total: Decimal | None
    currency: str | None
    lines: int
    hold_reasons: list[str]
    document_id: int
    created_at: datetime


@dataclass(slots=True)
class OrderDetail:
    summary: OrderSummary
    po_date: date | None
    requested_date: date | None
    channel: str
    partner_id: str
    source_key: str
    detail: dict  # the canonical order as stored (JSON), for display only
    lines: list[dict]
    events: list[dict]
    outbox: list[dict]
    shipments: list[dict]
    buyer_name: str | None = None  # the customer's name in the master data


def _reasons(raw: str | None) -> list[str]:
    return json.loads(raw) if raw else []


def list_orders(engine: Engine, *, status: str | None = None, limit: int = 200) -> list[OrderSummary]:
    line_count = (select(func.count()).where(t.order_lines.c.order_id == t.orders.c.id)
                  .correlate(t.orders).scalar_subquery())
    query = (select(t.orders, line_count.label("line_count"))
             .order_by(t.orders.c.id.desc()).limit(limit))
    if status:
        query = query.where(t.orders.c.status == status)
    with engine.connect() as conn:
        return [_summary(row) for row in conn.execute(query)]


def _summary(row) -> OrderSummary:
    return OrderSummary(
        order_id=row.id, customer_id=row.customer_id, po_number=row.po_number, status=row.status,
        total=tidy_money(row.total), currency=row.currency, lines=row.line_count,
        hold_reasons=_reasons(row.hold_reasons), document_id=row.document_id,
        created_at=row.created_at)


def get_order(engine: Engine, order_id: int) -> OrderDetail | None:
    line_count = (select(func.count()).where(t.order_lines.c.order_id == t.orders.c.id)
                  .correlate(t.orders).scalar_subquery())
    with engine.connect() as conn:
        row = conn.execute(select(t.orders, line_count.label("line_count"))
                           .where(t.orders.c.id == order_id)).first()
        if row is None:
            return None
        lines = [dict(r._mapping) for r in conn.execute(
            select(t.order_lines).where(t.order_lines.c.order_id == order_id)
            .order_by(t.order_lines.c.line_number))]
        events = [dict(r._mapping) for r in conn.execute(
            select(t.order_events).where(t.order_events.c.order_id == order_id)
            .order_by(t.order_events.c.id))]
        acks = t.order_acknowledgements
        outbox = [dict(r._mapping) for r in conn.execute(
            select(t.outbox.c.id, t.outbox.c.kind, t.outbox.c.status, t.outbox.c.destination,
                   t.outbox.c.filename, t.outbox.c.sent_at, acks.c.reference)
            .join(acks, acks.c.outbox_id == t.outbox.c.id)
            .where(acks.c.order_id == order_id).order_by(t.outbox.c.id))]
        shipments = _shipments(conn, order_id)
        buyer_name = conn.execute(select(t.customers.c.name).where(
            t.customers.c.customer_id == row.customer_id)).scalar() if row.customer_id else None
    for line in lines:
        line.pop("order_id", None)
        line["quantity"], line["unit_price"] = tidy_quantity(line["quantity"]), tidy_money(line["unit_price"])
        _fulfilment_view(line)
    for event in events:
        event.pop("order_id", None)
    return OrderDetail(
        summary=_summary(row), po_date=row.po_date, requested_date=row.requested_date,
        channel=row.channel, partner_id=row.partner_id, source_key=row.source_key,
        detail=json.loads(row.detail), lines=lines, events=events, outbox=outbox,
        shipments=shipments, buyer_name=buyer_name)


_SHIPPING = ("accepted", "changed", "backordered")


def _fulfilment_view(line: dict) -> None:
    """Per line: ordered, allocated (set aside from stock), picked, shipped, backordered (what
    stock has not covered yet), as ``orders show`` lists them."""
    ordered = line["quantity"]
    allocated = tidy_quantity(line.get("ship_quantity"))
    line["ordered"] = ordered
    line["allocated"] = allocated if allocated is not None else Decimal(0)
    line["picked"] = tidy_quantity(line.pop("picked_quantity", None) or Decimal(0))
    line["shipped"] = tidy_quantity(line.pop("shipped_quantity", None) or Decimal(0))
    shipping = line["status"] in _SHIPPING and allocated is not None
    line["backordered"] = max(ordered - allocated, Decimal(0)) if shipping else Decimal(0)


def _shipments(conn, order_id: int) -> list[dict]:
    found = []
    rows = conn.execute(select(t.shipments).where(t.shipments.c.order_id == order_id)
                        .order_by(t.shipments.c.id)).all()
    lines = {}
    if rows:
        for line in conn.execute(select(t.shipment_lines).where(
                t.shipment_lines.c.shipment_id.in_([row.id for row in rows]))
                .order_by(t.shipment_lines.c.id)):
            lines.setdefault(line.shipment_id, []).append(
                {"line_number": line.line_number, "sku": line.sku,
                 "quantity": tidy_quantity(line.quantity), "package_id": line.package_id})
    for row in rows:
        found.append({"shipment_id": row.id, "carrier": row.carrier,
                      "tracking_number": row.tracking_number, "ship_date": row.ship_date,
                      "source": row.source, "actor": row.actor, "created_at": row.created_at,
                      "lines": lines.get(row.id, [])})
    return found


@dataclass(slots=True)
class DocumentSummary:
    document_id: int
    channel: str
    source_ref: str
    format: str | None
    status: str
    error: str | None
    size: int
    received_at: datetime
    orders: int


def list_documents(engine: Engine, *, status: str | None = None, format: str | None = None,
                   limit: int = 200) -> list[DocumentSummary]:
    order_count = (select(func.count()).where(t.orders.c.document_id == t.documents.c.id)
                   .correlate(t.documents).scalar_subquery())
    query = (select(t.documents.c.id, t.documents.c.channel, t.documents.c.source_ref,
                    t.documents.c.format, t.documents.c.status, t.documents.c.error,
                    t.documents.c.size, t.documents.c.received_at, order_count.label("orders"))
             .order_by(t.documents.c.id.desc()).limit(limit))
    if status:
        query = query.where(t.documents.c.status == status)
    if format:
        query = query.where(t.documents.c.format == format)
    with engine.connect() as conn:
        return [DocumentSummary(document_id=r.id, channel=r.channel, source_ref=r.source_ref,
                                format=r.format, status=r.status, error=r.error, size=r.size,
                                received_at=r.received_at, orders=r.orders)
                for r in conn.execute(query)]


def load_document(engine: Engine, document_id: int) -> SimpleNamespace | None:
    """A stored document's row with its bytes (``content``), or None."""
    with engine.connect() as conn:
        row = conn.execute(select(t.documents).where(t.documents.c.id == document_id)).first()
        if row is None:
            return None
        return SimpleNamespace(**row._mapping, content=document_content(conn, document_id))


def document_claim(engine: Engine, document_id: int) -> ClaimRefused | None:
    """The worker processing the document right now (store/claims.py), or None."""
    with engine.connect() as conn:
        return held_by(conn, document_id)


def to_jsonable(value):
    """dataclasses, Decimals and dates as JSON-friendly values."""
    if hasattr(value, "__dataclass_fields__"):
        return to_jsonable(asdict(value))
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


@dataclass(slots=True)
class ShipmentSummary:
    shipment_id: int
    order_id: int
    customer_id: str
    po_number: str
    carrier: str
    tracking_number: str
    ship_date: date
    lines: int
    quantity: Decimal
    source: str
    created_at: datetime


def list_shipments(engine: Engine, *, order_id: int | None = None,
                   limit: int | None = 200) -> list[ShipmentSummary]:
    """Shipments, newest first, with how many lines and units each carried."""
    lines = t.shipment_lines
    per_shipment = (select(lines.c.shipment_id, func.count().label("lines"),
                           func.sum(lines.c.quantity).label("quantity"))
                    .group_by(lines.c.shipment_id).subquery())
    query = (select(t.shipments, t.orders.c.customer_id, t.orders.c.po_number,
                    per_shipment.c.lines, per_shipment.c.quantity)
             .join(t.orders, t.orders.c.id == t.shipments.c.order_id)
             .join(per_shipment, per_shipment.c.shipment_id == t.shipments.c.id)
             .order_by(t.shipments.c.id.desc()))
    if order_id is not None:
        query = query.where(t.shipments.c.order_id == order_id)
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [ShipmentSummary(row.id, row.order_id, row.customer_id, row.po_number, row.carrier,
                                row.tracking_number, row.ship_date, row.lines,
                                tidy_quantity(Decimal(str(row.quantity))), row.source,
                                row.created_at)
                for row in conn.execute(query)]
