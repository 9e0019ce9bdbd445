"""The tabular parser: samples/csv against hand-written expectations, and generated edge cases
(encodings, delimiters, header position, decimal commas, leading zeros, bad cells, XLSX)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pydantic import ValidationError

from ordergate.errors import DocumentError
from ordergate.mappings.tabular_orders import (
    CellError,
    TabularResult,
    orders_from_table,
    parse_date,
    parse_decimal,
)
from ordergate.orders.model import SalesOrder
from ordergate.parsers.tabular.columns import ColumnMap, find_header, normalise_header
from ordergate.parsers.tabular.read import TableError, read_table
from tests.kit.tabular import summarise

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "csv"
EXPECTED = Path(__file__).resolve().parent / "expected_tabular"
# The customer the drop folder a sample would sit in names, for samples without that column.
SAMPLE_CUSTOMER = {"initech_0047110815.csv": "INITECH"}


def run(content: bytes | str, *, encoding: str = "utf-8", **kwargs) -> TabularResult:
    data = content.encode(encoding) if isinstance(content, str) else content
    kwargs.setdefault("channel", "dropfolder")
    kwargs.setdefault("source_name", "test.csv")
    return orders_from_table(data, **kwargs)


def only_order(result: TabularResult) -> SalesOrder:
    assert result.problems == []
    assert len(result.orders) == 1
    return result.orders[0]


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- samples
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.csv")))
def test_sample_matches_expectation(name):
    result = orders_from_table((SAMPLES / name).read_bytes(), channel="dropfolder",
                               source_name=name, customer_id=SAMPLE_CUSTOMER.get(name))
    expected = json.loads((EXPECTED / f"sample_{Path(name).stem}.json").read_text("utf-8"))
    assert result.problems == expected["problems"]
    assert [summarise(o) for o in result.orders] == expected["orders"]


def test_every_sample_has_an_expectation():
    samples = {f"sample_{p.stem}.json" for p in SAMPLES.glob("*.csv")}
    assert len(samples) >= 3
    assert samples <= {p.name for p in EXPECTED.glob("sample_*.json")}


def test_german_sample_is_windows_1252_semicolon_decimal_comma():
    table = read_table((SAMPLES / "initech_0047110815.csv").read_bytes())
    assert (table.kind, table.encoding, table.delimiter) == ("csv", "cp1252", ";")
    assert table.sheets[0].rows[3][6] == "Stückpreis"


# ---------------------------------------------------------------- encodings and delimiters
CANONICAL = "po_number,sku,description,quantity,unit_price\n"


def test_utf8_bom_does_not_hide_the_first_header():
    result = run("\ufeff" + CANONICAL + "A-1,SKU-1,Größe 10,2,3.50\n")
    line = only_order(result).lines[0]
    assert (line.vendor_part, line.description, line.quantity) == (
        "SKU-1", "Größe 10", Decimal("2"))
    assert read_table(("\ufeff" + CANONICAL).encode("utf-8")).encoding == "utf-8-sig"


def test_windows_1252_text_is_decoded():
    result = run(CANONICAL + "A-1,SKU-1,Stück – Größe 10 €,2,3.50\n", encoding="cp1252")
    assert only_order(result).lines[0].description == "Stück – Größe 10 €"


def test_utf16_with_bom_tab_delimited_as_excel_unicode_text():
    text = CANONICAL.replace(",", "\t") + "A-1\tSKU-1\tÄpfel\t2\t3.50\n"
    table = read_table(text.encode("utf-16"))
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert only_order(run(text, encoding="utf-16")).lines[0].description == "Äpfel"


@pytest.mark.parametrize("delimiter", ["\t", ";", "|", ","])
def test_delimiter_is_sniffed(delimiter):
    rows = ["Purchase order export", "", "PO#|Item #|Description|Qty|Price",
            "P-1|SKU-1|Bolt, zinc|2|1.50", "P-1|SKU-2|Nut|4|0.25"]
    text = "\n".join(row.replace("|", delimiter) for row in rows) + "\n"
    if delimiter == ",":  # a comma inside a value must then be quoted
        text = text.replace("Bolt, zinc", '"Bolt, zinc"')
    assert read_table(text.encode()).delimiter == delimiter
    order = only_order(run(text))
    assert [(l.vendor_part, l.description, l.quantity) for l in order.lines] == [
        ("SKU-1", "Bolt, zinc", Decimal("2")), ("SKU-2", "Nut", Decimal("4"))]


def test_delimiter_consistent_on_more_lines_wins_over_a_wide_title_row():
    text = "Export;Globex;2026;03;05;open;orders\nPO,Item,Qty\nP-1,A-1,1\nP-1,A-2,2\n"
    assert read_table(text.encode()).delimiter == ","


def test_delimiter_tie_goes_to_the_semicolon_not_the_decimal_comma():
    table = read_table(b"Qty;Price, EUR\n2;3,50\n")  # either splits both lines in two
    assert table.delimiter == ";"
    assert table.sheets[0].rows == [["Qty", "Price, EUR"], ["2", "3,50"]]


def test_binary_content_is_refused_with_a_reason():
    with pytest.raises(TableError, match="binary data"):
        run(b"%PDF-1.7\n\x00\x01\x02 stream")


def test_bytes_neither_utf8_nor_windows_1252_are_refused():
    with pytest.raises(TableError, match=r"byte 0x81 at offset 4"):
        run(b"po,q\x81\n")


def test_empty_file_is_refused():
    with pytest.raises(DocumentError, match="empty"):
        run(b"  \r\n")


# ---------------------------------------------------------------- header position
def test_header_on_row_4_below_title_rows():
    text = ("ACME Hardware - Purchase Order;;;\n"
            "PO Number:;4711;;\n"
            ";;;\n"
            "PO Number;Item;Qty;UOM\n"
            "4711;HW-1;5;EA\n"
            "4711;HW-2;7;CS\n")
    order = only_order(run(text))
    assert order.po_number == "4711"
    assert [(l.line_number, l.source_position, l.vendor_part, l.uom) for l in order.lines] == [
        (1, 5, "HW-1", "EA"), (2, 6, "HW-2", "CS")]


def test_synonyms_ignore_case_spaces_and_punctuation():
    header = find_header([["p.o. #", " ITEM-NO ", "qty_ordered", "Unit   price", "Need-By Date",
                           "Ship-To Postal Code", "Something else"]])
    assert header is not None
    assert header.columns == {"po_number": 0, "sku": 1, "quantity": 2, "unit_price": 3,
                              "requested_date": 4, "ship_to_postal_code": 5}
    assert normalise_header("Stück-Preis ") == "stuckpreis"


def test_key_value_rows_above_the_table_are_not_taken_for_the_header():
    rows = [["Order Date:", "2026-01-02", "Currency:", "EUR"], ["PO", "SKU", "Qty"]]
    header = find_header(rows)
    assert header is not None and header.row_index == 1


def test_no_header_row_names_what_was_looked_for_and_found():
    with pytest.raises(DocumentError) as caught:
        run("PROD_DEL;2\nE-COM11;5\n", source_name="order.csv")
    message = str(caught.value)
    assert message.startswith("order.csv: no header row found in the first 20 rows")
    assert "Qty" in message and "row 1: 'PROD_DEL', '2'" in message


def test_missing_po_column_is_a_document_error():
    with pytest.raises(DocumentError, match=r"header row 1 has no PO number column .* it has "
                                            r"'Item', 'Qty'"):
        run("Item,Qty\nHW-1,2\n")


def test_two_quantity_columns_are_refused_rather_than_guessed():
    with pytest.raises(DocumentError, match=r"^test.csv: columns 'Qty' \(column 3\) and "
                                            r"'Quantity' \(column 4\) both look like quantity; "
                                            r"give a column map"):
        run("PO,Item,Qty,Quantity\n1,HW-1,2,3\n")


def test_header_without_data_rows_is_refused():
    with pytest.raises(DocumentError, match="no order lines below the header on row 1"):
        run(CANONICAL + "\n\n")


# ---------------------------------------------------------------- values
@pytest.mark.parametrize(("raw", "decimal_comma", "expected"), [
    ("1.234,50", False, "1234.50"), ("1.234,50", True, "1234.50"),
    ("1,234.50", False, "1234.50"), ("1,234.50", True, "1234.50"),
    ("12,5", False, "12.5"), ("12.5", True, "12.5"),
    ("1,234", False, "1234"), ("1,234", True, "1.234"),
    ("1.234", False, "1.234"), ("1.234", True, "1234"),
    ("1.234.567", False, "1234567"), ("€ 3,20", True, "3.20"), ("1 234,5", True, "1234.5"),
    ("-2", False, "-2"),
])
def test_parse_decimal(raw, decimal_comma, expected):
    value = parse_decimal(raw, decimal_comma)
    assert (value, str(value)) == (Decimal(expected), expected)


@pytest.mark.parametrize("raw", ["12,5x", "1,2,3", "1.2,5", "abc", "1e5", "١٢", "--1"])
def test_parse_decimal_refuses(raw):
    with pytest.raises(CellError, match="is not a number"):
        parse_decimal(raw, False)


def test_parse_date_forms():
    assert parse_date("2026-03-31", None, None) == date(2026, 3, 31)
    assert parse_date("2026-03-31 00:00:00", "%d.%m.%Y", None) == date(2026, 3, 31)
    assert parse_date("20260331", None, None) == date(2026, 3, 31)
    assert parse_date("31.3.2026", None, None) == date(2026, 3, 31)
    assert parse_date("03/31/2026", None, None) == date(2026, 3, 31)
    assert parse_date("04/03/2026", None, "dmy") == date(2026, 3, 4)
    assert parse_date("4-3-26", "%d-%m-%y", None) == date(2026, 3, 4)
    with pytest.raises(CellError, match="could be day/month or month/day"):
        parse_date("04/03/2026", None, None)
    with pytest.raises(CellError, match="not a valid date"):
        parse_date("31.02.2026", None, None)


def test_decimal_comma_file_with_thousands():
    text = ("Bestellnr.;Artikelnr.;Menge;Preis\n"
            "B-1;A-1;1.500;1.234,50\n"
            "B-1;A-2;2;0,75\n")
    order = only_order(run(text, encoding="cp1252"))
    assert [(l.quantity, l.unit_price) for l in order.lines] == [
        (Decimal("1500"), Decimal("1234.50")), (Decimal("2"), Decimal("0.75"))]


def test_decimal_point_file_with_quoted_thousands():
    text = 'PO,Item,Qty,Price\nP-1,A-1,"1,500","1,234.50"\nP-1,A-2,2,0.75\n'
    order = only_order(run(text))
    assert [(l.quantity, l.unit_price) for l in order.lines] == [
        (Decimal("1500"), Decimal("1234.50")), (Decimal("2"), Decimal("0.75"))]


def test_leading_zero_po_and_part_numbers_survive():
    order = only_order(run("PO,Item,GTIN,Qty\n000123,0042,071234000012,1\n"))
    assert (order.po_number, order.source_key) == ("000123", "000123")
    assert (order.lines[0].vendor_part, order.lines[0].gtin) == ("0042", "00071234000012")


def test_blank_rows_total_rows_and_repeated_headers_are_skipped():
    text = ("PO,Item,Description,Qty\n"
            "P-1,A-1,Bolt,1\n"
            "\n"
            ",,,\n"
            "PO,Item,Description,Qty\n"
            "P-1,A-2,Nut,2\n"
            ",,Total,3\n")
    order = only_order(run(text))
    assert [(l.vendor_part, l.source_position) for l in order.lines] == [("A-1", 2), ("A-2", 6)]


def test_bad_quantity_sinks_only_its_po():
    text = ("PO,Item,Qty,Price\n"
            "P-1,A-1,2,1.00\n"
            "P-2,A-1,12,5x,1.00\n"
            "P-2,A-2,3,1.00\n"
            "P-3,A-3,1,2.00\n")
    text = text.replace("12,5x", '"12,5x"')
    result = run(text)
    assert [o.po_number for o in result.orders] == ["P-1", "P-3"]
    assert result.rejected == ["P-2"]
    assert result.problems == ["row 3, column 'Qty': '12,5x' is not a number",
                               "PO P-2: no order made, because of the problems on row 3"]


def test_every_bad_cell_of_a_row_is_reported():
    text = "PO,Item,GTIN,Qty,Price,Currency\nP-1,A-1,4012345000017,0,-1,EURO\n"
    result = run(text)
    assert result.orders == []
    assert result.problems == [
        "row 2, column 'GTIN': '4012345000017' is not a GTIN: its check digit is wrong",
        "row 2, column 'Qty': '0' is not a positive quantity",
        "row 2, column 'Price': '-1' is a negative price",
        "row 2, column 'Currency': 'EURO' is not a three-letter currency code (ISO 4217, e.g. EUR)",
        "PO P-1: no order made, because of the problems on row 2",
    ]


def test_line_without_quantity_or_item_is_a_problem():
    result = run("PO,Item,Description,Qty\nP-1,A-1,Bolt,\nP-2,,,4\n")
    assert result.orders == []
    assert result.problems[:2] == [
        "row 2, column 'Qty': empty; every line needs a quantity",
        "row 3: no item given (none of 'Item', 'Description' has a value)"]


def test_item_row_without_po_sinks_the_po_above():
    text = "PO,Item,Qty\nP-1,A-1,1\n,A-2,2\nP-2,A-3,3\n"
    result = run(text)
    assert [o.po_number for o in result.orders] == ["P-2"]
    assert result.problems[0] == ("row 3, column 'PO': empty, but the row orders item 'A-2'; it "
                                  "belongs to no PO (taken as part of PO P-1 above)")


def test_several_pos_in_separated_blocks_keep_file_order():
    text = ("PO,Item,Qty\n"
            "B-2,X-1,1\n"
            "A-1,Y-1,2\n"
            "B-2,X-2,3\n"
            "C-3,Z-1,4\n"
            "A-1,Y-2,5\n")
    result = run(text)
    assert result.problems == []
    assert [(o.po_number, [(l.line_number, l.source_position, l.vendor_part) for l in o.lines])
            for o in result.orders] == [
        ("B-2", [(1, 2, "X-1"), (2, 4, "X-2")]),
        ("A-1", [(1, 3, "Y-1"), (2, 6, "Y-2")]),
        ("C-3", [(1, 5, "Z-1")]),
    ]


def test_rows_disagreeing_on_order_values_warn_and_keep_the_first():
    text = ("PO,Item,Qty,Requested Date,Ship To,City\n"
            "P-1,A-1,1,2026-04-01,DC East,Columbus\n"
            "P-1,A-2,1,2026-04-08,DC West,Reno\n")
    order = only_order(run(text))
    assert order.requested_date == date(2026, 4, 1)
    assert order.ship_to is not None and order.ship_to.city == "Columbus"
    assert order.warnings == [
        "row 3, column 'Requested Date': 2026-04-08 differs from 2026-04-01 on row 2; the order "
        "keeps 2026-04-01",
        "row 3: the ship-to address differs from the one on row 2; the order keeps that one"]


def test_one_po_with_two_customers_is_a_problem():
    result = run("Customer,PO,Item,Qty\nACME,P-1,A-1,1\nGLOBEX,P-1,A-2,1\n")
    assert result.orders == [] and result.rejected == ["P-1"]
    assert result.problems[0] == ("row 3, column 'Customer': 'GLOBEX' differs from 'ACME' on row 2;"
                                  " one PO cannot belong to two customers")


def test_customer_from_caller_from_column_or_unknown():
    text = "PO,Item,Qty\nP-1,A-1,1\n"
    assert only_order(run(text)).partner_id == "unknown"
    given = only_order(run(text, customer_id="ACME"))
    assert (given.customer_id, given.partner_id) == ("ACME", "customer:ACME")
    mapped = only_order(run(text, column_map=ColumnMap(
        columns={"po_number": "PO", "sku": "Item", "quantity": "Qty"}, customer_id="GLOBEX")))
    assert mapped.partner_id == "customer:GLOBEX"
    column = only_order(run("Customer,PO,Item,Qty\nGLOBEX,P-1,A-1,1\n"))
    assert (column.customer_id, column.partner_id) == ("GLOBEX", "customer:GLOBEX")
    agreeing = only_order(run("Customer,PO,Item,Qty\nACME,P-1,A-1,1\n", customer_id="ACME"))
    assert (agreeing.customer_id, agreeing.warnings) == ("ACME", [])


def test_a_column_naming_another_customer_than_the_channel_refuses_that_po():
    result = run("Customer,PO,Item,Qty\nGLOBEX,P-1,A-1,1\nACME,P-2,A-1,1\n", customer_id="ACME")
    assert [o.po_number for o in result.orders] == ["P-2"] and result.rejected == ["P-1"]
    assert result.problems[0] == ("row 2, column 'Customer': names customer 'GLOBEX', but the file "
                                  "came from customer 'ACME'; a file holds only its sender's orders")


def test_ambiguous_slashed_dates_are_problems_until_a_date_format_is_given():
    text = "PO,Item,Qty,Order Date\nP-1,A-1,1,04/03/2026\n"
    result = run(text)
    assert result.orders == []
    assert "could be day/month or month/day" in result.problems[0]
    column_map = ColumnMap(columns={"po_number": "PO", "sku": "Item", "quantity": "Qty",
                                    "po_date": "Order Date"}, date_format="%d/%m/%Y")
    assert only_order(run(text, column_map=column_map)).po_date == date(2026, 3, 4)


def test_slashed_dates_settled_by_another_date_column():
    text = "PO,Item,Qty,Order Date,Need By\nP-1,A-1,1,04/03/2026,04/17/2026\n"
    order = only_order(run(text))
    assert (order.po_date, order.requested_date) == (date(2026, 4, 3), date(2026, 4, 17))


def test_too_long_values_are_refused_not_cut():
    result = run(f"PO,Item,Qty,UOM\nP-1,A-1,1,{'X' * 9}\n{'P' * 65},A-1,1,EA\n")
    assert result.orders == []
    assert result.problems[:2] == [
        "row 2, column 'UOM': 'XXXXXXXXX' is 9 characters long; at most 8 are accepted",
        f"row 3, column 'PO': PO number is 65 characters long; at most {64} are accepted"]


# ---------------------------------------------------------------- column maps
def test_column_map_reads_only_the_mapped_columns():
    text = ("Kunden-Bestellung 2026\n"
            "\n"
            "Beleg;Art.;Stk;EP;Termin;Beschreibung\n"
            "77;A-1;3;1.234;01.04.2026;Bolt\n")
    column_map = ColumnMap(columns={"po_number": "Beleg", "buyer_part": "Art.", "quantity": "Stk",
                                    "unit_price": "EP", "requested_date": "Termin"},
                           header_row=3, decimal_comma=True, customer_id="INITECH")
    order = only_order(run(text, column_map=column_map))
    line = order.lines[0]
    assert (order.po_number, order.customer_id, order.requested_date) == (
        "77", "INITECH", date(2026, 4, 1))
    assert (line.buyer_part, line.vendor_part, line.quantity, line.unit_price,
            line.description) == ("A-1", None, Decimal("3"), Decimal("1234"), None)


def test_column_map_header_missing_names_the_headers():
    column_map = ColumnMap(columns={"po_number": "Beleg", "sku": "Art.", "quantity": "Stk"})
    with pytest.raises(DocumentError, match=r"looked for a row holding all the column map's "
                                            r"headers \('Beleg', 'Art.', 'Stk'\); found row 1: "
                                            r"'PO'"):
        run("PO,Item,Qty\n1,A,1\n", column_map=column_map)


def test_column_map_header_row_is_checked_not_searched():
    column_map = ColumnMap(columns={"po_number": "PO", "sku": "Item", "quantity": "Qty"},
                           header_row=2)
    with pytest.raises(DocumentError, match=r"on row 2 \(the column map's header_row\)"):
        run("PO,Item,Qty\n1,A,1\n", column_map=column_map)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"columns": {"po_number": "PO", "sku": "Item", "qty": "Qty"}}, "unknown field.* qty; known"),
    ({"columns": {"po_number": "PO", "sku": "Item"}}, "must name the column of quantity"),
    ({"columns": {"po_number": "PO", "quantity": "Qty"}}, "sku or buyer_part or gtin"),
    ({"columns": {"po_number": "PO", "sku": "Item", "quantity": "Qty"}, "date_format": "%d.%m"},
     "does not hold a whole date"),
    ({"columns": {"po_number": "PO", "sku": "Item", "quantity": "Qty"}, "sheet": "x"},
     "Extra inputs are not permitted"),
])
def test_column_map_rejects_mistakes(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        ColumnMap(**kwargs)


# ---------------------------------------------------------------- workbooks
def test_xlsx_written_with_openpyxl():
    content = xlsx_bytes({
        "Notes": [["Read me: orders are on the next sheet"]],
        "Orders": [
            ["Globex purchase orders"],
            [],
            ["PO#", "Item #", "EAN", "Qty", "Unit Price", "Need By", "Currency"],
            ["000123", "OF-3001", 4012345000061, 20, 22.9, datetime(2026, 3, 19), "eur"],
            ["000123", "OF-3002", None, 2.5, 10.8, datetime(2026, 3, 19), "eur"],
            [None, None, None, None, None, None, None],
            ["GX-2", "OF-3003", 71234000012, 1, 2.85, datetime(2026, 3, 26), "USD"],
        ],
    })
    result = run(content, source_name="orders.xlsx")
    assert result.problems == []
    assert [summarise(o) for o in result.orders] == [
        {"source_key": "000123", "channel": "dropfolder", "format": "xlsx", "partner_id": "unknown",
         "po_number": "000123", "currency": "EUR", "requested_date": "2026-03-19",
         "lines": [
             {"line_number": 1, "source_position": 4, "vendor_part": "OF-3001",
              "gtin": "04012345000061", "quantity": "20", "unit_price": "22.9"},
             {"line_number": 2, "source_position": 5, "vendor_part": "OF-3002",
              "quantity": "2.5", "unit_price": "10.8"}]},
        {"source_key": "GX-2", "channel": "dropfolder", "format": "xlsx", "partner_id": "unknown",
         "po_number": "GX-2", "currency": "USD", "requested_date": "2026-03-26",
         "lines": [
             {"line_number": 1, "source_position": 7, "vendor_part": "OF-3003",
              "gtin": "00071234000012", "quantity": "1", "unit_price": "2.85"}]},
    ]


def test_xlsx_sheet_with_a_header_but_no_po_column_is_passed_over():
    content = xlsx_bytes({"Summary": [["Item", "Qty"], ["A-1", "3"]],
                          "Lines": [["PO", "Item", "Qty"], ["P-1", "A-1", "3"]]})
    assert only_order(run(content)).lines[0].source_position == 2
    with pytest.raises(DocumentError, match="sheet 'Summary', header row 1 has no PO number"):
        run(xlsx_bytes({"Summary": [["Item", "Qty"]], "Notes": [["nothing here"]]}),
            source_name="orders.xlsx")


def test_xlsx_bad_cell_names_sheet_row_and_column():
    content = xlsx_bytes({"PO": [["PO", "Item", "Qty"], ["P-1", "A-1", "lots"]]})
    result = run(content)
    assert result.problems[0] == "sheet 'PO', row 2, column 'Qty': 'lots' is not a number"


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(TableError, match=r"not an XLSX workbook: it has no xl/ parts \(it holds "
                                         r"word/document.xml\)"):
        run(buffer.getvalue())


def test_damaged_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "this is not xml")
    with pytest.raises(TableError, match="looks like an XLSX workbook but cannot be read"):
        run(buffer.getvalue(), source_name="broken.xlsx")


def test_damaged_xls_is_refused():
    with pytest.raises(TableError, match="looks like an XLS workbook but cannot be read"):
        run(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


# ---------------------------------------------------------------- limits
def test_row_limit():
    text = (CANONICAL + "P,S,D,1,1\n" * 10).encode()
    assert len(read_table(text, max_rows=11).sheets[0].rows) == 11
    with pytest.raises(TableError, match="more than 10 rows"):
        read_table(text, max_rows=10)


def test_row_limit_applies_to_each_sheet():
    content = xlsx_bytes({"A": [["x"]] * 3})
    with pytest.raises(TableError, match="sheet 'A' has more than 2 rows"):
        read_table(content, max_rows=2)


def test_byte_limit():
    with pytest.raises(TableError, match="file is 1,001 bytes; at most 1,000 are accepted"):
        read_table(b"x" * 1001, max_bytes=1000)
