"""Cancelling an order before anything of it shipped: its stock and credit go back.

In the caller's transaction: the order moves to cancelled from the status it was read in (a
conditional UPDATE), every line becomes rejected with the reason and gives its allocation back
to stock, and the order's value leaves the customer's open orders. The caller then tells the
customer the way the order came (``processing.hold_replies.queue_resolution``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, select, update

from ordergate.errors import UsageError
from ordergate.printable import control_problem
from ordergate.orders.allocation import release_credit, release_stock
from ordergate.orders.events import change_statuses
from ordergate.orders.numbers import tidy_quantity
from ordergate.orders.prepared import PreparedOrder
from ordergate.orders.reload import load_prepared
from ordergate.statuses import LineStatus, OrderStatus
from ordergate.store import tables as t

# What may be cancelled: nothing of it has shipped (a held order has no stock or credit yet).
CANCELLABLE = (OrderStatus.ACCEPTED, OrderStatus.PICKING, OrderStatus.HELD)
_BOOKED = (OrderStatus.ACCEPTED, OrderStatus.PICKING)  # their value is on open orders


def cancel_order(conn: Connection, order_id: int, *, reason: str, actor: str,
                 now: datetime) -> tuple[PreparedOrder, dict[str, Decimal]]:
    """The order as cancelled (its rows, for the answer to the customer), and the stock per SKU
    its allocation gave back (for the backorders that wait for it)."""
    if not reason.strip():
        raise UsageError("a cancellation needs a reason the customer can read (--reason)")
    problem = control_problem("the reason", reason)
    if problem:
        raise UsageError(problem)
    query = select(t.orders).where(t.orders.c.id == order_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    order = conn.execute(query).first()
    if order is None:
        raise UsageError(f"there is no order {order_id}")
    lines = conn.execute(select(t.order_lines).where(t.order_lines.c.order_id == order_id)
                         .order_by(t.order_lines.c.line_number)).all()
    if any(tidy_quantity(line.shipped_quantity) > 0 for line in lines):
        raise UsageError(f"order {order_id} (PO {order.po_number}) has shipped (in part or in "
                         f"full); what has shipped cannot be cancelled")
    if order.status not in CANCELLABLE:
        raise UsageError(f"order {order_id} (PO {order.po_number}) is {order.status}: only "
                         f"accepted, picking or held orders can be cancelled")
    returned: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.sku and line.ship_quantity:
            returned[line.sku] += tidy_quantity(line.ship_quantity)
    release_stock(conn, dict(sorted(returned.items())))
    if order.status in _BOOKED and order.total:
        release_credit(conn, order.customer_id, order.total)
    note = f"cancelled: {reason}"
    conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order_id)
                 .values(status=LineStatus.REJECTED, reason=note, ship_quantity=None,
                         picked_quantity=0))
    conn.execute(update(t.orders).where(t.orders.c.id == order_id)
                 .values(hold_reasons=json.dumps([reason]), total=0))
    change_statuses(conn, [(order_id, order.status, OrderStatus.CANCELLED, reason)], now=now,
                    actor=actor)
    prepared = load_prepared(conn, [order_id])[order_id]
    return prepared._replace(status=OrderStatus.CANCELLED, hold_reasons=(reason,)), dict(returned)
