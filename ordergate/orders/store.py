"""Writing documents, interchanges and checked orders, in batches, with idempotency in keys.

Every write is an INSERT ... ON CONFLICT DO NOTHING followed by a read of what won, so two
workers, a rerun after a crash, or the same PO twice all end with one row. Orders go in with
one executemany per table per batch (Core, not a per-order ORM session): that is what keeps
the end-to-end rate in the thousands of orders per second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select, tuple_, update

from ordergate.orders import tables as t
from ordergate.orders.bulk import bulk_insert
from ordergate.orders.db import insert_ignore
from ordergate.orders.model import LINE_STATUS_VALUE, CheckedOrder, OrderStatus
from ordergate.sources.document import RawDocument, utcnow

# documents.status values
RECEIVED = "received"
PROCESSED = "processed"
FAILED = "failed"
DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: int
    status: str
    is_new: bool

    @property
    def needs_processing(self) -> bool:
        """New, or left half-done by a crash (received), or failed before (a retry)."""
        return self.is_new or self.status in (RECEIVED, FAILED)


def store_document(engine: Engine, raw: RawDocument) -> StoredDocument:
    """Keep the bytes before anything else happens; the same bytes twice are one document."""
    with engine.begin() as conn:
        row = conn.execute(
            insert_ignore(conn, t.documents).returning(t.documents.c.id),
            {"content_hash": raw.content_hash, "channel": raw.channel,
             "source_ref": raw.source_ref[:1000], "sender": raw.sender,
             "customer_hint": raw.customer_hint, "received_at": raw.received_at,
             "size": len(raw.content), "content": raw.content, "status": RECEIVED},
        ).first()
        if row is not None:
            return StoredDocument(id=row.id, status=RECEIVED, is_new=True)
        existing = conn.execute(
            select(t.documents.c.id, t.documents.c.status)
            .where(t.documents.c.content_hash == raw.content_hash)).one()
        return StoredDocument(id=existing.id, status=existing.status, is_new=False)


def finish_document(conn: Connection, document_id: int, status: str, *, fmt: str | None,
                    error: str | None) -> None:
    conn.execute(update(t.documents).where(t.documents.c.id == document_id).values(
        status=status, format=fmt, error=error, processed_at=utcnow()))


@dataclass(frozen=True, slots=True)
class InterchangeClaim:
    outcome: str  # "new", "resumed" (this document claimed it before a crash), "duplicate"
    interchange_id: int
    original_document_id: int


def claim_interchange(conn: Connection, *, document_id: int, standard: str, sender_id: str,
                      receiver_id: str, control_number: str, now: datetime) -> InterchangeClaim:
    """One row per sender + control number: the unique key decides who saw it first."""
    row = conn.execute(
        insert_ignore(conn, t.interchanges).returning(t.interchanges.c.id),
        {"document_id": document_id, "standard": standard, "sender_id": sender_id,
         "receiver_id": receiver_id, "control_number": control_number, "status": "accepted",
         "received_at": now},
    ).first()
    if row is not None:
        return InterchangeClaim("new", row.id, document_id)
    existing = conn.execute(
        select(t.interchanges.c.id, t.interchanges.c.document_id).where(
            t.interchanges.c.standard == standard, t.interchanges.c.sender_id == sender_id,
            t.interchanges.c.control_number == control_number)).one()
    outcome = "resumed" if existing.document_id == document_id else "duplicate"
    return InterchangeClaim(outcome, existing.id, existing.document_id)


@dataclass(slots=True)
class SavedOrder:
    checked: CheckedOrder
    outcome: str  # "new", "resumed" (stored by an earlier attempt of this document), "duplicate"


def save_orders(conn: Connection, document_id: int, batch: list[CheckedOrder], *,
                now: datetime, actor: str) -> list[SavedOrder]:
    """Insert a batch of checked orders with their lines and first state change.

    Sets ``order_id`` on each ``CheckedOrder``; a PO already known for the customer comes back
    as a duplicate pointing at the original order and is recorded in ``order_duplicates``.
    Orders go in with ON CONFLICT DO NOTHING and their ids are read back by document and
    source key, which also tells which of them an earlier, interrupted attempt had stored.
    """
    if not batch:
        return []
    keys = [checked.order.source_key for checked in batch]
    earlier = _orders_of_document(conn, document_id, keys)
    bulk_insert(conn, t.orders, [_order_row(document_id, checked, now) for checked in batch
                                 if checked.order.source_key not in earlier],
                ignore_conflicts=True)
    ours = _orders_of_document(conn, document_id, keys)
    missing = [(c.order.customer_id, c.order.po_number) for c in batch
               if c.order.source_key not in ours]
    existing = _existing_orders(conn, missing) if missing else {}

    saved: list[SavedOrder] = []
    line_rows: list[dict] = []
    event_rows: list[dict] = []
    duplicate_rows: list[dict] = []
    for checked in batch:
        key = checked.order.source_key
        if key in earlier:
            checked.order_id, status = earlier[key]
            checked.status = OrderStatus(status)
            saved.append(SavedOrder(checked, "resumed"))
        elif key in ours:
            checked.order_id = ours[key][0]
            line_rows.extend(_line_rows(checked.order_id, checked))
            event_rows.append({"order_id": checked.order_id, "at": now, "actor": actor,
                               "from_status": None, "to_status": checked.status.value,
                               "reason": "; ".join(checked.hold_reasons) or None})
            saved.append(SavedOrder(checked, "new"))
        else:
            original_id = existing[(checked.order.customer_id, checked.order.po_number)]
            checked.order_id = original_id
            checked.status = OrderStatus.DUPLICATE
            checked.hold_reasons = [f"PO {checked.order.po_number} was already received as "
                                    f"order {original_id}"]
            duplicate_rows.append({"document_id": document_id, "source_key": key,
                                   "order_id": original_id, "at": now})
            saved.append(SavedOrder(checked, "duplicate"))

    bulk_insert(conn, t.order_lines, line_rows)
    bulk_insert(conn, t.order_events, event_rows)
    bulk_insert(conn, t.order_duplicates, duplicate_rows, ignore_conflicts=True)
    return saved


def _orders_of_document(conn: Connection, document_id: int, keys: list[str]) -> dict[str, tuple[int, str]]:
    """source_key -> (order id, status) for this document's orders among ``keys``."""
    wanted = set(keys)
    rows = conn.execute(select(t.orders.c.source_key, t.orders.c.id, t.orders.c.status)
                        .where(t.orders.c.document_id == document_id))
    return {row.source_key: (row.id, row.status) for row in rows if row.source_key in wanted}


