"""Recording shipments: what left the warehouse, for which order lines, with carrier and tracking.

A batch of shipment requests is recorded in the caller's transaction. The orders concerned are
locked first (``FOR UPDATE`` on PostgreSQL, in id order; SQLite's write lock is already held),
so two workers recording shipments of one order take turns, and every check below reads the
state the writes will change. An order + tracking number is one shipment: recording it again
(the same warehouse file imported twice) finds it and ships nothing. A request that cannot be
shipped as asked (more than allocated and unshipped, an unknown line, an order that is not
open) is refused with a sentence and writes nothing; the other requests of the batch go on.

Shipping lowers on hand and allocated by what shipped (the allocation was made for it), raises
the line's shipped (and picked) quantity, and moves the order to partially shipped or shipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, bindparam, func, select, tuple_, update

from ordergate.errors import InternalError
from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.fulfilment.sscc import sscc_problem
from ordergate.orders.events import change_statuses
from ordergate.orders.detail import order_heads
from ordergate.orders.numbers import tidy_quantity
from ordergate.orders.prepared import SHIPPING_LINES
from ordergate.printable import control_problem
from ordergate.statuses import OPEN_FOR_FULFILMENT, OrderStatus
from ordergate.store import tables as t
from ordergate.store.bulk import bulk_insert
from ordergate.store.driver import Decimals, select_rows, update_many

_ZERO = Decimal(0)
_ONE_DAY = timedelta(days=1)
# Units that count things (each, piece, case, box, pack, carton, pallet, unit): a warehouse
# ships whole ones, and 2.5 cases is a typo. Weights, lengths and volumes may be fractional.
COUNTED_UNITS = frozenset({"EA", "EACH", "PC", "PCE", "C62", "H87", "CS", "CA", "BX", "PK",
                           "CT", "PL", "UN"})
SHIPPED, DUPLICATE, REFUSED = "shipped", "duplicate", "refused"


@dataclass(frozen=True, slots=True)
class ShipLine:
    line_number: int
    quantity: Decimal
    package_id: str | None = None  # SSCC-18


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    order_id: int
    carrier: str
    tracking_number: str
    ship_date: date
    source: str  # "ordergate ship", or the file and rows it came from
    # None: everything allocated and not yet shipped (in ``package_id`` when given)
    lines: tuple[ShipLine, ...] | None = None
    package_id: str | None = None


@dataclass(slots=True)
class ShipmentResult:
    request: ShipmentRequest
    status: str  # shipped | duplicate | refused
    shipment_id: int | None = None
    reason: str | None = None  # why it was refused
    notice: ShipmentNotice | None = None  # what to tell the customer (shipped only)
    order_status: str | None = None  # the order's status afterwards
    # the order as stored, for whoever announces the shipment (format, channel, detail)
    order: object | None = None


@dataclass(slots=True)
class _Line:
    """An order line as the checks and the notice read it: plain attributes, since a database
    row's attribute lookup (about 0.4 µs) read a dozen times per line was most of a notice."""

    sku: str | None
    status: str
    ordered: Decimal
    uom: str | None
    buyer_line_id: str | None
    buyer_part: str | None
    vendor_part: str | None
    gtin: str | None
    description: str | None
    allocated: Decimal
    shipped: Decimal
    picked: Decimal


_LINE_COLUMNS = (t.order_lines.c.order_id, t.order_lines.c.line_number, t.order_lines.c.sku,
                 t.order_lines.c.status, t.order_lines.c.quantity, t.order_lines.c.uom,
                 t.order_lines.c.buyer_line_id, t.order_lines.c.buyer_part,
                 t.order_lines.c.vendor_part, t.order_lines.c.gtin, t.order_lines.c.description,
                 t.order_lines.c.ship_quantity, t.order_lines.c.shipped_quantity,
                 t.order_lines.c.picked_quantity)


