"""The CSV invoice, read back with ``csv``: the columns, one row per line, the invoice's totals
on every row, and cells a spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal

from ordergate.sinks.csv import render_invoice_csv
from tests.kit.invoices import BUYER, credit_note, invoice, line, two_rates

COLUMNS = ["invoice_number", "kind", "invoice_date", "due_date", "customer_id", "po_number",
           "order_id", "line_number", "sku", "buyer_part", "description", "quantity", "uom",
           "unit_price", "tax_rate", "amount", "tax", "currency", "subtotal", "tax_total",
           "total", "terms"]


def _rows(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))


def _records(payload: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8"), newline="")))


def test_the_columns_and_one_row_per_line() -> None:
    payload = render_invoice_csv(two_rates())

    assert payload.count(b"\r\n") == 5 and b"\n" not in payload.replace(b"\r\n", b"")
    rows = _rows(payload)
    assert rows[0] == COLUMNS
    head = ["INV-2026-000042", "invoice", "2026-11-23", "2026-12-23", "C100", "PO-2026-0815",
            "4711"]
    tail = ["EUR", "108.40", "17.59", "125.99", "2/10 NET30"]
    assert rows[1:] == [
        head + ["1", "HW-1001", "AC-BOLT-8", "Hex bolt M8x40 zinc plated, box of 100", "3", "CS",
                "18.90", "19", "56.70", "10.77"] + tail,
        head + ["2", "HW-1002", "", "Hex nut M8 zinc plated, by weight", "2.5", "KG", "9.75",
                "19", "24.38", "4.63"] + tail,
        head + ["3", "HW-1003", "", "Flat washer M8", "7", "EA", "0.333", "19", "2.33", "0.44"]
        + tail,
        head + ["4", "BK-2001", "AC-BOOK-1", "Fastener handbook", "1", "EA", "24.99", "7",
                "24.99", "1.75"] + tail,
    ]


def test_every_row_repeats_the_totals_which_the_lines_add_up_to() -> None:
    bill = two_rates()
    records = _records(render_invoice_csv(bill))

    assert {(r["subtotal"], r["tax_total"], r["total"]) for r in records} == \
        {(str(bill.subtotal), str(bill.tax), str(bill.total))}
    assert sum(Decimal(r["amount"]) for r in records) == Decimal(records[0]["subtotal"])
    assert sum(Decimal(r["tax"]) for r in records) == Decimal(records[0]["tax_total"])
    assert Decimal(records[0]["subtotal"]) + Decimal(records[0]["tax_total"]) == \
        Decimal(records[0]["total"])
    for record, item in zip(records, bill.lines, strict=True):
        assert record["sku"] == item.sku
        # The line amount is quantity × price rounded to the cent: within half a cent of it.
        exact = Decimal(record["quantity"]) * Decimal(record["unit_price"])
        assert abs(exact - Decimal(record["amount"])) <= Decimal("0.005")


def test_formula_looking_cells_are_neutralised() -> None:
    bill = invoice([line(1, "HW-1001", "1", "2.00", buyer_part="@SUM(A1:A9)",
                         description="=HYPERLINK(\"http://x\",\"click\")"),
                    line(2, "HW-1002", "-1", "2.00", description="Bolt, -20 %; =1+2")],
                   po_number="-PO-9", buyer=BUYER)
    records = _records(render_invoice_csv(bill))

    assert records[0]["description"] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert records[0]["buyer_part"] == "'@SUM(A1:A9)"
    assert records[0]["po_number"] == "'-PO-9"
    assert records[1]["description"] == "Bolt, -20 %; '=1+2"
    assert records[1]["quantity"] == "-1" and records[1]["amount"] == "-2.00"  # numbers stay


def test_a_credit_note_and_text_outside_latin1() -> None:
    original = two_rates()
    credit = credit_note(original, [line(1, "HW-1001", "1", "18.90",
                                         description="Żółty ołówek – Болт")])
    records = _records(render_invoice_csv(credit))

    assert [(r["invoice_number"], r["kind"], r["description"], r["total"]) for r in records] == \
        [("CN-2026-000003", "credit_note", "Żółty ołówek – Болт", "22.49")]


def test_an_invoice_without_lines_is_the_header_and_missing_values_are_empty() -> None:
    bill = invoice([line(1, "X-1", "1", "1.00")], po_number=None, order_id=None)
    assert _rows(render_invoice_csv(replace(bill, lines=()))) == [COLUMNS]
    record = _records(render_invoice_csv(bill))[0]
    assert (record["po_number"], record["order_id"], record["buyer_part"], record["uom"],
            record["description"]) == ("", "", "", "", "")


def test_a_days_invoice_over_several_orders_names_each_rows_order() -> None:
    day = invoice([line(1, "HW-1001", "1", "16.50", order_id=11, po_number="PO-A"),
                   line(1, "HW-1002", "2", "9.75", order_id=12, po_number="=PO-B")],
                  order_id=None, po_number=None, shipment_id=None)
    assert [(r["po_number"], r["order_id"], r["line_number"]) for r in _records(
        render_invoice_csv(day))] == [("PO-A", "11", "1"), ("'=PO-B", "12", "1")]
