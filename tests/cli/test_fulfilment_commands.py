"""The fulfilment commands' contract: options, JSON keys and exit codes, as scripts use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import SAMPLES


@pytest.fixture
def orders(cli, tmp_path):
    """The sample master data and orders: ACME's 850 (order 1, three lines, one package of
    stock each) and INITECH's CSV (backordered lines)."""
    assert cli("seed", str(SAMPLES / "masterdata")).code == 0
    assert cli("ingest", str(SAMPLES / "x12" / "acme_4500012345.edi")).code == 0
    assert cli("ingest", str(SAMPLES / "csv" / "initech_0047110815.csv"),
               "--customer", "INITECH").code == 0
    listed = json.loads(cli("orders", "list", "--json").out)["orders"]
    return {o["po_number"]: o["order_id"] for o in listed}


def as_json(ran) -> dict:
    assert ran.err == "", ran.err
    return json.loads(ran.out)


def test_pick_lists_every_open_line_by_location_and_writes_both_files(cli, orders, tmp_path):
    ran = cli("pick", "--json")
    assert ran.code == 0
    [pick] = as_json(ran)["pick_lists"]
    assert set(pick) == {"pick_list_id", "pdf", "csv", "orders", "lines"}
    assert pick["pick_list_id"] == "PL-000001"
    assert Path(pick["pdf"]) == tmp_path / "home" / "picking" / "PL-000001.pdf"
    assert Path(pick["pdf"]).read_bytes().startswith(b"%PDF") and Path(pick["csv"]).is_file()
    assert pick["orders"] == sorted(orders.values())
    keys = [(line["location"], line["sku"]) for line in pick["lines"]]
    assert keys == sorted(keys) and set(pick["lines"][0]) == {
        "order_id", "line_number", "sku", "quantity", "location"}
    assert as_json(cli("pick", "--json")) == {"pick_lists": []}  # nothing left: exit 0
    assert cli("pick", "--order", "999").code == 2


def test_ship_records_a_shipment_and_says_where_its_856_goes(cli, orders, tmp_path):
    order_id = orders["4500012345"]
    ran = cli("ship", str(order_id), "--line", "1=4", "--carrier", "UPSN", "--tracking", "1Z9",
              "--ship-date", "2026-12-07", "--package", "106141411234567897", "--json")
    assert ran.code == 0, ran.err
    data = as_json(ran)
    assert {"shipment_id", "order_id", "po_number", "carrier", "tracking", "ship_date", "lines",
            "outbound"} <= set(data)
    assert (data["order_id"], data["po_number"], data["tracking"], data["ship_date"]) == (
        order_id, "4500012345", "1Z9", "2026-12-07")
    assert data["lines"] == [{"line_number": 1, "sku": "HW-1001", "quantity": "4"}]
    [out] = data["outbound"]
    assert out["kind"] == "856" and out["path"].startswith(str(tmp_path / "home" / "outbox" / "ACME"))
    assert cli("outbox", "deliver").code == 0
    assert Path(out["path"]).read_text().startswith("ISA*")
    shown = as_json(cli("orders", "show", str(order_id), "--json"))
    assert shown["summary"]["status"] == "partially_shipped"
    assert [(s["tracking_number"], s["lines"][0]["quantity"]) for s in shown["shipments"]] == [
        ("1Z9", "4")]
    first = shown["lines"][0]
    assert (first["ordered"], first["allocated"], first["picked"], first["shipped"],
            first["backordered"]) == ("10", "10", "4", "4", "0")


@pytest.mark.parametrize("argv, message", [
    (["--line", "1=11"], "11 is more than the 10 allocated and not yet shipped"),
    (["--line", "9=1"], "has no line 9"),
    (["--package", "106141411234567890"], "check digit"),
])
def test_ship_refuses_with_exit_2_and_records_nothing(cli, orders, argv, message):
    order_id = orders["4500012345"]
    ran = cli("ship", str(order_id), "--carrier", "UPSN", "--tracking", "1Z9", *argv)
    assert ran.code == 2 and message in ran.err and "nothing was recorded" in ran.err
    assert as_json(cli("orders", "show", str(order_id), "--json"))["shipments"] == []


def test_ship_refuses_a_malformed_line_option_as_usage(cli, orders, capsys):
    with pytest.raises(SystemExit) as exited:  # argparse's own usage error
        cli("ship", "1", "--line", "one=2", "--carrier", "UPSN", "--tracking", "1Z9")
    assert exited.value.code == 2
    assert "'one=2' is not LINE=QUANTITY" in capsys.readouterr().err


