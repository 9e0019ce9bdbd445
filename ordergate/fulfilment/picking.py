"""Pick lists: what the warehouse takes from which bin for the orders it is about to ship.

One pick list gathers every allocated, unpicked quantity of the open orders (or of the orders
named), sorted by bin location and then SKU, the way a picker walks the aisles. Each line's
picked quantity is raised to what is allocated by a conditional UPDATE from the value read, so
two pick lists made at once never list the same quantity twice; the orders move from accepted
to picking.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select, update

from ordergate.errors import UsageError
from ordergate.fulfilment.model import PickLine, PickList
from ordergate.orders.events import OrderChangedMeanwhile, change_statuses
from ordergate.orders.numbers import tidy_quantity
from ordergate.orders.prepared import SHIPPING_LINES
from ordergate.statuses import OPEN_FOR_FULFILMENT, OrderStatus
from ordergate.store import tables as t
from ordergate.store.bulk import bulk_insert

_PICK = (update(t.order_lines)
         .where(t.order_lines.c.id == bindparam("_id"),
                t.order_lines.c.picked_quantity == bindparam("_seen"))
         .values(picked_quantity=bindparam("_picked")))


def pick_list_id(number: int) -> str:
    return f"PL-{number:06d}"


def make_pick_list(conn: Connection, *, order_ids: list[int] | None, actor: str,
                   now: datetime) -> PickList | None:
    """The pick list for what is allocated and not yet picked, or None when nothing is."""
    orders, lines = t.orders, t.order_lines
    query = (select(lines.c.id, lines.c.order_id, lines.c.line_number, lines.c.sku,
                    lines.c.description, lines.c.uom, lines.c.ship_quantity,
                    lines.c.picked_quantity, lines.c.shipped_quantity, orders.c.status,
                    orders.c.customer_id, orders.c.po_number, t.stock.c.location)
             .join(orders, orders.c.id == lines.c.order_id)
             .outerjoin(t.stock, t.stock.c.sku == lines.c.sku)
             .where(orders.c.status.in_(OPEN_FOR_FULFILMENT), lines.c.status.in_(SHIPPING_LINES),
                    lines.c.sku.is_not(None),
                    func.round(lines.c.ship_quantity - lines.c.picked_quantity, 4) > 0))
    if order_ids:
        _check_orders(conn, order_ids)
        query = query.where(orders.c.id.in_(order_ids))
    rows = conn.execute(query).all()
    if not rows:
        return None
    rows.sort(key=lambda row: (row.location is None, row.location or "", row.sku, row.order_id,
                               row.line_number))
    number = conn.execute(t.pick_lists.insert().values(actor=actor, created_at=now)
                          .returning(t.pick_lists.c.id)).scalar_one()
    picks, updates = [], []
    for row in rows:
        picked = max(tidy_quantity(row.picked_quantity), tidy_quantity(row.shipped_quantity))
        quantity = tidy_quantity(row.ship_quantity) - picked
        if quantity <= 0:
            continue
        picks.append(PickLine(order_id=row.order_id, line_number=row.line_number, sku=row.sku,
                              quantity=quantity, location=row.location, uom=row.uom,
                              description=row.description, customer_id=row.customer_id,
                              po_number=row.po_number))
        updates.append({"_id": row.id, "_seen": row.picked_quantity,
                        "_picked": tidy_quantity(row.ship_quantity)})
    if not picks:
        return None
    if conn.execute(_PICK, updates).rowcount != len(updates):
        raise OrderChangedMeanwhile("another pick list took some of these lines meanwhile; run "
                                    "ordergate pick again")
    bulk_insert(conn, t.pick_list_lines, [
        {"pick_list_id": number, "order_id": pick.order_id, "line_number": pick.line_number,
         "sku": pick.sku, "quantity": pick.quantity, "location": pick.location} for pick in picks])
    statuses = {row.order_id: row.status for row in rows}
    change_statuses(conn, [(order_id, status, OrderStatus.PICKING, f"on {pick_list_id(number)}")
                           for order_id, status in sorted(statuses.items())
                           if status == OrderStatus.ACCEPTED and
                           any(pick.order_id == order_id for pick in picks)],
                    now=now, actor=actor)
    return PickList(pick_list_id(number), now, tuple(picks))


def _check_orders(conn: Connection, order_ids: list[int]) -> None:
    """Named orders must exist and be open: a typo should not print an empty pick list."""
    found = {row.id: row.status for row in conn.execute(
        select(t.orders.c.id, t.orders.c.status).where(t.orders.c.id.in_(order_ids)))}
    for order_id in order_ids:
        if order_id not in found:
            raise UsageError(f"there is no order {order_id}")
        if found[order_id] not in OPEN_FOR_FULFILMENT:
            raise UsageError(f"order {order_id} is {found[order_id]}: only accepted, picking or "
                             f"partially shipped orders are picked")
