"""The checks every channel's orders pass through before they are stored, from master data alone.

Item resolution: vendor part (our SKU), then GTIN, then the customer's cross-reference; an
unknown or inactive item holds the order with a reason naming the line and the ids tried. Then
per line: the unit (converted where the partner profile gives a factor), the price (the PO's
price within tolerance of ours, else a hold naming both; no PO price takes ours); per order:
a complete ship-to address or a known ship-to code. Mapping warnings (e.g. a CTT hash total
that does not add up) and change/cancel requests are holds too: a person decides.

Stock and credit need the database's current state and are decided when the order is stored
(``orders/allocation.py``), with conditional updates, so two workers never oversell.
``Overrides`` carry what ops accepted when releasing a hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ordergate.masterdata.catalog import Catalog, Product
from ordergate.orders.model import (
    CheckedOrder,
    LineOutcome,
    LineStatus,
    OrderLine,
    OrderStatus,
    Purpose,
    SalesOrder,
    accepted_total,
)
from ordergate.orders.numbers import fits_stored_scale, tidy_money

_HUNDRED = Decimal(100)
# Codes that mean "one piece" in X12 (EA), UN/ECE Rec. 20 (C62, H87) and EANCOM (PCE).
_UNIT_SYNONYMS = {"PCE": "EA", "C62": "EA", "H87": "EA", "PC": "EA", "EACH": "EA"}


@dataclass(frozen=True, slots=True)
class Overrides:
    """What a person accepted when releasing a hold; the checks skip exactly these."""

    accept_po_price: bool = False
    credit: bool = False
    ship_to: bool = False
    # The mapping's doubts (a PDF field read with low confidence, a CTT total that does not add
    # up, a change or cancel request) were looked at by a person and the order stands as read.
    reviewed: bool = False
    # A person confirmed with the customer that an order from an unauthenticated channel is theirs.
    sender_verified: bool = False


NO_OVERRIDES = Overrides()


def resolve_item(catalog: Catalog, customer_id: str | None, line: OrderLine) -> tuple[str | None, list[str]]:
    """Return (sku or None, the ids tried in order) for one line."""
    tried: list[str] = []
    products = catalog.products
    if line.vendor_part:
        tried.append(f"vendor part {line.vendor_part!r}")
        if line.vendor_part in products:
            return line.vendor_part, tried
    if line.gtin:
        tried.append(f"GTIN {line.gtin}")
        sku = catalog.by_gtin.get(line.gtin)
        if sku:
            return sku, tried
    if line.buyer_part:
        tried.append(f"buyer part {line.buyer_part!r}")
        sku = catalog.xref.get((customer_id, line.buyer_part)) if customer_id else None
        if sku:
            return sku, tried
    return None, tried


def check_order(order: SalesOrder, catalog: Catalog, *,
                overrides: Overrides = NO_OVERRIDES) -> CheckedOrder:
    profile = catalog.profile(order.customer_id)
    if order.currency is None and order.customer_id in catalog.customers:
        # A PO that names no currency is in the customer's (customers.csv currency).
        order.currency = catalog.customers[order.customer_id].currency
    tolerance_percent = catalog.price_tolerance_percent
    if profile is not None and profile.price_tolerance_percent is not None:
        tolerance_percent = profile.price_tolerance_percent
    factors = profile.uom_factors if profile is not None else {}
    hold_reasons: list[str] = [] if overrides.reviewed else list(order.warnings)
    if order.sender_unverified and not overrides.sender_verified:
        hold_reasons.insert(0, f"sender not authenticated: {order.sender_unverified}")
    outcomes: list[LineOutcome] = []
    if order.purpose not in (Purpose.ORIGINAL, Purpose.CONFIRMATION) and not overrides.reviewed:
        hold_reasons.append(
            f"PO {order.po_number} is a {order.purpose.value} request: changes and cancellations "
            "are not applied automatically")
    tolerance = Decimal(str(tolerance_percent))
    customer_id = order.customer_id
    agreed = catalog.prices
    products = catalog.products
    for line in order.lines:
        if (not line.quantity.is_finite() or line.quantity <= 0
                or not fits_stored_scale(line.quantity)):
            # A negative line would lower the order's value and the customer's exposure; more
            # than four decimals would be rounded away by the database.
            reason = (f"line {line.line_number}: quantity {line.quantity} is not a positive "
                      f"number with at most 4 decimals")
            hold_reasons.append(reason)
            outcomes.append(LineOutcome(line_number=line.line_number, status=LineStatus.REJECTED,
                                        reason=reason, unit_price=line.unit_price))
            continue
        if line.vendor_part and line.vendor_part in products:  # the usual line: our SKU
            sku, tried = line.vendor_part, []
        else:
            sku, tried = resolve_item(catalog, customer_id, line)
        product = products.get(sku) if sku else None
        if product is None or not product.active:
            what = " or ".join(tried) if tried else "no product id on the line"
            reason = (f"line {line.line_number}: item {sku!r} is inactive" if sku else
                      f"line {line.line_number}: unknown item (tried {what})")
            hold_reasons.append(reason)
            outcomes.append(LineOutcome(line_number=line.line_number, sku=sku,
                                        status=LineStatus.UNKNOWN_ITEM, reason=reason,
                                        unit_price=line.unit_price))
            continue
        ours = agreed.get((customer_id, product.sku)) if customer_id else None
        if ours is None:
            ours = product.list_price
        theirs_unit = line.uom
        if (line.unit_price is not None and (ours is None or line.unit_price == ours)
                and (not theirs_unit or theirs_unit == product.uom or not product.uom)):
            # The common case (their unit, their price is ours or we have none): nothing to
            # convert or compare, so none of the work below.
            outcomes.append(LineOutcome(line.line_number, product.sku, LineStatus.ACCEPTED, None,
                                        line.unit_price, line.quantity, line.uom))
            continue
        outcome = _unit(line, product, factors, hold_reasons)
        _price(outcome, line, ours, tolerance, overrides.accept_po_price, hold_reasons)
        outcomes.append(outcome)
    if not overrides.ship_to:
        problem = ship_to_problem(order, profile.ship_to_codes if profile else ())
        if problem:
            hold_reasons.append(problem)
    status = OrderStatus.HELD if hold_reasons else OrderStatus.ACCEPTED
    return CheckedOrder(order=order, status=status, hold_reasons=hold_reasons, lines=outcomes,
                        total=accepted_total(order, outcomes))


def _unit(line: OrderLine, product: Product, factors: dict[str, Decimal],
          hold_reasons: list[str]) -> LineOutcome:
    """The line in our unit: the same unit (or none given) as is; another unit through the
    profile's factor (their CS of 12 becomes 12 of our EA, the price divided by 12)."""
    outcome = LineOutcome(line_number=line.line_number, sku=product.sku, unit_price=line.unit_price,
                          quantity=line.quantity, uom=line.uom)
    theirs = (line.uom or "").upper()
    ours = (product.uom or "").upper()
    theirs, ours = _UNIT_SYNONYMS.get(theirs, theirs), _UNIT_SYNONYMS.get(ours, ours)
    if not theirs or not ours or theirs == ours:
        return outcome
    factor = factors.get(theirs)
    if factor is None:
        reason = (f"line {line.line_number}: unit {theirs} is not {product.sku}'s unit {ours} and "
                  f"the partner profile gives no factor for {theirs}")
        hold_reasons.append(reason)
        outcome.status, outcome.reason = LineStatus.UNKNOWN_ITEM, reason
        return outcome
    outcome.quantity = line.quantity * factor
    outcome.uom = ours
    outcome.status = LineStatus.CHANGED  # the answer is in our unit: tell the buyer it changed
    if line.unit_price is not None:
        outcome.unit_price = line.unit_price / factor
    outcome.reason = f"{line.quantity} {theirs} converted to {outcome.quantity} {ours}"
    return outcome