# Quantities are bound as the NUMERIC columns bind them: an untyped parameter would reach
# SQLite as text (the Decimal adapter), and ``round(x, 4) >= '5'`` is never true there.
_QUANTITY = bindparam("_quantity", type_=t.order_lines.c.quantity.type)
_SHIP_LINE = (update(t.order_lines)
              .where(t.order_lines.c.order_id == bindparam("_order"),
                     t.order_lines.c.line_number == bindparam("_line"),
                     func.round(t.order_lines.c.ship_quantity - t.order_lines.c.shipped_quantity, 4)
                     >= _QUANTITY)
              .values(shipped_quantity=t.order_lines.c.shipped_quantity + _QUANTITY,
                      picked_quantity=bindparam("_picked", type_=t.order_lines.c.quantity.type)))
_SHIP_STOCK = (update(t.stock)
               .where(t.stock.c.sku == bindparam("_sku"),
                      func.round(t.stock.c.on_hand, 4) >= _QUANTITY,
                      func.round(t.stock.c.allocated, 4) >= _QUANTITY)
               .values(on_hand=t.stock.c.on_hand - _QUANTITY,
                       allocated=t.stock.c.allocated - _QUANTITY))


class ShipmentConflict(InternalError):
    """A guarded UPDATE found the database other than the checks read it: never expected with
    the locks held; the transaction rolls back rather than ship twice."""


def record_shipments(conn: Connection, requests: list[ShipmentRequest], *, now: datetime,
                     actor: str) -> list[ShipmentResult]:
    """Record ``requests`` in the caller's transaction; one result per request, in order."""
    results = [ShipmentResult(request, REFUSED) for request in requests]
    order_ids = sorted({request.order_id for request in requests})
    orders = _lock_orders(conn, order_ids)
    lines = _lines(conn, order_ids)
    existing = _existing(conn, [(r.order_id, r.tracking_number) for r in requests])
    taken: dict[tuple[int, str], int | None] = dict(existing)
    # An SSCC names one package for good: one that went out before, or in another shipment of
    # this batch, is refused (a re-import of the same shipment is a duplicate before this).
    packed = _packages_shipped(conn, {package for r in requests for package in _packages(r)})
    recorded = _recorded_lines(conn, sorted(existing.values()))
    accepted: list[tuple[ShipmentResult, list[ShipLine]]] = []
    for result in results:
        request = result.request
        key = (request.order_id, request.tracking_number)
        if key in taken:  # recorded before, or earlier in this batch
            shipment_id = taken[key]
            if shipment_id is not None and request.lines is not None \
                    and _as_recorded(request.lines, request.package_id) != recorded.get(shipment_id):
                # The same shipment told differently: a correction is not a repeat, and
                # passing it over as one would leave the difference unnoticed.
                result.reason = (f"order {request.order_id} with tracking number "
                                 f"{request.tracking_number} was recorded before (shipment "
                                 f"{shipment_id}) with other lines or quantities; nothing was "
                                 f"changed (a shipment once recorded stays as it was)")
                continue
            result.status, result.shipment_id = DUPLICATE, shipment_id
            result.order_status = orders[request.order_id].status
            continue
        problem, shipped = _check(request, orders.get(request.order_id),
                                  lines.get(request.order_id, {}), now.date())
        packages = {line.package_id for line in shipped if line.package_id}
        problem = problem or _package_problem(packages, packed)
        if problem:
            result.reason = problem
            continue
        packed.update(dict.fromkeys(packages))
        taken[key] = None
        for line in shipped:  # later requests of the batch see these as shipped
            held = lines[request.order_id][line.line_number]
            held.shipped += line.quantity
        accepted.append((result, shipped))
    problem = _stock_problem(conn, accepted, lines)
    if problem:  # on hand below what ships: refuse those, keep the rest
        for result, shipped in accepted:
            skus = {lines[result.request.order_id][line.line_number].sku for line in shipped}
            if skus & set(problem):
                result.status, result.reason = REFUSED, "; ".join(problem[sku] for sku in
                                                                  sorted(skus & set(problem)))
                for line in shipped:
                    lines[result.request.order_id][line.line_number].shipped -= line.quantity
        accepted = [(result, shipped) for result, shipped in accepted if result.status != REFUSED]
    if accepted:
        _write(conn, accepted, orders, lines, now=now, actor=actor)
    return results


