"""What a stored order keeps for a release: ``orders.detail`` leaves the PO's lines out only
for an accepted order whose ``order_lines`` say exactly what the PO said
(``prepared.DETAIL_WITHOUT_LINES``); a release always checks the lines as the PO had them."""

from __future__ import annotations

import json
from decimal import Decimal

from ordergate.orders.checks import Overrides
from ordergate.processing import holds
from ordergate.store import tables as t
from tests.kit.stock import (
    NOW,
    line,
    lines_of,
    set_acme_profile,
    set_credit_limit,
    stored_order,
)
from tests.kit.x12 import Item, interchange, order_file, po_850, sku, unknown


def _add_the_xref(db) -> None:
    with db.begin() as conn:
        conn.execute(t.item_xref.insert().values(customer_id="ACME", buyer_part="ACME-99999",
                                                 sku="JS-2004"))


def _detail(db, order_id: int) -> dict:
    return json.loads(stored_order(db, order_id).detail)


def test_an_accepted_order_keeps_its_lines_once_and_a_later_credit_hold_releases_them_whole(
        db, ingest, settings):
    set_credit_limit(db, "ACME", "400")
    document = ingest(interchange(po_850("C-1", line("HW-1001", 10)),
                                  po_850("C-2", line("HW-1001", 20), line("JS-2003", "2.5")))).documents[0]
    first, held = document.orders
    assert (first.status, held.status) == ("accepted", "held")  # C-2 passed the checks: held for credit
    assert "lines" not in _detail(db, first.order_id)
    assert "lines" not in _detail(db, held.order_id)

    set_credit_limit(db, "ACME", None)
    assert holds.release(db, settings, held.order_id, actor="ops", now=NOW).status == "accepted"
    assert [(row.sku, row.quantity, row.uom) for row in lines_of(db, held.order_id)] == [
        ("HW-1001", Decimal("20"), "CS"), ("JS-2003", Decimal("2.5"), "EA")]


def test_a_held_order_keeps_the_po_lines_and_a_release_converts_its_unit_once(db, ingest, settings, tmp_path):
    set_acme_profile(db, tmp_path, "uom_factors: {BX: 4}")
    [order] = ingest(order_file("R-2", sku("JS-2003", "3", uom="BX"), unknown(qty="12"))).documents[0].orders
    assert order.status == "held"
    assert [(ln["quantity"], ln["uom"]) for ln in _detail(db, order.order_id)["lines"]] == [("3", "BX"), ("12", "EA")]
    assert [(row.quantity, row.uom) for row in lines_of(db, order.order_id)][0] == (Decimal("12"), "EA")

    # Released twice: each time from the PO's 3 BX, never from the 12 EA already stored.
    assert holds.release(db, settings, order.order_id, actor="ops", now=NOW).status == "held"
    _add_the_xref(db)
    released = holds.release(db, settings, order.order_id, actor="ops", now=NOW,
                             overrides=Overrides(accept_po_price=True))
    assert released.status == "accepted"
    assert [(row.quantity, row.uom) for row in lines_of(db, order.order_id)][0] == (Decimal("12"), "EA")


def test_a_release_that_stays_held_leaves_lines_and_detail_as_they_were(db, ingest, settings, tmp_path):
    # Found in review: the detail was rewritten (lines as sent) while the rows kept the
    # converted 12 EA, and a later release sold them at the PO's price per box.
    set_acme_profile(db, tmp_path, "uom_factors: {BX: 4}")
    [order] = ingest(order_file("R-3", sku("JS-2003", "3", uom="BX", price="14.90"),
                                unknown(qty="12"))).documents[0].orders
    with db.begin() as conn:
        conn.execute(t.partner_profiles.delete())  # the factor goes away for a while
    assert holds.release(db, settings, order.order_id, actor="ops", now=NOW).status == "held"
    assert [(ln["quantity"], ln["uom"]) for ln in _detail(db, order.order_id)["lines"]][0] == ("3", "BX")
    set_acme_profile(db, tmp_path / "again", "uom_factors: {BX: 4}")
    _add_the_xref(db)
    released = holds.release(db, settings, order.order_id, actor="ops", now=NOW,
                             overrides=Overrides(accept_po_price=True))
    assert released.status == "accepted"
    [first, _] = lines_of(db, order.order_id)
    assert (first.quantity, first.uom, first.unit_price) == (Decimal("12"), "EA", Decimal("3.725"))


def test_a_quantity_the_columns_would_round_stays_held_on_release(db, ingest, settings):
    # Found in review: rebuilt from NUMERIC(18, 4) rows, 1.23456 came back as 1.2346 and passed.
    [order] = ingest(order_file("R-4", Item(ids=(("VP", "JS-2003"),), qty="1.23456", uom="EA",
                                            price="14.90"))).documents[0].orders
    assert order.status == "held"
    assert _detail(db, order.order_id)["lines"][0]["quantity"] == "1.23456"
    still = holds.release(db, settings, order.order_id, actor="ops", now=NOW)
    assert still.status == "held" and "1.23456" in still.reasons[0]
