"""The CSV ship notice, read back with ``csv``: columns, one row per shipped line (and package),
numbers as written, and cells a spreadsheet would run neutralised."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.sinks.csv import render_ship_notice_csv

COLUMNS = ["shipment_id", "order_id", "po_number", "customer_id", "line_number", "sku",
           "buyer_part", "quantity_shipped", "uom", "quantity_ordered", "quantity_shipped_total",
           "quantity_open", "carrier", "tracking_number", "ship_date", "package_id"]
SSCC_A, SSCC_B = "003123456789000014", "003123456789000021"


def _notice(**changes) -> ShipmentNotice:
    values = dict(
        shipment_id=7, order_id=42, customer_id="C100", po_number="4711", carrier="UPSN",
        tracking_number="1Z999AA10123456784", ship_date=date(2026, 11, 23),
        lines=(
            ShippedLine(line_number=1, sku="PEN-BLUE", quantity=Decimal("3.0000"),
                        ordered=Decimal("5.0000"), shipped_total=Decimal("3.0000"),
                        open_quantity=Decimal("2.0000"), uom="EA", buyer_part="BP-1",
                        package_id=SSCC_A),
            # One order line split over two packages: a row per package, each with the
            # line's totals after the shipment.
            ShippedLine(line_number=2, sku="INK-BLK", quantity=Decimal("1.5000"),
                        ordered=Decimal("4"), shipped_total=Decimal("2.5"),
                        open_quantity=Decimal("1.5"), uom="LTR", buyer_part=None,
                        package_id=SSCC_A),
            ShippedLine(line_number=2, sku="INK-BLK", quantity=Decimal("1"),
                        ordered=Decimal("4.0000"), shipped_total=Decimal("2.5000"),
                        open_quantity=Decimal("1.5000"), uom="LTR", package_id=SSCC_B),
        ))
    values.update(changes)
    return ShipmentNotice(**values)


def _read(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))


def test_one_row_per_shipped_line_under_the_exact_columns() -> None:
    payload = render_ship_notice_csv(_notice())

    assert payload.count(b"\r\n") == 4 and b"\n" not in payload.replace(b"\r\n", b"")
    assert _read(payload) == [
        COLUMNS,
        ["7", "42", "4711", "C100", "1", "PEN-BLUE", "BP-1", "3", "EA", "5", "3", "2", "UPSN",
         "1Z999AA10123456784", "2026-11-23", SSCC_A],
        ["7", "42", "4711", "C100", "2", "INK-BLK", "", "1.5", "LTR", "4", "2.5", "1.5", "UPSN",
         "1Z999AA10123456784", "2026-11-23", SSCC_A],
        ["7", "42", "4711", "C100", "2", "INK-BLK", "", "1", "LTR", "4", "2.5", "1.5", "UPSN",
         "1Z999AA10123456784", "2026-11-23", SSCC_B],
    ]


def test_missing_unit_and_package_are_empty_cells_and_big_numbers_stay_plain() -> None:
    line = ShippedLine(line_number=1, sku="BULK", quantity=Decimal("1E+3"),
                       ordered=Decimal("1000.0000"), shipped_total=Decimal("1000"),
                       open_quantity=Decimal("0E-4"))
    [_, row] = _read(render_ship_notice_csv(_notice(lines=(line,))))

    cell = dict(zip(COLUMNS, row))

    assert cell["quantity_shipped"] == "1000"  # never "1E+3"
    assert [cell["quantity_ordered"], cell["quantity_shipped_total"], cell["quantity_open"]] == [
        "1000", "1000", "0"]
    assert cell["uom"] == "" and cell["buyer_part"] == "" and cell["package_id"] == ""


def test_sender_and_warehouse_text_cannot_run_as_a_formula() -> None:
    notice = _notice(po_number="=HYPERLINK(\"http://evil.example\",\"PO\")",
                     carrier="@SUM(A1)", tracking_number="+1-2",
                     lines=(ShippedLine(line_number=1, sku="PEN-BLUE", quantity=Decimal(1),
                                        ordered=Decimal(1), shipped_total=Decimal(1),
                                        open_quantity=Decimal(0), buyer_part="-2+cmd|' /C calc'!A0",
                                        uom="EA"),))
    [_, row] = _read(render_ship_notice_csv(notice))
    cell = dict(zip(COLUMNS, row))

    assert cell["po_number"] == "'=HYPERLINK(\"http://evil.example\",\"PO\")"
    assert cell["carrier"] == "'@SUM(A1)"
    assert cell["tracking_number"] == "'+1-2"
    assert cell["buyer_part"] == "'-2+cmd|' /C calc'!A0"
    assert cell["quantity_open"] == "0" and cell["sku"] == "PEN-BLUE"


def test_text_outside_ascii_is_written_as_utf8() -> None:
    payload = render_ship_notice_csv(_notice(po_number="Zamówienie 12/Ż"))

    assert "Zamówienie 12/Ż".encode("utf-8") in payload
    assert _read(payload)[1][2] == "Zamówienie 12/Ż"