def _lock_orders(conn: Connection, order_ids: list[int]) -> dict[int, object]:
    query = select(t.orders).where(t.orders.c.id.in_(order_ids)).order_by(t.orders.c.id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return {row.id: row for row in conn.execute(query)} if order_ids else {}


def _lines(conn: Connection, order_ids: list[int]) -> dict[int, dict[int, _Line]]:
    found: dict[int, dict[int, _Line]] = defaultdict(dict)
    if not order_ids:
        return found
    quantity_of = Decimals(tidy_quantity)
    for (order_id, number, sku, status, quantity, uom, buyer_line_id, buyer_part, vendor_part,
         gtin, description, allocated, shipped, picked) in select_rows(
            conn, select(*_LINE_COLUMNS).where(t.order_lines.c.order_id.in_(order_ids))
            .order_by(t.order_lines.c.order_id, t.order_lines.c.line_number)):
        found[order_id][number] = _Line(
            sku, status, quantity_of(quantity), uom, buyer_line_id, buyer_part, vendor_part, gtin,
            description, quantity_of(allocated) or _ZERO, quantity_of(shipped),
            quantity_of(picked))
    return found


def _in_chunks(values: list) -> Iterator[list]:
    """``values`` in slices of 500: an IN list every backend takes."""
    for start in range(0, len(values), 500):
        yield values[start:start + 500]


def _existing(conn: Connection, keys: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    if not keys:
        return {}
    found = {}
    for chunk in _in_chunks(keys):
        for row in conn.execute(select(t.shipments.c.id, t.shipments.c.order_id,
                                       t.shipments.c.tracking_number)
                                .where(tuple_(t.shipments.c.order_id,
                                              t.shipments.c.tracking_number).in_(chunk))):
            found[(row.order_id, row.tracking_number)] = row.id
    return found


def _as_recorded(lines, package_id: str | None = None) -> tuple:
    """(line, package, quantity) of each line and package, summed, in order: what a shipment's
    lines say however its rows were split (``package_id``: the package of lines naming none)."""
    total: dict[tuple[int, str], Decimal] = defaultdict(lambda: _ZERO)
    for line in lines:
        total[(line.line_number, line.package_id or package_id or "")] += line.quantity
    return tuple(sorted((number, package, quantity.normalize())
                        for (number, package), quantity in total.items()))


def _recorded_lines(conn: Connection, shipment_ids: list[int]) -> dict[int, tuple]:
    """The lines of shipments recorded before, as ``_as_recorded`` gives them."""
    found: dict[int, list[ShipLine]] = defaultdict(list)
    decimal = Decimals()
    for chunk in _in_chunks(shipment_ids):
        for shipment_id, number, quantity, package in select_rows(conn, select(
                t.shipment_lines.c.shipment_id, t.shipment_lines.c.line_number,
                t.shipment_lines.c.quantity, t.shipment_lines.c.package_id)
                .where(t.shipment_lines.c.shipment_id.in_(chunk))):
            found[shipment_id].append(ShipLine(number, decimal(quantity), package))
    return {shipment_id: _as_recorded(lines) for shipment_id, lines in found.items()}


def _packages(request: ShipmentRequest) -> set[str]:
    return {package for package in (request.package_id,
                                    *(line.package_id for line in request.lines or ()))
            if package}


def _packages_shipped(conn: Connection, packages: set[str]) -> dict[str, int | None]:
    """Which of ``packages`` went out before, and in which shipment."""
    found: dict[str, int | None] = {}
    for chunk in _in_chunks(sorted(packages)):
        found.update(conn.execute(
            select(t.shipment_lines.c.package_id, func.min(t.shipment_lines.c.shipment_id))
            .where(t.shipment_lines.c.package_id.in_(chunk))
            .group_by(t.shipment_lines.c.package_id)).all())
    return found


def _package_problem(packages: set[str], packed: dict[str, int | None]) -> str | None:
    for package in sorted(packages & packed.keys()):
        shipment = packed[package]
        where = (f"went out before, in shipment {shipment}" if shipment is not None
                 else "is in another shipment of the same batch")
        return f"package {package} {where}: an SSCC names one package and is never used twice"
    return None


def _check(request: ShipmentRequest, order, lines: dict[int, _Line],
           today: date) -> tuple[str | None, list[ShipLine]]:
    """Why ``request`` cannot ship (None when it can), and its lines with quantities."""
    if order is None:
        return f"there is no order {request.order_id}", []
    # A day's grace for the warehouse's time zone; a later date is a typo, and would date the
    # 856 and the invoice after the day they are sent.
    if request.ship_date > today + _ONE_DAY:
        return (f"the ship date {request.ship_date.isoformat()} is in the future: record a "
                f"shipment once it has left"), []
    if order.po_date is not None and request.ship_date < order.po_date:
        return (f"the ship date {request.ship_date.isoformat()} is before the PO's date "
                f"{order.po_date.isoformat()}"), []
    problem = (control_problem("the carrier", request.carrier)
               or control_problem("the tracking number", request.tracking_number))
    if problem:
        return problem, []
    if order.status not in OPEN_FOR_FULFILMENT:
        return (f"order {order.id} (PO {order.po_number}) is {order.status}: only accepted, picking "
                f"or partially shipped orders ship"), []
    for package in {request.package_id, *(line.package_id for line in request.lines or ())}:
        problem = sscc_problem(package) if package else None
        if problem:
            return f"package {package!r}: {problem}", []
    if request.lines is None:
        wanted = [ShipLine(number, line.allocated - line.shipped, request.package_id)
                  for number, line in sorted(lines.items())
                  if line.status in SHIPPING_LINES and line.allocated > line.shipped]
        if not wanted:
            return (f"order {order.id} (PO {order.po_number}) has nothing allocated that has not "
                    f"shipped yet"), []
        return None, wanted
    asked: dict[int, Decimal] = defaultdict(lambda: _ZERO)
    shipped = []
    for line in request.lines:
        held = lines.get(line.line_number)
        if held is None:
            return f"order {order.id} (PO {order.po_number}) has no line {line.line_number}", []
        if not line.quantity > 0:
            return f"line {line.line_number}: the quantity must be more than 0", []
        if (held.uom or "").upper() in COUNTED_UNITS and line.quantity % 1:
            return (f"line {line.line_number} ({held.sku}): {line.quantity.normalize():f} "
                    f"{held.uom} is not a whole number of {held.uom}"), []
        asked[line.line_number] += line.quantity
        open_now = held.allocated - held.shipped
        if asked[line.line_number] > open_now:
            return (f"line {line.line_number} ({held.sku}): {asked[line.line_number].normalize():f} "
                    f"is more than the {open_now.normalize():f} allocated and not yet shipped"), []
        shipped.append(ShipLine(line.line_number, line.quantity, line.package_id or request.package_id))
    return None, shipped


def _stock_problem(conn: Connection, accepted, lines) -> dict[str, str]:
    """SKUs whose on hand or allocated stock is below what the accepted requests ship."""
    wanted: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    for result, shipped in accepted:
        for line in shipped:
            wanted[lines[result.request.order_id][line.line_number].sku] += line.quantity
    if not wanted:
        return {}
    query = select(t.stock.c.sku, t.stock.c.on_hand, t.stock.c.allocated).where(
        t.stock.c.sku.in_(sorted(wanted))).order_by(t.stock.c.sku)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    have = {row.sku: row for row in conn.execute(query)}
    problems = {}
    for sku, quantity in wanted.items():
        row = have.get(sku)
        on_hand = tidy_quantity(row.on_hand) if row else _ZERO
        allocated = tidy_quantity(row.allocated) if row else _ZERO
        if on_hand < quantity or allocated < quantity:
            problems[sku] = (f"{sku}: {on_hand.normalize():f} on hand ({allocated.normalize():f} "
                             f"allocated) is less than the {quantity.normalize():f} to ship; "
                             f"correct the stock first")
    return problems


def _write(conn: Connection, accepted, orders, lines, *, now: datetime, actor: str) -> None:
    bulk_insert(conn, t.shipments, [
        {"order_id": result.request.order_id, "carrier": result.request.carrier,
         "tracking_number": result.request.tracking_number, "ship_date": result.request.ship_date,
         "source": result.request.source[:1000], "actor": actor, "created_at": now}
        for result, _ in accepted])
    ids = _existing(conn, [(r.request.order_id, r.request.tracking_number) for r, _ in accepted])
    line_rows, line_updates = [], {}
    stock: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    for result, shipped in accepted:
        request = result.request
        result.shipment_id = ids[(request.order_id, request.tracking_number)]
        for line in shipped:
            held = lines[request.order_id][line.line_number]
            line_rows.append({"shipment_id": result.shipment_id, "line_number": line.line_number,
                              "sku": held.sku, "quantity": line.quantity,
                              "package_id": line.package_id})
            stock[held.sku] += line.quantity
            key = (request.order_id, line.line_number)
            before = line_updates.get(key, {"_quantity": _ZERO})["_quantity"]
            line_updates[key] = {"_order": request.order_id, "_line": line.line_number,
                                 "_quantity": before + line.quantity,
                                 "_picked": max(held.picked, held.shipped)}
    bulk_insert(conn, t.shipment_lines, line_rows)
    if update_many(conn, _SHIP_LINE, list(line_updates.values())) != len(line_updates):
        raise ShipmentConflict("an order line changed while its shipment was recorded")
    if update_many(conn, _SHIP_STOCK, [{"_sku": sku, "_quantity": quantity}
                                        for sku, quantity in sorted(stock.items())]) != len(stock):
        raise ShipmentConflict("stock changed while a shipment was recorded")
    changes, after = [], {}
    tracking: dict[int, list[str]] = defaultdict(list)  # per order, in the batch's order
    for result, _ in accepted:
        tracking[result.request.order_id].append(result.request.tracking_number)
    for order_id in sorted(tracking):
        order = orders[order_id]
        status = _status_after(lines[order_id])
        after[order_id] = status
        changes.append((order_id, order.status, status,
                        f"shipped: {', '.join(tracking[order_id])}"))
    # One actor for the batch; the shipments' own rows say where each came from.
    change_statuses(conn, changes, now=now, actor=actor)
    for result, shipped in accepted:
        order = orders[result.request.order_id]
        result.status, result.order_status, result.order = SHIPPED, after[order.id], order
        result.notice = _notice(result, order, shipped, lines[order.id], after[order.id])


def _status_after(lines: dict[int, _Line]) -> str:
    shipping = [line for line in lines.values() if line.status in SHIPPING_LINES]
    if shipping and all(line.shipped >= line.ordered for line in shipping):
        return OrderStatus.SHIPPED
    return OrderStatus.PARTIALLY_SHIPPED


def _notice(result: ShipmentResult, order, shipped: list[ShipLine], lines: dict[int, _Line],
            status: str) -> ShipmentNotice:
    request = result.request
    ship_to = order_heads(order.detail).ship_to
    notice_lines = []
    for line in shipped:
        held = lines[line.line_number]
        ordered = held.ordered
        notice_lines.append(ShippedLine(
            line_number=line.line_number, sku=held.sku, quantity=line.quantity, ordered=ordered,
            shipped_total=held.shipped, open_quantity=max(ordered - held.shipped, _ZERO),
            uom=held.uom, buyer_line_id=held.buyer_line_id, buyer_part=held.buyer_part,
            vendor_part=held.vendor_part, gtin=held.gtin, description=held.description,
            package_id=line.package_id))
    in_shipment = {line.line_number for line in shipped}
    other_open = []
    for number, held in sorted(lines.items()):
        ordered = held.ordered
        if number in in_shipment or held.status not in SHIPPING_LINES or held.shipped >= ordered:
            continue
        other_open.append(ShippedLine(
            line_number=number, sku=held.sku or "", quantity=_ZERO, ordered=ordered,
            shipped_total=held.shipped, open_quantity=ordered - held.shipped, uom=held.uom,
            buyer_line_id=held.buyer_line_id, buyer_part=held.buyer_part,
            vendor_part=held.vendor_part, gtin=held.gtin, description=held.description))
    return ShipmentNotice(
        shipment_id=result.shipment_id, other_open_lines=tuple(other_open), order_id=order.id, customer_id=order.customer_id,
        po_number=order.po_number, carrier=request.carrier, tracking_number=request.tracking_number,
        ship_date=request.ship_date, lines=tuple(notice_lines), po_date=order.po_date,
        ship_to=ship_to, complete=status == OrderStatus.SHIPPED)
