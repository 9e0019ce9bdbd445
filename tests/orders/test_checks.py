from decimal import Decimal

import pytest

from ordergate.masterdata.catalog import Catalog, Customer, Product
from ordergate.masterdata.profiles import PartnerProfile
from ordergate.orders.checks import Overrides, check_order, resolve_item
from ordergate.orders.model import (
    Address,
    LineStatus,
    OrderLine,
    OrderStatus,
    Purpose,
    SalesOrder,
)

WAREHOUSE = Address(name="Acme Store 17", street=["1200 Industrial Parkway"], city="Springfield",
                    postal_code="62701", country="US")


def catalog() -> Catalog:
    c = Catalog()
    c.customers["ACME"] = Customer("ACME", "Acme", None, "ZZ:ACMEBUY", None, None, "USD", True)
    c.by_x12_id["ZZ:ACMEBUY"] = c.customers["ACME"]
    for sku, gtin, price, active in (("HW-1", "00071234000012", "18.90", True),
                                     ("HW-2", None, "5.00", True), ("OLD-1", None, "1", False)):
        c.products[sku] = Product(sku, sku, gtin, "EA", Decimal(price), active)
        if gtin:
            c.by_gtin[gtin] = sku
    c.xref[("ACME", "B-2")] = "HW-2"
    c.prices[("ACME", "HW-2")] = Decimal("4.50")
    return c


def order(*lines: OrderLine, purpose=Purpose.ORIGINAL, warnings=(), ship_to=WAREHOUSE) -> SalesOrder:
    return SalesOrder(source_key="1/1/1", channel="test", format="x12-850", partner_id="x12:ZZ:ACMEBUY",
                      customer_id="ACME", po_number="PO1", purpose=purpose, lines=list(lines),
                      warnings=list(warnings), ship_to=ship_to)


def line(n, **ids) -> OrderLine:
    return OrderLine(line_number=n, quantity=Decimal("2"), uom="EA", **ids)


def test_resolution_order_vendor_part_then_gtin_then_xref():
    c = catalog()
    assert resolve_item(c, "ACME", line(1, vendor_part="HW-1", gtin="00000000000000"))[0] == "HW-1"
    assert resolve_item(c, "ACME", line(1, vendor_part="NOPE", gtin="00071234000012"))[0] == "HW-1"
    assert resolve_item(c, "ACME", line(1, vendor_part="NOPE", buyer_part="B-2"))[0] == "HW-2"
    # another customer's cross-reference does not apply
    assert resolve_item(c, "OTHER", line(1, buyer_part="B-2"))[0] is None


def test_all_known_items_accept_and_missing_price_takes_ours():
    checked = check_order(order(line(1, vendor_part="HW-1", unit_price=Decimal("18.70")),
                                line(2, buyer_part="B-2")), catalog())
    assert checked.status is OrderStatus.ACCEPTED and checked.hold_reasons == []
    assert [o.sku for o in checked.lines] == ["HW-1", "HW-2"]
    assert checked.lines[0].unit_price == Decimal("18.70")  # within 2 % of 18.90: the PO's price
    assert checked.lines[0].status is LineStatus.ACCEPTED
    assert checked.lines[1].unit_price == Decimal("4.50")  # customer price when the PO has none
    assert checked.lines[1].status is LineStatus.CHANGED and "our price 4.50" in checked.lines[1].reason
    assert checked.total == Decimal("46.40")


def test_a_price_outside_the_tolerance_holds_naming_both_prices_and_the_difference():
    checked = check_order(order(line(1, vendor_part="HW-1", unit_price=Decimal("17"))), catalog())
    assert checked.status is OrderStatus.HELD
    [reason] = checked.hold_reasons
    assert reason == ("line 1: PO price 17.00 differs from our price 18.90 by -1.90 (10.1 %, "
                      "tolerance 2.0 %)")
    released = check_order(order(line(1, vendor_part="HW-1", unit_price=Decimal("17"))), catalog(),
                           overrides=Overrides(accept_po_price=True))
    assert released.status is OrderStatus.ACCEPTED and released.lines[0].unit_price == Decimal("17")


