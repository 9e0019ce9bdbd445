"""The billing commands' contract: invoices made as shipments are recorded, their JSON, the
payments file, and the aging."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from .conftest import SAMPLES


@pytest.fixture
def shipped(cli):
    """ACME's 850 (order 1) shipped whole with the sample master data, company included."""
    assert cli("seed", str(SAMPLES / "masterdata")).code == 0
    assert cli("ingest", str(SAMPLES / "x12" / "acme_4500012345.edi")).code == 0
    ran = cli("ship", "1", "--carrier", "UPSN", "--tracking", "1Z1", "--json")
    assert ran.code == 0, ran.err
    return json.loads(ran.out)


def test_a_shipment_is_invoiced_at_once_with_an_810_for_an_x12_customer(cli, shipped, tmp_path):
    [invoice] = shipped["invoices"]
    assert invoice["invoice_number"].startswith("INV-") and invoice["channel"] == "edi"
    [out] = invoice["outbound"]
    assert out["kind"] == "810"
    assert cli("outbox", "deliver").code == 0
    text = Path(out["path"]).read_text()
    assert "BIG*" in text and invoice["invoice_number"] in text
    listed = json.loads(cli("invoices", "list", "--json").out)["invoices"]
    assert [(i["invoice_number"], i["status"]) for i in listed] == [(invoice["invoice_number"], "open")]
    shown = json.loads(cli("invoices", "show", str(listed[0]["invoice_id"]), "--json").out)
    assert {"invoice_id", "invoice_number", "kind", "order_id", "po_number", "customer_id",
            "issue_date", "due_date", "currency", "subtotal", "tax", "total", "paid", "balance",
            "status", "lines", "outbound"} <= set(shown)
    assert (shown["kind"], shown["order_id"], shown["po_number"]) == ("invoice", 1, "4500012345")
    assert set(shown["lines"][0]) == {"line_number", "sku", "quantity", "unit_price", "tax_rate",
                                      "amount", "tax", "order_id"}
    assert {line["order_id"] for line in shown["lines"]} == {1}
    by_number = cli("invoices", "show", invoice["invoice_number"], "--json")
    assert json.loads(by_number.out) == shown  # as printed on the invoice, the same one
    assert cli("invoices", "list", "--customer", "ACME", "--json").code == 0
    nobody = cli("invoices", "list", "--customer", "NOPE")
    assert (nobody.code, nobody.err) == (2, "ordergate: there is no customer NOPE\n")
    missing = cli("invoices", "show", "INV-1999-000001")
    assert (missing.code, missing.err) == (2, "ordergate: no invoice INV-1999-000001\n")
    assert Decimal(shown["total"]) == sum(Decimal(l["amount"]) + Decimal(l["tax"])
                                          for l in shown["lines"])
    assert cli("invoices", "run", "--json").code == 0  # nothing left to invoice
    assert json.loads(cli("invoices", "list", "--json").out)["invoices"] == listed


def test_payments_import_applies_each_payment_once_and_names_bad_rows(cli, shipped, tmp_path):
    [invoice] = shipped["invoices"]
    number, total = invoice["invoice_number"], Decimal(str(invoice["total"]))
    file = tmp_path / "bank.csv"
    file.write_text("customer_id,invoice_number,amount,currency,paid_on,reference\n"
                    f"ACME,{number},{total - 100},USD,2026-12-06,B1\n"
                    f"ACME,{number},10.00,EUR,2026-12-06,B2\n"
                    f"ACME,INV-1999-000001,10.00,USD,2026-12-06,B3\n"
                    f"ACME,{number},ten,USD,2026-12-06,B4\n")
    ran = cli("payments", "import", str(file), "--json")
    assert ran.code == 1
    data = json.loads(ran.out)
    assert [p["status"] for p in data["payments"]] == ["applied", "refused", "refused", "refused"]
    assert data["payments"][0]["balance"] == "100.00"
    assert "bank.csv line 3, field invoice_number: invoice " in data["payments"][1]["error"]
    assert "bank.csv line 5, field amount: 'ten' is not an amount" in data["payments"][3]["error"]
    again = json.loads(cli("payments", "import", str(file), "--json").out)
    assert again["payments"][0]["status"] == "duplicate"
    aged = json.loads(cli("ar", "aging", "--json").out)
    [acme] = aged["customers"]
    assert (acme["customer_id"], acme["current"], acme["balance"]) == ("ACME", "100.00", "100.00")


