"""What ops do with a held order: release it (the checks run again, minus what they override)
or reject it; either way the customer gets the acknowledgement the order was waiting for.

Each action is one transaction guarded by a conditional UPDATE (``status = 'held'``), so two
people releasing the same order at once release it once; the state change is recorded with
who did it. The acknowledgement goes the way the order came: an 855 for X12 (to the reply
address the 850 gave), an ORDRSP for EDIFACT (to the interchange's sender), a threaded email
for mail, a CSV acknowledgement for dropped files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, delete, select, update

from ordergate.errors import UsageError
from ordergate.masterdata.catalog import Catalog
from ordergate.orders.allocation import decide
from ordergate.orders.checks import Overrides, check_order
from ordergate.orders.numbers import tidy_money
from ordergate.orders.prepared import (
    L_REASON,
    L_SHIP_QUANTITY,
    L_STATUS,
    PreparedOrder,
    prepare_order,
)
from ordergate.orders.reload import stored_sales_order
from ordergate.orders.store import LINE_INSERT_COLUMNS, SavedOrder
from ordergate.outbox.queue import Queued
from ordergate.processing.hold_replies import answerable, queue_resolution
from ordergate.settings import Settings
from ordergate.statuses import LineStatus, OrderStatus
from ordergate.store import tables as t
from ordergate.store.bulk import bulk_insert

HELD, ACCEPTED, REJECTED = OrderStatus.HELD, OrderStatus.ACCEPTED, OrderStatus.REJECTED


class HoldError(UsageError):
    """The order cannot be released or rejected as asked (not found, not held)."""


@dataclass(slots=True)
class HoldOutcome:
    order_id: int
    status: str  # what the order is now
    reasons: list[str] = field(default_factory=list)  # why it is still held, or why rejected
    outbound: list[Queued] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HeldOrder:
    order_id: int
    customer_id: str
    po_number: str
    channel: str
    reasons: list[str]
    total: object
    currency: str | None
    since: datetime


def list_holds(engine: Engine) -> list[HeldOrder]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.orders).where(t.orders.c.status == HELD)
                            .order_by(t.orders.c.id)).all()
    return [HeldOrder(row.id, row.customer_id, row.po_number, row.channel,
                      json.loads(row.hold_reasons) if row.hold_reasons else [],
                      tidy_money(row.total), row.currency, row.updated_at) for row in rows]


def release(engine: Engine, settings: Settings, order_id: int, *, actor: str, now: datetime,
            overrides: Overrides = Overrides(), note: str | None = None) -> HoldOutcome:
    """Run the checks again (master data may have been fixed meanwhile); accepted when they
    pass, else still held with the reasons that remain."""
    with engine.begin() as conn:
        row = _held_row(conn, order_id)
        catalog = Catalog.load(conn, price_tolerance_percent=settings.price_tolerance_percent)
        order = stored_sales_order(conn, row)
        prepared = prepare_order(check_order(order, catalog, overrides=overrides))
        if prepared.status == ACCEPTED:
            [prepared] = decide(conn, [prepared], catalog, now=now, credit_override=overrides.credit)
        if prepared.status == HELD:
            reasons = list(prepared.hold_reasons)
            # Lines and detail stay as they were: they match each other.
            _changed_by_us(_update(conn, order_id, HELD, reasons, prepared, now, detail=False),
                           order_id)
            _event(conn, order_id, now, actor, HELD, HELD,
                   _join(note, "release tried; still held: " + "; ".join(reasons)))
            return HoldOutcome(order_id, HELD, reasons)
        # Accepted, or rejected because a reject_line policy left no line to ship.
        status = prepared.status
        reasons = [] if status == ACCEPTED else list(prepared.hold_reasons)
        _changed_by_us(_update(conn, order_id, status, reasons, prepared, now), order_id)
        _replace_lines(conn, order_id, prepared)
        _event(conn, order_id, now, actor, HELD, status,
               _join(note, _overridden(overrides) if status == ACCEPTED else "; ".join(reasons)))
        outbound = queue_resolution(conn, settings, _saved(row, prepared, status), now=now)
        return HoldOutcome(order_id, status, reasons, outbound)


def reject(engine: Engine, settings: Settings, order_id: int, *, actor: str, now: datetime,
           reason: str) -> HoldOutcome:
    if not reason.strip():
        raise HoldError("a rejection needs a reason the customer can read (--reason)")
    with engine.begin() as conn:
        row = _held_row(conn, order_id)
        current = _stored(conn, row)
        lines = tuple(line[:L_STATUS] + (LineStatus.REJECTED, _join(reason, line[L_REASON]))
                      + line[L_REASON + 1:L_SHIP_QUANTITY] + (None,) for line in current.lines)
        rejected = current._replace(status=REJECTED, hold_reasons=(reason,), lines=lines,
                                    total=Decimal(0))  # nothing of it will ship or be invoiced
        _changed_by_us(_update(conn, order_id, REJECTED, [reason], rejected, now), order_id)
        _replace_lines(conn, order_id, rejected)
        _event(conn, order_id, now, actor, HELD, REJECTED, reason)
        outbound = queue_resolution(conn, settings, _saved(row, rejected, REJECTED), now=now)
        return HoldOutcome(order_id, REJECTED, [reason], outbound)


def _changed_by_us(updated: bool, order_id: int) -> None:
    """The conditional update found the order no longer held: someone else resolved it
    between our read and our write; this transaction rolls back."""
    if not updated:
        raise HoldError(f"order {order_id} was changed by someone else meanwhile; look again")


def _held_row(conn: Connection, order_id: int):
    row = conn.execute(select(t.orders).where(t.orders.c.id == order_id)).first()
    if row is None:
        raise HoldError(f"there is no order {order_id}")
    if row.status != HELD:
        raise HoldError(f"order {order_id} is {row.status}, not held: nothing to release or reject")
    return row


def _stored(conn: Connection, row) -> PreparedOrder:
    from ordergate.orders.reload import load_prepared

    return load_prepared(conn, [row.id])[row.id]


def _update(conn: Connection, order_id: int, status: str, reasons: list[str],
            prepared: PreparedOrder, now: datetime, *, detail: bool = True) -> bool:
    values = {"status": status, "hold_reasons": json.dumps(reasons) if reasons else None,
              "total": prepared.total, "updated_at": now}
    if detail:
        # With the lines about to be written (``_replace_lines``): the detail holds the PO's
        # lines whenever those rows do not say exactly what the PO said.
        values["detail"] = prepared.detail
    result = conn.execute(update(t.orders).where(t.orders.c.id == order_id,
                                                 t.orders.c.status == HELD).values(**values))
    return result.rowcount == 1


def _replace_lines(conn: Connection, order_id: int, prepared: PreparedOrder) -> None:
    conn.execute(delete(t.order_lines).where(t.order_lines.c.order_id == order_id))
    bulk_insert(conn, t.order_lines, [(order_id, *line) for line in prepared.lines],
                columns=LINE_INSERT_COLUMNS)


def _event(conn: Connection, order_id: int, now: datetime, actor: str, before: str, after: str,
           reason: str | None) -> None:
    conn.execute(t.order_events.insert().values(order_id=order_id, at=now, actor=actor,
                                                from_status=before, to_status=after,
                                                reason=reason))


def _saved(row, prepared: PreparedOrder, status: str) -> SavedOrder:
    return answerable(prepared._replace(source_key=row.source_key, channel=row.channel,
                                        format=row.format), row.id, status,
                      stored_detail=row.detail)


def _overridden(overrides: Overrides) -> str | None:
    named = [name for name, on in (("PO price accepted", overrides.accept_po_price),
                                   ("credit limit overridden", overrides.credit),
                                   ("ship-to accepted", overrides.ship_to),
                                   ("reviewed as read", overrides.reviewed),
                                   ("sender verified", overrides.sender_verified)) if on]
    return "; ".join(named) or None


def _join(first: str | None, second: str | None) -> str | None:
    return "; ".join(part for part in (first, second) if part) or None
