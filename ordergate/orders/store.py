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

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    insert,
    select,
    tuple_,
    update,
)

from ordergate.buffers import windows
from ordergate.clock import utcnow
from ordergate.documents import RawDocument
from ordergate.errors import DocumentError
from ordergate.masterdata.catalog import Catalog
from ordergate.orders.allocation import decide
from ordergate.orders.model import OrderStatus
from ordergate.orders.prepared import LINE_COLUMNS, PreparedOrder
from ordergate.statuses import DocumentStatus
from ordergate.store import tables as t
from ordergate.store.bulk import bulk_insert
from ordergate.store.db import insert_ignore

INCOMPLETE = "incomplete"  # interchanges.status: it ended without its trailer (IEA/UNZ)

# documents.status values, by the short names the store's callers use
RECEIVED = DocumentStatus.RECEIVED
PROCESSED = DocumentStatus.PROCESSED
FAILED = DocumentStatus.FAILED
DUPLICATE = DocumentStatus.DUPLICATE
# Only in a report, never in the table: another worker holds the document (store/claims.py).
IN_PROGRESS = DocumentStatus.IN_PROGRESS


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
    """Keep the bytes before anything else happens; the same bytes twice are one document.
    A large document goes in as parts of ``buffers.WINDOW`` (``document_content_parts``), so
    that storing it never needs it whole in memory."""
    with engine.begin() as conn:
        row = conn.execute(
            insert_ignore(conn, t.documents).returning(t.documents.c.id),
            {"content_hash": raw.content_hash, "channel": raw.channel,
             "source_ref": raw.source_ref[:1000], "sender": raw.sender,
             "customer_hint": raw.customer_hint, "received_at": raw.received_at,
             "size": len(raw.content), "status": RECEIVED},
        ).first()
        if row is not None:
            for part, piece in enumerate(windows(raw.content)):
                if part == 0:
                    conn.execute(t.document_contents.insert(),
                                 {"document_id": row.id, "content": piece})
                else:
                    conn.execute(t.document_content_parts.insert(),
                                 {"document_id": row.id, "part": part, "content": piece})
            return StoredDocument(id=row.id, status=RECEIVED, is_new=True)
        existing = conn.execute(
            select(t.documents.c.id, t.documents.c.status)
            .where(t.documents.c.content_hash == raw.content_hash)).one()
        return StoredDocument(id=existing.id, status=existing.status, is_new=False)


def document_content(conn: Connection, document_id: int) -> bytes:
    """The bytes of a stored document, as received (its parts joined)."""
    first = bytes(conn.execute(select(t.document_contents.c.content)
                               .where(t.document_contents.c.document_id == document_id)).scalar_one())
    rest = [bytes(piece) for piece in conn.execute(
        select(t.document_content_parts.c.content)
        .where(t.document_content_parts.c.document_id == document_id)
        .order_by(t.document_content_parts.c.part)).scalars()]
    return first + b"".join(rest) if rest else first


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
    if existing.document_id == document_id:
        return InterchangeClaim("resumed", existing.id, document_id)
    # A resend of an interchange that arrived cut short (no trailer) is the partner repairing
    # it, not a duplicate: take the claim over, with a conditional update so that of two
    # resends processed at once only one does.
    taken = conn.execute(
        update(t.interchanges)
        .where(t.interchanges.c.id == existing.id, t.interchanges.c.status == INCOMPLETE)
        .values(document_id=document_id, status="accepted", received_at=now))
    if taken.rowcount == 1:
        return InterchangeClaim("new", existing.id, document_id)
    original_status = conn.execute(select(t.documents.c.status)
                                   .where(t.documents.c.id == existing.document_id)).scalar_one()
    if original_status == RECEIVED:
        # The first copy is still being processed by another worker (or that attempt died
        # half-way): whether it ends complete, and this one is a duplicate, is not known yet.
        # Calling this one a duplicate now would stick even if the first turns out cut short.
        raise DocumentError(
            f"interchange {control_number} from {sender_id} is also in document "
            f"{existing.document_id}, which has not finished processing; process this document "
            f"again (ordergate replay) once that one has")
    return InterchangeClaim("duplicate", existing.id, existing.document_id)