def test_a_customer_profile_widens_the_price_tolerance():
    c = catalog()
    c.profiles["ACME"] = PartnerProfile(customer_id="ACME", price_tolerance_percent=15)
    checked = check_order(order(line(1, vendor_part="HW-1", unit_price=Decimal("17"))), c)
    assert checked.status is OrderStatus.ACCEPTED


def test_a_unit_is_converted_by_the_profile_factor_or_held_without_one():
    c = catalog()
    case = OrderLine(line_number=1, quantity=Decimal("2"), uom="CS", unit_price=Decimal("226.80"),
                     vendor_part="HW-1")
    held = check_order(order(case), c)
    assert held.status is OrderStatus.HELD
    assert "unit CS is not HW-1's unit EA" in held.hold_reasons[0]
    c.profiles["ACME"] = PartnerProfile(customer_id="ACME", uom_factors={"CS": Decimal(12)})
    checked = check_order(order(case), c)
    assert checked.status is OrderStatus.ACCEPTED
    [outcome] = checked.lines
    assert (outcome.quantity, outcome.uom, outcome.unit_price) == (Decimal(24), "EA", Decimal("18.9"))
    assert outcome.reason == "2 CS converted to 24 EA" and outcome.status is LineStatus.CHANGED
    # The converted price is still checked against ours.
    cheap = OrderLine(line_number=1, quantity=Decimal("2"), uom="CS", unit_price=Decimal("120"),
                      vendor_part="HW-1")
    assert "PO price 10.00 differs from our price 18.90" in check_order(order(cheap), c).hold_reasons[0]
    # PCE and EA are both "piece": no factor needed.
    pieces = OrderLine(line_number=1, quantity=Decimal("2"), uom="PCE", vendor_part="HW-1",
                       unit_price=Decimal("18.90"))
    assert check_order(order(pieces), catalog()).status is OrderStatus.ACCEPTED


@pytest.mark.parametrize("ship_to, codes, problem", [
    (WAREHOUSE, (), None),
    (None, (), "no ship-to address on the order"),
    (Address(name="Store 17", code="ST017"), (), "ship-to address incomplete: no street, city, "
     "postal code, country (location code ST017 is not one we know)"),
    (Address(name="Store 17", code="ST017"), ("ST017",), None),
])
def test_ship_to_needs_a_complete_address_or_a_known_code(ship_to, codes, problem):
    c = catalog()
    c.profiles["ACME"] = PartnerProfile(customer_id="ACME", ship_to_codes=codes)
    checked = check_order(order(line(1, vendor_part="HW-1", unit_price=Decimal("18.90")),
                                ship_to=ship_to), c)
    assert checked.hold_reasons == ([problem] if problem else [])


def test_unknown_item_holds_naming_line_and_ids_tried():
    checked = check_order(order(line(1, vendor_part="HW-1", unit_price=Decimal("18.90")),
                                line(2, vendor_part="X-9", gtin="00099999999999", buyer_part="Q")), catalog())
    assert checked.status is OrderStatus.HELD
    assert checked.lines[1].status is LineStatus.UNKNOWN_ITEM
    (reason,) = checked.hold_reasons
    assert "line 2" in reason and "'X-9'" in reason and "00099999999999" in reason and "'Q'" in reason


def test_inactive_item_cancel_request_and_mapping_warnings_hold():
    checked = check_order(order(line(1, vendor_part="OLD-1"), purpose=Purpose.CANCEL,
                                warnings=["CTT01 says 2 line items but the order has 1"]), catalog())
    assert checked.status is OrderStatus.HELD
    text = " | ".join(checked.hold_reasons)
    assert "inactive" in text and "cancel" in text and "CTT01" in text


@pytest.mark.parametrize("quantity, held", [("2.50000", False), ("2.5", False), ("2.50001", True),
                                            ("0.00001", True), ("0", True), ("-1", True)])
def test_a_quantity_is_held_only_when_four_decimals_would_change_it(quantity, held):
    checked = check_order(order(OrderLine(line_number=1, quantity=Decimal(quantity), uom="EA",
                                          vendor_part="HW-1", unit_price=Decimal("18.90"))), catalog())
    assert (checked.status is OrderStatus.HELD) is held
    if held:
        assert checked.hold_reasons == [f"line 1: quantity {quantity} is not a positive number "
                                        f"with at most 4 decimals"]
        assert checked.lines[0].status is LineStatus.REJECTED