def test_a_quote_never_closed_is_named_with_the_lines_it_swallowed(cli, shipped, tmp_path):
    [invoice] = shipped["invoices"]
    file = tmp_path / "bank.csv"
    file.write_text("customer_id,invoice_number,amount,currency,paid_on,reference\n"
                    f"ACME,{invoice['invoice_number']},1.00,USD,2026-12-06,\"B1\n"
                    f"ACME,{invoice['invoice_number']},2.00,USD,2026-12-06,B2\n")
    data = json.loads(cli("payments", "import", str(file), "--json").out)
    [row] = data["payments"]
    assert (row["status"], row["error"]) == (
        "refused", "bank.csv lines 2-3: a quoted field runs over 2 lines (a quote that is never "
                   "closed?); the rows inside it were not read")
    shipments = tmp_path / "wh.csv"
    shipments.write_text("order_id,line_number,quantity,carrier,tracking_number,ship_date\n"
                         "1,1,1,\"UPSN,1Z-1,2026-12-06\n1,2,1,UPSN,1Z-2,2026-12-06\n")
    [refused] = json.loads(cli("shipments", "import", str(shipments), "--json").out)["shipments"]
    assert refused["status"] == "refused"
    assert refused["error"].startswith("wh.csv lines 2-3: a quoted field runs over 2 lines")


def test_invoices_list_takes_the_statuses_and_a_customer(cli, shipped):
    for status in ("open", "paid", "overdue", "credited"):
        assert cli("invoices", "list", "--status", status, "--json").code == 0
    assert json.loads(cli("invoices", "list", "--customer", "GLOBEX", "--json").out) == {
        "invoices": []}
    assert cli("invoices", "show", "999").code == 2


def test_a_return_sends_a_credit_memo_810_restocks_and_lowers_what_is_owed(cli, shipped):
    [invoice] = shipped["invoices"]
    stock_before = {s["sku"]: s for s in json.loads(cli("stock", "--json").out)["stock"]}
    ran = cli("returns", "create", "1", "--line", "1=2", "--reason", "damaged in transit",
              "--restock", "--by", "cs:eve", "--json")
    assert ran.code == 0, ran.err
    data = json.loads(ran.out)
    note = data["credit_note"]
    assert note["corrects"] == invoice["invoice_number"]
    assert note["lines"] == [{"line_number": 1, "sku": "HW-1001", "quantity": "2",
                              "amount": "33.00"}]
    assert data["restocked"] == {"HW-1001": "2"}
    [out] = data["outbound"]
    assert out["kind"] == "810"
    assert cli("outbox", "deliver").code == 0
    text = Path(out["path"]).read_text()
    assert "*CR" in text.split("~")[3]  # BIG07: a credit memo
    stock_after = {s["sku"]: s for s in json.loads(cli("stock", "--json").out)["stock"]}
    assert Decimal(stock_after["HW-1001"]["on_hand"]) - Decimal(
        stock_before["HW-1001"]["on_hand"]) == 2
    listed = {i["invoice_number"]: i for i in json.loads(cli("invoices", "list", "--json").out)["invoices"]}
    assert listed[invoice["invoice_number"]]["balance"] == str(
        Decimal(str(invoice["total"])) - Decimal("33.00"))
    assert listed[note["invoice_number"]]["kind"] == "credit_note"
    too_many = cli("returns", "create", "1", "--line", "1=9", "--reason", "x")
    assert too_many.code == 2 and "shipped and not returned yet" in too_many.err
