"""Goods received: on hand goes up, and open backorders are filled from it, oldest order first.

All in the caller's transaction: the receipt row (its reference is unique, so the same
delivery booked twice is refused), the stock row, and each backordered line's allocation. A
line never gets more than it still lacks, and the receipt never gives more than it brought:
every allocation is the same conditional UPDATE on ``on_hand - allocated`` that order intake
uses, so a receipt and a new order arriving at once cannot both take the same units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select, update

from ordergate.errors import UsageError
from ordergate.fulfilment.shipping import COUNTED_UNITS
from ordergate.orders.numbers import tidy_quantity
from ordergate.statuses import OPEN_FOR_FULFILMENT, LineStatus
from ordergate.store import tables as t
from ordergate.store.db import insert_ignore

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Receipt:
    sku: str
    quantity: Decimal
    reference: str  # the delivery note, or the file and row it came from
    where: str = ""  # where it was read ("receipts.csv line 3"), for messages

    @property
    def named(self) -> str:
        return f"{self.where}: receipt {self.reference}" if self.where else \
            f"receipt {self.reference}"


@dataclass(frozen=True, slots=True)
class FilledLine:
    """A backordered line that got stock from a receipt."""

    order_id: int
    po_number: str
    customer_id: str
    line_number: int
    sku: str
    quantity: Decimal  # allocated now from the receipt
    still_open: Decimal  # what the line still lacks afterwards
    reference: str


def receive(conn: Connection, receipts: list[Receipt], *, actor: str,
            now: datetime) -> list[FilledLine]:
    """Book ``receipts`` and fill backorders from them; raises ``UsageError`` (nothing booked)
    for an unknown SKU, a quantity that is not positive, or a reference booked before."""
    for receipt in receipts:
        if not receipt.quantity > 0:
            raise UsageError(f"{receipt.named}: the quantity must be more than 0")
    known = dict(conn.execute(select(t.products.c.sku, t.products.c.uom).where(
        t.products.c.sku.in_(sorted({r.sku for r in receipts})))).all())
    for receipt in receipts:
        if receipt.sku not in known:
            raise UsageError(f"{receipt.named}: there is no product {receipt.sku}")
        uom = (known[receipt.sku] or "").upper()
        if uom in COUNTED_UNITS and receipt.quantity % 1:
            raise UsageError(f"{receipt.named}: {receipt.quantity.normalize():f} {uom} of "
                             f"{receipt.sku} is not a whole number of {uom}")
    filled: list[FilledLine] = []
    for receipt in receipts:
        # RETURNING rather than rowcount: PostgreSQL's driver reports no rowcount for it.
        booked = conn.execute(insert_ignore(conn, t.stock_receipts).returning(t.stock_receipts.c.id), {
            "reference": receipt.reference, "sku": receipt.sku, "quantity": receipt.quantity,
            "actor": actor, "received_at": now}).first()
        if booked is None:
            raise UsageError(f"{receipt.named} was booked before; nothing was booked now (give "
                             f"another --reference for a new delivery)")
        conn.execute(insert_ignore(conn, t.stock), {"sku": receipt.sku, "on_hand": 0, "allocated": 0})
        conn.execute(update(t.stock).where(t.stock.c.sku == receipt.sku)
                     .values(on_hand=t.stock.c.on_hand + receipt.quantity))
        filled.extend(_fill_backorders(conn, receipt))
    return filled


def fill_from_freed(conn: Connection, freed: dict[str, Decimal], *,
                    reference: str) -> list[FilledLine]:
    """Backorders filled, oldest order first, from stock that became free without a receipt (a
    cancelled order's allocation, goods returned to stock): per SKU never more than ``freed``
    holds, nor more than is free on hand. ``reference`` says where the stock came from."""
    filled: list[FilledLine] = []
    for sku, quantity in sorted(freed.items()):
        if quantity > 0:
            filled.extend(_fill_backorders(conn, Receipt(sku, quantity, reference)))
    return filled


def _fill_backorders(conn: Connection, receipt: Receipt) -> list[FilledLine]:
    lines, orders, stock = t.order_lines, t.orders, t.stock
    lacking = lines.c.quantity - func.coalesce(lines.c.ship_quantity, 0)
    query = (select(lines.c.id, lines.c.order_id, lines.c.line_number, lines.c.quantity,
                    lines.c.ship_quantity, orders.c.po_number, orders.c.customer_id)
             .join(orders, orders.c.id == lines.c.order_id)
             .where(lines.c.sku == receipt.sku, lines.c.status == LineStatus.BACKORDERED,
                    orders.c.status.in_(OPEN_FOR_FULFILMENT), func.round(lacking, 4) > 0)
             .order_by(orders.c.created_at, orders.c.id, lines.c.line_number))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=lines)
    filled = []
    for row in conn.execute(query).all():
        available = conn.execute(select(stock.c.on_hand - stock.c.allocated)
                                 .where(stock.c.sku == receipt.sku)).scalar_one()
        gave = sum((line.quantity for line in filled), _ZERO)
        left = min(tidy_quantity(available), receipt.quantity - gave)
        if left <= 0:
            break
        allocated = tidy_quantity(row.ship_quantity) or _ZERO
        give = min(tidy_quantity(row.quantity) - allocated, left)
        taken = conn.execute(update(stock).where(
            stock.c.sku == receipt.sku, func.round(stock.c.on_hand - stock.c.allocated, 4) >= give)
            .values(allocated=stock.c.allocated + give)).rowcount
        if taken != 1:
            break
        conn.execute(update(lines).where(lines.c.id == row.id)
                     .values(ship_quantity=allocated + give))
        filled.append(FilledLine(row.order_id, row.po_number, row.customer_id, row.line_number,
                                 receipt.sku, give, tidy_quantity(row.quantity) - allocated - give,
                                 receipt.reference))
    return filled