def test_shipments_import_reports_each_shipment_and_exits_1_for_a_refused_one(cli, orders, tmp_path):
    order_id = orders["4500012345"]
    file = tmp_path / "wh.csv"
    file.write_text("order_id,line_number,quantity,carrier,tracking_number,ship_date,package_id\n"
                    f"{order_id},1,2,UPSN,A1,2026-12-07,\n"
                    f"{order_id},2,1,UPSN,A1,2026-12-07,\n"
                    f"{order_id},1,1,UPSN,A2,2026-12-07,123\n")
    ran = cli("shipments", "import", str(file), "--json")
    assert ran.code == 1
    data = as_json(ran)
    assert [(s["tracking"], s["status"]) for s in data["shipments"]] == [("A1", "shipped"),
                                                                         ("A2", "refused")]
    assert "wh.csv line 4, field package_id: an SSCC has 18 digits" in data["shipments"][1]["error"]
    assert data["counts"] == {"shipped": 1, "refused": 1}
    again = as_json(cli("shipments", "import", str(file), "--json"))
    assert [s["status"] for s in again["shipments"]] == ["duplicate", "refused"]


def test_stock_receive_fills_backorders_and_refuses_the_same_reference(cli, orders):
    ran = cli("stock", "receive", "--sku", "SF-4001", "--quantity", "100", "--reference", "DN-7",
              "--json")
    assert ran.code == 0, ran.err
    data = as_json(ran)
    assert data["received"] == [{"sku": "SF-4001", "quantity": "100", "reference": "DN-7"}]
    [filled] = data["filled"]
    assert (filled["order_id"], filled["line_number"], filled["quantity"]) == (
        orders["0047110815"], 1, "100")
    again = cli("stock", "receive", "--sku", "SF-4001", "--quantity", "100", "--reference", "DN-7")
    assert again.code == 2 and "DN-7 was booked before" in again.err
    assert cli("stock", "--json").code == 0  # the listing is still ``ordergate stock``


def test_a_receipts_file_names_the_line_of_what_it_cannot_book(cli, orders, tmp_path):
    file = tmp_path / "dock.csv"
    file.write_text("sku,quantity,reference\nSF-4001,5,DN-8\nSF-4005,2,DN-8\n")
    twice = cli("stock", "receive", str(file))
    assert (twice.code, twice.err) == (2, "ordergate: dock.csv line 3, field reference: 'DN-8' is "
                                          "also the reference of line 2; nothing was booked\n")
    file.write_text("sku,quantity,reference\nSF-4001,5,DN-9\nNO-SUCH,2,DN-10\n")
    unknown = cli("stock", "receive", str(file))
    assert (unknown.code, unknown.err) == (2, "ordergate: dock.csv line 3: receipt DN-10: there is "
                                              "no product NO-SUCH\n")
    half = cli("stock", "receive", "--sku", "SF-4001", "--quantity", "2.5", "--reference", "DN-11")
    assert half.code == 2 and "2.5 EA of SF-4001 is not a whole number of EA" in half.err, half.err
    tiny = cli("stock", "receive", "--sku", "SF-4001", "--quantity", "1e-30", "--reference", "DN-11")
    assert tiny.code == 2 and "is not a quantity above 0 with at most four decimals" in tiny.err
    assert cli("stock", "receive", "--sku", "SF-4001", "--quantity", "1",
               "--reference", "DN-11").code == 0  # the refused one used up nothing


def test_orders_cancel_answers_the_customer_and_refuses_a_second_time(cli, orders):
    order_id = orders["4500012345"]
    ran = cli("orders", "cancel", str(order_id), "--reason", "withdrawn", "--by", "ops:ann",
              "--json")
    assert ran.code == 0, ran.err
    data = as_json(ran)
    assert (data["order_id"], data["status"]) == (order_id, "cancelled")
    assert [o["kind"] for o in data["outbound"]] == ["855"]
    shown = as_json(cli("orders", "show", str(order_id), "--json"))
    assert shown["events"][-1]["actor"] == "ops:ann"
    assert cli("orders", "cancel", str(order_id), "--reason", "again").code == 2
    assert cli("orders", "list", "--status", "cancelled", "--json").code == 0


def test_shipments_list_shows_each_shipment_with_its_units(cli, orders):
    order_id = orders["4500012345"]
    assert cli("ship", str(order_id), "--line", "1=4", "--carrier", "UPSN", "--tracking", "A1").code == 0
    assert cli("ship", str(order_id), "--carrier", "UPSN", "--tracking", "A2").code == 0
    listed = as_json(cli("shipments", "list", "--order", str(order_id), "--json"))["shipments"]
    assert [(s["tracking_number"], s["lines"], s["quantity"]) for s in listed] == [
        ("A2", 3, "12"), ("A1", 1, "4")]
    assert as_json(cli("shipments", "list", "--order", "999", "--json")) == {"shipments": []}
