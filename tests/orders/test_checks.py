from decimal import Decimal

from ordergate.orders.catalog import Catalog, Customer, Product
from ordergate.orders.checks import check_order, resolve_item
from ordergate.orders.model import LineStatus, OrderLine, OrderStatus, Purpose, SalesOrder


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


def order(*lines: OrderLine, purpose=Purpose.ORIGINAL, warnings=()) -> SalesOrder:
    return SalesOrder(source_key="1/1/1", channel="test", format="x12-850", partner_id="x12:ZZ:ACMEBUY",
                      customer_id="ACME", po_number="PO1", purpose=purpose, lines=list(lines),
                      warnings=list(warnings))


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
    checked = check_order(order(line(1, vendor_part="HW-1", unit_price=Decimal("17")),
                                line(2, buyer_part="B-2")), catalog())
    assert checked.status is OrderStatus.ACCEPTED and checked.hold_reasons == []
    assert [o.sku for o in checked.lines] == ["HW-1", "HW-2"]
    assert checked.lines[0].unit_price == Decimal("17")  # the PO's price stands
    assert checked.lines[1].unit_price == Decimal("4.50")  # customer price when the PO has none
    assert checked.total == Decimal("43.00")


def test_unknown_item_holds_naming_line_and_ids_tried():
    checked = check_order(order(line(1, vendor_part="HW-1"),
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