def mark_interchange_incomplete(conn: Connection, interchange_id: int, document_id: int) -> None:
    """The interchange ended without its trailer: a later resend of it may be processed.
    Only while this document holds the claim: a resend may have taken it over meanwhile."""
    conn.execute(update(t.interchanges)
                 .where(t.interchanges.c.id == interchange_id,
                        t.interchanges.c.document_id == document_id)
                 .values(status=INCOMPLETE))


ORDER_INSERT_COLUMNS = ("document_id", "source_key", "channel", "format", "partner_id",
                        "customer_id", "po_number", "po_date", "purpose", "currency",
                        "requested_date", "status", "hold_reasons", "total", "detail",
                        "created_at", "updated_at")
LINE_INSERT_COLUMNS = ("order_id", *LINE_COLUMNS)
EVENT_INSERT_COLUMNS = ("order_id", "at", "actor", "from_status", "to_status", "reason")
_IN_CHUNK = 500  # keys per IN list, within every backend's limits


@dataclass(slots=True)
class SavedOrder:
    order: PreparedOrder
    outcome: str  # "new", "resumed" (stored by an earlier attempt of this document), "duplicate"
    order_id: int  # the new order, or the original one for a duplicate
    status: str
    hold_reasons: tuple[str, ...]


# Batches of one document after which PostgreSQL's statistics on ``orders`` are refreshed.
ANALYZE_AFTER_BATCHES = frozenset({2, 8, 32, 128, 512})


def save_orders(conn: Connection, document_id: int, batch: list[PreparedOrder], *,
                now: datetime, actor: str, catalog: Catalog | None = None,
                batch_number: int = 0) -> list[SavedOrder]:
    """Insert a batch of prepared orders with their lines and first state change.

    ``batch_number`` counts this document's batches. On PostgreSQL the look-up of the batch's
    orders by document and source key used only the document half of the unique index while
    the planner believed the document had a few dozen orders (a table that grew from empty is
    not analysed in time): every batch then read all of the document's orders so far, and a
    100,000-order interchange slowed down as it went. ``orders`` is analysed after batches 2,
    8, 32, ... of a document, so the planner knows the document is large and uses both
    halves.

    A PO already known for the customer comes back as a duplicate pointing at the original
    order and is recorded in ``order_duplicates``. Orders go in with ON CONFLICT DO NOTHING and
    their ids are read back by document and source key (an index look-up per order), which
    also tells which of them an earlier, interrupted attempt had stored.
    """
    if not batch:
        return []
    if batch_number in ANALYZE_AFTER_BATCHES and conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE orders")
    keys = [order.source_key for order in batch]
    earlier = _orders_by_key(conn, document_id, keys)
    # A duplicate recorded by an earlier attempt was acknowledged with it: resumed, too, so a
    # rerun neither answers it twice nor cuts its 855 batches differently.
    earlier.update(_duplicates_by_key(conn, document_id, keys))
    fresh = [order for order in batch if order.source_key not in earlier]
    inserted = bulk_insert(conn, t.orders, _order_rows(document_id, fresh, now),
                           columns=ORDER_INSERT_COLUMNS, ignore_conflicts=True)
    ours = (_inserted_on_sqlite(conn, document_id, fresh, inserted)
            or (_orders_by_key(conn, document_id, [order.source_key for order in fresh]) if fresh else {}))
    if inserted != len(fresh):  # some PO numbers were taken: by an unproven mail, perhaps
        _take_slots_of_unverified(conn, document_id, [o for o in fresh if o.source_key not in ours],
                                  ours, now=now, actor=actor)
    if catalog is not None and ours:
        # Stock and credit, now that duplicates are known (they take neither).
        new = [order for order in fresh if order.source_key in ours]
        decided = {order.source_key: order for order in decide(conn, new, catalog, now=now)}
        _record_decisions(conn, [(ours[o.source_key][0], o, decided[o.source_key]) for o in new])
        batch = [decided.get(order.source_key, order) for order in batch]
    missing = [(order.customer_id, order.po_number) for order in fresh if order.source_key not in ours]
    existing = _existing_orders(conn, missing) if missing else {}

    saved: list[SavedOrder] = []
    line_rows: list[tuple] = []
    event_rows: list[tuple] = []
    duplicate_rows: list[dict] = []
    for order in batch:
        key = order.source_key
        if key in earlier:
            order_id, status = earlier[key]
            reasons = (_duplicate_reason(order, order_id) if status == OrderStatus.DUPLICATE.value
                       else order.hold_reasons)
            saved.append(SavedOrder(order, "resumed", order_id, status, reasons))
        elif key in ours:
            order_id = ours[key][0]
            line_rows.extend((order_id, *line) for line in order.lines)
            event_rows.append((order_id, now, actor, None, order.status,
                               "; ".join(order.hold_reasons) or None))
            saved.append(SavedOrder(order, "new", order_id, order.status, order.hold_reasons))
        else:
            original_id = existing[(order.customer_id, order.po_number)]
            duplicate_rows.append({"document_id": document_id, "source_key": key,
                                   "order_id": original_id, "at": now})
            saved.append(SavedOrder(order, "duplicate", original_id, OrderStatus.DUPLICATE.value,
                                    _duplicate_reason(order, original_id)))

    bulk_insert(conn, t.order_lines, line_rows, columns=LINE_INSERT_COLUMNS)
    bulk_insert(conn, t.order_events, event_rows, columns=EVENT_INSERT_COLUMNS)
    bulk_insert(conn, t.order_duplicates, duplicate_rows, ignore_conflicts=True)
    return saved


