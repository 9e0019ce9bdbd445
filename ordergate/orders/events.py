"""An order's history: every status change, who made it and why, as rows of ``order_events``.

A change is a conditional UPDATE from the status the caller saw: when another worker changed
the order meanwhile, the change fails (``OrderChangedMeanwhile``, transient: the caller's
transaction rolls back and the same command run again sees the new state).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, update

from ordergate.errors import TransientError
from ordergate.store import tables as t
from ordergate.store.bulk import bulk_insert

_CHANGE = (update(t.orders)
           .where(t.orders.c.id == bindparam("_id"), t.orders.c.status == bindparam("_from"))
           .values(status=bindparam("_to"), updated_at=bindparam("_now")))


class OrderChangedMeanwhile(TransientError):
    """Another worker changed an order between reading and updating it."""


def record_event(conn: Connection, order_id: int, *, now: datetime, actor: str,
                 before: str | None, after: str, reason: str | None = None) -> None:
    conn.execute(t.order_events.insert().values(order_id=order_id, at=now, actor=actor,
                                                from_status=before, to_status=after,
                                                reason=reason))


def change_statuses(conn: Connection, changes: list[tuple[int, str, str, str | None]], *,
                    now: datetime, actor: str) -> None:
    """Move each (order id, from, to, reason) from ``from`` to ``to`` and record it, or raise
    ``OrderChangedMeanwhile`` when an order was no longer in its ``from`` status."""
    changes = [change for change in changes if change[1] != change[2]]
    if not changes:
        return
    moved = conn.execute(_CHANGE, [{"_id": order_id, "_from": before, "_to": after, "_now": now}
                                   for order_id, before, after, _ in changes]).rowcount
    if moved != len(changes):
        raise OrderChangedMeanwhile("an order changed while this command worked on it; run it "
                                    "again")
    bulk_insert(conn, t.order_events, [
        {"order_id": order_id, "at": now, "actor": actor, "from_status": before,
         "to_status": after, "reason": reason} for order_id, before, after, reason in changes])
