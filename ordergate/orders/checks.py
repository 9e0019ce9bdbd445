"""The checks every channel's orders pass through before they are stored and acknowledged.

Item resolution: vendor part (our SKU), then GTIN, then the customer's cross-reference; an
unknown or inactive item holds the order with a reason naming the line and the ids tried.
Mapping warnings (e.g. a CTT hash total that does not add up) and change/cancel requests are
holds too: a person decides. Price, stock and credit checks build on the same result type.
"""

from __future__ import annotations

from ordergate.orders.catalog import Catalog
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


def check_order(order: SalesOrder, catalog: Catalog) -> CheckedOrder:
    hold_reasons: list[str] = list(order.warnings)
    outcomes: list[LineOutcome] = []
    if order.purpose not in (Purpose.ORIGINAL, Purpose.CONFIRMATION):
        hold_reasons.append(
            f"PO {order.po_number} is a {order.purpose.value} request: changes and cancellations "
            "are not applied automatically")
    for line in order.lines:
        sku, tried = resolve_item(catalog, order.customer_id, line)
        product = catalog.products.get(sku) if sku else None
        if product is None or not product.active:
            what = " or ".join(tried) if tried else "no product id on the line"
            reason = (f"line {line.line_number}: item {sku!r} is inactive" if sku else
                      f"line {line.line_number}: unknown item (tried {what})")
            hold_reasons.append(reason)
            outcomes.append(LineOutcome(line_number=line.line_number, sku=sku,
                                        status=LineStatus.UNKNOWN_ITEM, reason=reason,
                                        unit_price=line.unit_price))
            continue
        price = line.unit_price if line.unit_price is not None else catalog.price_for(order.customer_id, sku)
        outcomes.append(LineOutcome(line_number=line.line_number, sku=sku, unit_price=price))
    status = OrderStatus.HELD if hold_reasons else OrderStatus.ACCEPTED
    return CheckedOrder(order=order, status=status, hold_reasons=hold_reasons, lines=outcomes,
                        total=accepted_total(order, outcomes))