def _order_rows(document_id: int, orders: list[PreparedOrder], now: datetime) -> list[tuple]:
    return [(document_id, *order[:11], json.dumps(order.hold_reasons) if order.hold_reasons else None,
             order.total, order.detail, now, now) for order in orders]


# How an order held for its unproven sender starts its hold reasons (checks.check_order puts
# the reason first), as stored in orders.hold_reasons (JSON).
_UNVERIFIED_REASONS = '["sender not authenticated:%'


def _take_slots_of_unverified(conn: Connection, document_id: int, refused: list[PreparedOrder],
                              ours: dict[str, tuple[int, str]], *, now: datetime, actor: str) -> None:
    """A PO whose customer + PO number is held by an order from an unproven mail goes in
    anyway: that order is rejected and renamed out of the way, so a forged mail can never
    make the customer's real order a duplicate. Adds the orders that went in to ``ours``."""
    if not refused:
        return
    keys = [(order.customer_id, order.po_number) for order in refused]
    blocking = []
    for start in range(0, len(keys), _IN_CHUNK):
        blocking += conn.execute(
            select(t.orders.c.id, t.orders.c.customer_id, t.orders.c.po_number)
            .where(tuple_(t.orders.c.customer_id, t.orders.c.po_number).in_(keys[start:start + _IN_CHUNK]),
                   t.orders.c.status == OrderStatus.HELD.value,
                   t.orders.c.hold_reasons.like(_UNVERIFIED_REASONS))).all()
    freed = set()
    for row in blocking:
        suffix = f"~unverified-{row.id}"
        reason = (f"superseded: PO {row.po_number} came from the customer through an authenticated "
                  f"channel (document {document_id})")
        moved = conn.execute(
            update(t.orders).where(t.orders.c.id == row.id, t.orders.c.status == OrderStatus.HELD.value)
            .values(po_number=row.po_number[:64 - len(suffix)] + suffix,
                    status=OrderStatus.REJECTED.value, hold_reasons=json.dumps([reason]),
                    updated_at=now)).rowcount
        if moved:
            conn.execute(insert(t.order_events).values(
                order_id=row.id, at=now, actor=actor, from_status=OrderStatus.HELD.value,
                to_status=OrderStatus.REJECTED.value, reason=reason))
            freed.add((row.customer_id, row.po_number))
    retry = [order for order in refused if (order.customer_id, order.po_number) in freed]
    if retry:
        bulk_insert(conn, t.orders, _order_rows(document_id, retry, now),
                    columns=ORDER_INSERT_COLUMNS, ignore_conflicts=True)
        ours.update(_orders_by_key(conn, document_id, [order.source_key for order in retry]))


