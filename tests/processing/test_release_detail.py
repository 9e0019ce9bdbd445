"""What a held order keeps for its release: ``orders.detail`` holds the PO's lines only when
``order_lines`` cannot say what the PO said (``prepared.DETAIL_WITHOUT_LINES``), and a release
checks the lines as the PO had them either way."""

from __future__ import annotations

import json
from decimal import Decimal

from ordergate.orders import tables as t
from ordergate.orders.checks import Overrides
from ordergate.processing import holds

from .test_stock_and_credit import NOW, lines_of, set_acme_profile, stored_order
from .x12kit import order_file, sku, unknown


def _release_after_adding_the_xref(db, settings, order_id: int):
    with db.begin() as conn:
        conn.execute(t.item_xref.insert().values(customer_id="ACME", buyer_part="ACME-99999",
                                                 sku="JS-2004"))
    return holds.release(db, settings, order_id, actor="ops", now=NOW,
                         overrides=Overrides(accept_po_price=True))


def test_lines_as_the_po_sent_them_are_kept_once_and_checked_again_on_release(db, ingest, settings):
    [order] = ingest(order_file("R-1", sku("JS-2003", "3", uom="EA"), unknown(qty="12"))).documents[0].orders
    assert order.status == "held"
    assert "lines" not in json.loads(stored_order(db, order.order_id).detail)

    assert holds.release(db, settings, order.order_id, actor="ops", now=NOW).status == "held"
    released = _release_after_adding_the_xref(db, settings, order.order_id)
    assert released.status == "accepted"
    assert [(line.sku, line.quantity, line.uom) for line in lines_of(db, order.order_id)] == [
        ("JS-2003", Decimal("3"), "EA"), ("JS-2004", Decimal("12"), "EA")]


def test_a_converted_unit_keeps_the_po_lines_in_the_detail_and_converts_once(db, ingest, settings, tmp_path):
    set_acme_profile(db, tmp_path, "uom_factors: {BX: 4}")
    [order] = ingest(order_file("R-2", sku("JS-2003", "3", uom="BX"), unknown(qty="12"))).documents[0].orders
    assert order.status == "held"
    detail = json.loads(stored_order(db, order.order_id).detail)
    assert [(line["quantity"], line["uom"]) for line in detail["lines"]] == [("3", "BX"), ("12", "EA")]
    assert [(line.quantity, line.uom) for line in lines_of(db, order.order_id)][0] == (Decimal("12"), "EA")

    # Released twice: each time from the PO's 3 BX, never from the 12 EA already stored.
    assert holds.release(db, settings, order.order_id, actor="ops", now=NOW).status == "held"
    assert _release_after_adding_the_xref(db, settings, order.order_id).status == "accepted"
    assert [(line.quantity, line.uom) for line in lines_of(db, order.order_id)][0] == (Decimal("12"), "EA")


def test_a_unit_converted_only_on_release_puts_the_po_lines_into_the_detail(db, ingest, settings, tmp_path):
    # Stored as sent (no factor for BX yet: held), so the detail leaves the lines out.
    [order] = ingest(order_file("R-3", sku("JS-2003", "3", uom="BX"), unknown(qty="12"))).documents[0].orders
    assert "lines" not in json.loads(stored_order(db, order.order_id).detail)
    set_acme_profile(db, tmp_path, "uom_factors: {BX: 4}")
    assert holds.release(db, settings, order.order_id, actor="ops", now=NOW).status == "held"
    # The rows now hold 12 EA: the detail must say the PO had 3 BX.
    detail = json.loads(stored_order(db, order.order_id).detail)
    assert (Decimal(detail["lines"][0]["quantity"]), detail["lines"][0]["uom"]) == (3, "BX")
    assert _release_after_adding_the_xref(db, settings, order.order_id).status == "accepted"
    assert [(line.quantity, line.uom) for line in lines_of(db, order.order_id)][0] == (Decimal("12"), "EA")
