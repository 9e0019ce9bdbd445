"""Stock and credit: the checks that need the database's current state, decided as orders are
stored, inside the batch's transaction.

Stock is never read-then-written in Python. For each SKU a batch wants, one conditional UPDATE
sets the whole demand aside when ``on_hand - allocated`` covers it (the usual case: one
statement per SKU per batch). When it does not, the SKU's row is locked (``FOR UPDATE`` on
PostgreSQL; SQLite's write lock is already held) and lines take what is left in document
order, each through the same conditional UPDATE. A short line then follows the customer's
backorder policy: ship what there is and backorder the rest, reject the line, or hold the
order (giving back what its other lines took). Each line's ``ship_quantity`` records what it
holds, so releasing or rejecting an order later gives exactly that back.

Credit works the same way on ``customer_exposure``: the batch's new open order value per
customer goes on with one conditional UPDATE that fails past the credit limit, and only then
order by order. A held order takes no stock and adds no exposure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import Connection, bindparam, delete, func, select, update

from ordergate.masterdata.catalog import Catalog
from ordergate.orders.numbers import tidy_money, tidy_quantity
from ordergate.orders.prepared import (
    L_NUMBER,
    L_QUANTITY,
    L_REASON,
    L_SHIP_QUANTITY,
    L_SKU,
    L_STATUS,
    L_UNIT_PRICE,
    SHIPPING_LINES,
    PreparedOrder,
)
from ordergate.store import tables as t
from ordergate.store.db import insert_ignore, upsert

ACCEPTED, HELD, REJECTED = "accepted", "held", "rejected"
_ZERO = Decimal(0)


@dataclass(slots=True)
class _Line:
    order: int  # index into the batch
    index: int  # index into the order's lines
    sku: str
    wanted: Decimal
    given: Decimal = _ZERO
    rejected: bool = False  # the reject_line policy turned it down: its stock goes back


def decide(conn: Connection, orders: list[PreparedOrder], catalog: Catalog, *,
           now: datetime, credit_override: bool = False) -> list[PreparedOrder]:
    """The batch's new orders with credit reserved and stock allocated: line statuses, ship
    quantities, order status and hold reasons as they will be stored and acknowledged.

    Credit comes first, so an order held for credit never takes stock the orders after it
    could ship; what a backorder policy later turns down gives its credit back."""
    credited, booked = _reserve_credit(conn, orders, catalog, override=credit_override)
    demand = _demand(credited, range(len(credited)))
    if _take_all(conn, demand):
        decided = credited  # the usual case, one statement: every line ships whole, as prepared
    else:
        lines = [_Line(n, i, line[L_SKU], line[L_QUANTITY])
                 for n, order in enumerate(credited) if order.status == ACCEPTED
                 for i, line in enumerate(order.lines) if _wants_stock(line)]
        _allocate(conn, lines)
        decided = _apply_policies(credited, lines, catalog)
        _give_back(conn, [line for line in lines if line.given and
                          (line.rejected or decided[line.order].status != ACCEPTED)])
        for n in booked:  # a held or rejected order, or rejected lines, owe nothing
            shipping = decided[n].total if decided[n].status == ACCEPTED else _ZERO
            if credited[n].total > shipping:
                release_credit(conn, credited[n].customer_id, credited[n].total - shipping)
    _suggest_reorders(conn, set(demand), now)
    # A held order holds no stock, and its lines say what the checks said, not what a
    # backorder policy would have done: nothing ships until it is released.
    return [order if order.status != HELD else
            orders[n]._replace(status=HELD, hold_reasons=order.hold_reasons,
                               lines=tuple(line[:L_SHIP_QUANTITY] + (None,) for line in orders[n].lines))
            for n, order in enumerate(decided)]


def _wants_stock(line: tuple) -> bool:
    return line[L_STATUS] in SHIPPING_LINES and bool(line[L_SKU]) and line[L_QUANTITY] > 0


def _demand(orders: list[PreparedOrder], which) -> dict[str, Decimal]:
    """Quantity per SKU the accepted orders among ``which`` want, in SKU order: two workers
    locking stock rows in opposite orders would deadlock."""
    demand: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    shipping = SHIPPING_LINES
    for n in which:
        order = orders[n]
        if order.status == ACCEPTED:
            for line in order.lines:  # _wants_stock, inlined: 100,000 lines per benchmark run
                if line[L_STATUS] in shipping and line[L_SKU] and line[L_QUANTITY] > 0:
                    demand[line[L_SKU]] += line[L_QUANTITY]
    return dict(sorted(demand.items()))


# ---------------------------------------------------------------- stock
def _allocate(conn: Connection, lines: list[_Line]) -> None:
    by_sku: dict[str, list[_Line]] = defaultdict(list)
    for line in lines:
        by_sku[line.sku].append(line)
    # SKU by SKU (the batch as a whole did not fit), in SKU order like ``_demand``.
    by_sku = dict(sorted(by_sku.items()))
    demand = {sku: sum((line.wanted for line in wanting), _ZERO) for sku, wanting in by_sku.items()}
    for sku, wanting in by_sku.items():
        if _take(conn, sku, demand[sku]):
            for line in wanting:
                line.given = line.wanted
            continue
        available = conn.execute(
            select(t.stock.c.on_hand - t.stock.c.allocated).where(t.stock.c.sku == sku)
            .with_for_update()).scalar()
        left = max(available or _ZERO, _ZERO)
        for line in wanting:
            give = min(line.wanted, left)
            if give > 0 and _take(conn, sku, give):
                line.given, left = give, left - give


_TAKE = (update(t.stock)
         .where(t.stock.c.sku == bindparam("_sku"),
                func.round(t.stock.c.on_hand - t.stock.c.allocated, 4) >= bindparam("_quantity"))
         .values(allocated=t.stock.c.allocated + bindparam("_quantity")))


def _take_all(conn: Connection, demand: dict[str, Decimal]) -> bool:
    """Every SKU's demand in one executemany inside a savepoint: kept when every row was
    updated, rolled back otherwise (then SKU by SKU). Needs a driver that reports the summed
    rowcount of an executemany (sqlite3 and psycopg do)."""
    if not demand or not conn.dialect.supports_sane_multi_rowcount:
        return False
    savepoint = conn.begin_nested()
    result = conn.execute(_TAKE, [{"_sku": sku, "_quantity": quantity}
                                  for sku, quantity in demand.items()])
    if result.rowcount == len(demand):
        savepoint.commit()
        return True
    savepoint.rollback()
    return False


def _take(conn: Connection, sku: str, quantity: Decimal) -> bool:
    """Set ``quantity`` aside if that many are available; the condition is the guard."""
    stock = t.stock
    result = conn.execute(update(stock)
                          .where(stock.c.sku == sku,
                                 func.round(stock.c.on_hand - stock.c.allocated, 4) >= quantity)
                          .values(allocated=stock.c.allocated + quantity))
    return result.rowcount == 1


def _give_back(conn: Connection, lines: list[_Line]) -> None:
    returned: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    for line in lines:
        returned[line.sku] += line.given
        line.given = _ZERO
    release_stock(conn, returned)


def release_stock(conn: Connection, quantities: dict[str, Decimal]) -> None:
    """Give allocated stock back (a held or rejected order's); lowering is always safe."""
    for sku, quantity in quantities.items():
        if quantity:
            conn.execute(update(t.stock).where(t.stock.c.sku == sku)
                         .values(allocated=t.stock.c.allocated - quantity))


def _apply_policies(orders: list[PreparedOrder], lines: list[_Line],
                    catalog: Catalog) -> list[PreparedOrder]:
    # Only orders with a short line change; the rest ship as prepared (ship_quantity = quantity).
    given = {(line.order, line.index): line for line in lines if line.given != line.wanted}
    short_orders = {line.order for line in given.values()}
    decided = []
    for n, order in enumerate(orders):
        if order.status != ACCEPTED or n not in short_orders:
            decided.append(order)
            continue
        profile = catalog.profile(order.customer_id)
        policy = profile.backorder_policy if profile else "ship_partial"
        new_lines, holds = [], []
        for i, line in enumerate(order.lines):
            allocated = given.get((n, i))
            if allocated is None:  # allocated whole, or not a stock line
                new_lines.append(line)
                continue
            short = (f"line {line[L_NUMBER]}: {allocated.given.normalize():f} of "
                     f"{allocated.wanted.normalize():f} {line[L_SKU]} in stock")
            if policy == "hold":
                holds.append(short)
                new_lines.append(line[:L_SHIP_QUANTITY] + (allocated.given,))
            elif policy == "reject_line":
                new_lines.append(_with(line, "rejected", f"{short}; the line is not accepted", None))
                allocated.rejected = True
            else:
                rest = allocated.wanted - allocated.given
                new_lines.append(_with(line, "backordered",
                                       f"{short}: {allocated.given.normalize():f} ship now, "
                                       f"{rest.normalize():f} backordered", allocated.given))
        if holds:
            decided.append(order._replace(status=HELD, hold_reasons=(*order.hold_reasons, *holds),
                                          lines=tuple(new_lines)))
        elif not any(line[L_STATUS] in SHIPPING_LINES for line in new_lines):
            # reject_line turned every line down: nothing is left to accept.
            decided.append(order._replace(status=REJECTED, lines=tuple(new_lines), total=_ZERO,
                                          hold_reasons=("no line can be supplied from stock",)))
        else:
            decided.append(order._replace(lines=tuple(new_lines), total=_total(new_lines)))
    return decided


def _with(line: tuple, status: str, reason: str, ship: Decimal | None) -> tuple:
    reason = f"{line[L_REASON]}; {reason}" if line[L_REASON] else reason
    return line[:L_STATUS] + (status, reason) + line[L_REASON + 1:L_SHIP_QUANTITY] + (ship,)


def _total(lines) -> Decimal:
    total = _ZERO
    for line in lines:
        if line[L_STATUS] in SHIPPING_LINES and line[L_UNIT_PRICE] is not None:
            total += line[L_UNIT_PRICE] * line[L_QUANTITY]
    return total


# ---------------------------------------------------------------- credit
def _reserve_credit(conn: Connection, orders: list[PreparedOrder], catalog: Catalog, *,
                    override: bool = False) -> tuple[list[PreparedOrder], set[int]]:
    """Orders over the limit (or of a customer on stop) held; returns them and the indexes of
    the orders whose total went onto ``customer_exposure``. ``override``: a person accepted the
    credit risk; the exposure still goes on the books."""
    by_customer: dict[str, list[int]] = defaultdict(list)
    decided = list(orders)
    overdue = {} if override else _overdue(conn, orders, catalog)
    for n, order in enumerate(orders):
        if order.status != ACCEPTED or not order.customer_id:
            continue
        profile = catalog.profile(order.customer_id)
        if profile is not None and profile.credit_stop and not override:
            decided[n] = _credit_hold(order, f"customer {order.customer_id} is on credit stop")
            continue
        if order.customer_id in overdue:
            decided[n] = _credit_hold(order, overdue[order.customer_id])
            continue
        customer = catalog.customers.get(order.customer_id)
        if customer is not None and customer.credit_limit is not None:
            by_customer[order.customer_id].append(n)
    booked: set[int] = set()
    for customer_id, indexes in sorted(by_customer.items()):  # a fixed lock order, as for stock
        limit = catalog.customers[customer_id].credit_limit
        conn.execute(insert_ignore(conn, t.customer_exposure), {"customer_id": customer_id})
        if _reserve(conn, customer_id, sum((orders[n].total for n in indexes), _ZERO),
                    None if override else limit):
            booked.update(indexes)
            continue
        # Not all fit: order by order, in document order, against the exposure read once with
        # its row locked (PostgreSQL; SQLite's transaction holds the write lock already), and
        # booked in one UPDATE. A statement or two per order made a document that reached the
        # limit three times slower than one that did not.
        open_now = conn.execute(
            select(t.customer_exposure.c.open_orders + t.customer_exposure.c.open_invoices)
            .where(t.customer_exposure.c.customer_id == customer_id).with_for_update()
        ).scalar_one()
        running, fits = Decimal(open_now).quantize(_EXPOSURE_SCALE), _ZERO
        for n in indexes:
            total = orders[n].total
            if (running + total).quantize(_EXPOSURE_SCALE) <= limit:
                booked.add(n)
                running += total
                fits += total
            else:
                decided[n] = _credit_hold(
                    orders[n], f"credit: order total {total.normalize():f} + open "
                               f"{tidy_money(running).normalize():f} exceeds the credit limit "
                               f"{limit.normalize():f} of {customer_id}")
        if fits:
            _reserve(conn, customer_id, fits, None)
    return decided, booked


# The exposure columns' scale: a total is compared as the database rounds it (``_reserve``).
_EXPOSURE_SCALE = Decimal("0.0001")


def _overdue(conn: Connection, orders: list[PreparedOrder], catalog: Catalog) -> dict[str, str]:
    """Customers whose profile holds orders while an invoice is more than
    ``hold_if_overdue_days`` past due, and which invoice is: the hold's reason."""
    days = {}
    for order in orders:
        profile = catalog.profile(order.customer_id) if order.customer_id else None
        if profile is not None and profile.hold_if_overdue_days is not None:
            days[order.customer_id] = profile.hold_if_overdue_days
    if not days:
        return {}
    today = datetime.now(timezone.utc).date()
    found = {}
    for row in conn.execute(select(t.invoices.c.customer_id, t.invoices.c.invoice_number,
                                   t.invoices.c.due_date)
                            .where(t.invoices.c.customer_id.in_(sorted(days)),
                                   t.invoices.c.status == "open")
                            .order_by(t.invoices.c.due_date)):
        late = (today - row.due_date).days
        if late > days[row.customer_id] and row.customer_id not in found:
            found[row.customer_id] = (f"overdue invoices: {row.invoice_number} is {late} days past "
                                      f"due (the profile holds orders past "
                                      f"{days[row.customer_id]} days)")
    return found


def _reserve(conn: Connection, customer_id: str, amount: Decimal, limit: Decimal | None) -> bool:
    exposure = t.customer_exposure
    conditions = [exposure.c.customer_id == customer_id]
    if limit is not None:  # None: overridden, booked whatever the limit says
        # Rounded to the column's 4 decimals: SQLite keeps these as binary floats, where
        # 0.1 + 0.2 is not <= 0.3.
        conditions.append(func.round(exposure.c.open_orders + exposure.c.open_invoices + amount, 4)
                          <= limit)
    result = conn.execute(update(exposure).where(*conditions)
                          .values(open_orders=exposure.c.open_orders + amount))
    return result.rowcount == 1


def release_credit(conn: Connection, customer_id: str, amount: Decimal) -> None:
    conn.execute(update(t.customer_exposure).where(t.customer_exposure.c.customer_id == customer_id)
                 .values(open_orders=t.customer_exposure.c.open_orders - amount))


def _credit_hold(order: PreparedOrder, reason: str) -> PreparedOrder:
    return order._replace(status=HELD, hold_reasons=(*order.hold_reasons, reason))


# ---------------------------------------------------------------- reorders
def _suggest_reorders(conn: Connection, skus: set[str], now: datetime) -> None:
    if not skus:
        return
    stock = t.stock
    available = stock.c.on_hand - stock.c.allocated
    low = conn.execute(
        select(stock.c.sku, available.label("available"), stock.c.reorder_point,
               stock.c.reorder_quantity)
        .where(stock.c.sku.in_(sorted(skus)), stock.c.reorder_point.is_not(None),
               available < stock.c.reorder_point)).all()
    recovered = sorted(skus - {row.sku for row in low})
    if recovered:  # back at or above the point (e.g. a released hold gave stock back)
        conn.execute(delete(t.reorder_suggestions).where(t.reorder_suggestions.c.sku.in_(recovered)))
    if low:
        conn.execute(upsert(conn, t.reorder_suggestions), [
            {"sku": row.sku, "available": row.available, "reorder_point": row.reorder_point,
             # Enough to get back to the reorder point, at least the usual order quantity.
             "quantity": max(row.reorder_quantity or _ZERO, row.reorder_point - row.available),
             "updated_at": now} for row in low])


@dataclass(frozen=True, slots=True)
class StockLine:
    sku: str
    description: str | None
    on_hand: Decimal
    allocated: Decimal
    available: Decimal
    reorder_point: Decimal | None
    suggested: Decimal | None  # the open reorder suggestion, if any


def stock_report(conn: Connection, *, only_reorders: bool = False) -> list[StockLine]:
    """Stock per SKU with what is allocated and what to reorder now (``ordergate stock``):
    computed from the stock rows as they are, so a restock or a new reorder point counts at
    once (``reorder_suggestions`` keeps what allocation suggested, for history)."""
    stock, products = t.stock, t.products
    available = stock.c.on_hand - stock.c.allocated
    query = (select(stock.c.sku, products.c.description, stock.c.on_hand, stock.c.allocated,
                    stock.c.reorder_point, stock.c.reorder_quantity)
             .join(products, products.c.sku == stock.c.sku).order_by(stock.c.sku))
    if only_reorders:
        query = query.where(stock.c.reorder_point.is_not(None), available < stock.c.reorder_point)

    lines = []
    tidy = tidy_quantity  # 240.0000 from the database is 240
    for row in conn.execute(query):
        left = row.on_hand - row.allocated
        low = row.reorder_point is not None and left < row.reorder_point
        suggested = max(row.reorder_quantity or _ZERO, row.reorder_point - left) if low else None
        lines.append(StockLine(row.sku, row.description, tidy(row.on_hand), tidy(row.allocated),
                               tidy(left), tidy(row.reorder_point), tidy(suggested)))
    return lines