def _existing_orders(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found = {}
    for start in range(0, len(keys), 500):  # keep the IN list within every backend's limits
        chunk = keys[start:start + 500]
        for row in conn.execute(
                select(t.orders.c.id, t.orders.c.customer_id, t.orders.c.po_number)
                .where(tuple_(t.orders.c.customer_id, t.orders.c.po_number).in_(chunk))):
            found[(row.customer_id, row.po_number)] = row.id
    return found


def _order_row(document_id: int, checked: CheckedOrder, now: datetime) -> dict:
    order = checked.order
    return {
        "document_id": document_id, "source_key": order.source_key, "channel": order.channel,
        "format": order.format, "partner_id": order.partner_id, "customer_id": order.customer_id,
        "po_number": order.po_number, "po_date": order.po_date, "purpose": order.purpose.value,
        "currency": order.currency, "requested_date": order.requested_date,
        "status": checked.status.value,
        "hold_reasons": json.dumps(checked.hold_reasons) if checked.hold_reasons else None,
        "total": checked.total, "detail": order.model_dump_json(exclude={"document_id"}),
        "created_at": now, "updated_at": now,
    }




def _line_rows(order_id: int, checked: CheckedOrder) -> list[dict]:
    rows = []
    for line, outcome in zip(checked.order.lines, checked.lines):
        rows.append({
            "order_id": order_id, "line_number": line.line_number,
            "buyer_line_id": line.buyer_line_id, "buyer_part": line.buyer_part,
            "vendor_part": line.vendor_part, "gtin": line.gtin, "sku": outcome.sku,
            "description": (line.description or "")[:300] or None, "quantity": line.quantity,
            "uom": line.uom, "unit_price": outcome.unit_price, "status": LINE_STATUS_VALUE[outcome.status],
            "reason": outcome.reason,
        })
    return rows