def _price(outcome: LineOutcome, line: OrderLine, ours: Decimal | None, tolerance: Decimal,
           accept_po_price: bool, hold_reasons: list[str]) -> None:
    if outcome.status not in (LineStatus.ACCEPTED, LineStatus.CHANGED):  # unknown item or unit
        return
    theirs = outcome.unit_price  # per our unit
    if theirs is None:
        if ours is not None:  # no PO price: ours applies, and the acknowledgement says so
            outcome.unit_price = ours
            outcome.status = LineStatus.CHANGED
            outcome.reason = _join(outcome.reason, f"no price on the PO: our price {tidy_money(ours)}")
        return
    if ours is None or accept_po_price or ours == theirs:
        return
    difference = theirs - ours
    percent = abs(difference) / ours * _HUNDRED if ours else _HUNDRED
    if percent <= tolerance:
        return
    reason = (f"line {line.line_number}: PO price {tidy_money(theirs)} differs from our price "
              f"{tidy_money(ours)} by {tidy_money(difference):+} ({percent:.1f} %, tolerance "
              f"{tolerance} %)")
    hold_reasons.append(reason)
    outcome.reason = _join(outcome.reason, reason)


def ship_to_problem(order: SalesOrder, known_codes: tuple[str, ...]) -> str | None:
    """None when the order says where it goes: a complete address, or a code we know."""
    ship_to = order.ship_to
    if ship_to is not None and ship_to.code and ship_to.code in known_codes:
        return None
    if ship_to is None:
        return "no ship-to address on the order"
    missing = [name for name, value in (("name", ship_to.name), ("street", ship_to.street),
                                        ("city", ship_to.city), ("postal code", ship_to.postal_code),
                                        ("country", ship_to.country)) if not value]
    if missing:
        code = f" (location code {ship_to.code} is not one we know)" if ship_to.code else ""
        return f"ship-to address incomplete: no {', '.join(missing)}{code}"
    return None


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second