def _orders_by_key(conn: Connection, document_id: int, keys: list[str]) -> dict[str, tuple[int, str]]:
    """source_key -> (order id, status) for this document's orders among ``keys``."""
    found = {}
    for start in range(0, len(keys), _IN_CHUNK):
        for row in conn.execute(
                select(t.orders.c.source_key, t.orders.c.id, t.orders.c.status)
                .where(t.orders.c.document_id == document_id,
                       t.orders.c.source_key.in_(keys[start:start + _IN_CHUNK]))):
            found[row.source_key] = (row.id, row.status)
    return found


def _inserted_on_sqlite(conn: Connection, document_id: int, fresh: list[PreparedOrder],
                        inserted: int) -> dict[str, tuple[int, str]] | None:
    """The new orders' ids without reading them back, on SQLite, when every one went in: one
    executemany under the write lock gives consecutive rowids ending at last_insert_rowid()
    (each new rowid is one more than the largest). A count over that id range checks it;
    None (read them back) when anything is unexpected."""
    if conn.dialect.name != "sqlite" or not fresh or inserted != len(fresh):
        return None
    last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar()
    first = last - len(fresh) + 1
    count = conn.execute(select(func.count()).select_from(t.orders).where(
        t.orders.c.document_id == document_id, t.orders.c.id.between(first, last))).scalar()
    if count != len(fresh):
        return None
    return {order.source_key: (order_id, order.status)
            for order_id, order in enumerate(fresh, start=first)}


def _record_decisions(conn: Connection, decisions: list[tuple[int, PreparedOrder, PreparedOrder]]) -> None:
    """Orders were inserted as the checks left them; those stock or credit changed are updated."""
    changed = [{"_id": order_id, "_status": after.status, "_total": after.total,
                "_reasons": json.dumps(after.hold_reasons) if after.hold_reasons else None}
               for order_id, before, after in decisions
               if (after.status, after.total, after.hold_reasons) != (before.status, before.total,
                                                                    before.hold_reasons)]
    if changed:
        conn.execute(update(t.orders).where(t.orders.c.id == bindparam("_id"))
                     .values(status=bindparam("_status"), total=bindparam("_total"),
                             hold_reasons=bindparam("_reasons")), changed)


def _duplicate_reason(order: PreparedOrder, original_id: int) -> tuple[str, ...]:
    return (f"PO {order.po_number} was already received as order {original_id}",)


def _duplicates_by_key(conn: Connection, document_id: int,
                       keys: list[str]) -> dict[str, tuple[int, str]]:
    """source_key -> (original order id, "duplicate") for this document's recorded duplicates."""
    found = {}
    for start in range(0, len(keys), _IN_CHUNK):
        for row in conn.execute(
                select(t.order_duplicates.c.source_key, t.order_duplicates.c.order_id)
                .where(t.order_duplicates.c.document_id == document_id,
                       t.order_duplicates.c.source_key.in_(keys[start:start + _IN_CHUNK]))):
            found[row.source_key] = (row.order_id, OrderStatus.DUPLICATE.value)
    return found


def _existing_orders(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found = {}
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start:start + _IN_CHUNK]
        for row in conn.execute(
                select(t.orders.c.id, t.orders.c.customer_id, t.orders.c.po_number)
                .where(tuple_(t.orders.c.customer_id, t.orders.c.po_number).in_(chunk))):
            found[(row.customer_id, row.po_number)] = row.id
    return found
