"""The PDF reader on purchase orders generated with fpdf2: tables over pages, wrapped
descriptions, templates, limits, bad files, confidences, and the mapping to a SalesOrder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fpdf import FPDF

from benchmarks.bench_pdf_extract import PoLine, PoSpec, build_po_pdf, sample_lines
from ordergate.errors import ConfigError, DocumentError, MappingError
from ordergate.mappings.pdf_order import sales_order_from_pdf
from ordergate.parsers.pdf.extract import (
    PdfError,
    PdfExtraction,
    PdfLimits,
    extract_pdf_order,
)
from ordergate.parsers.pdf.template import DEFAULT_TEMPLATE_DIR, load_templates
from ordergate.parsers.pdf.values import parse_date, parse_number


def extract(spec: PoSpec, **kwargs) -> PdfExtraction:
    return extract_pdf_order(build_po_pdf(spec), **kwargs)


# ------------------------------------------------------------------------------ reading
def test_one_page_po_reads_every_field() -> None:
    lines = [PoLine("AB-100", ("Hex bolt M8",), "12", "EA", "1,234.50", "14,814.00"),
             PoLine("AB-200", ("Washer",), "250", "BOX", "0.35", "87.50")]
    result = extract(PoSpec(lines))
    assert (result.template, result.po_number, result.po_date, result.currency) == (
        None, "PO-4711", date(2026, 3, 15), "EUR")
    assert result.ship_to is not None
    assert (result.ship_to.name, result.ship_to.street, result.ship_to.city, result.ship_to.state,
            result.ship_to.postal_code, result.ship_to.country) == (
        "ACME Warehouse North", ["12 Dock Road"], "Springfield", "IL", "62701", "US")
    first, second = result.lines
    assert (first.vendor_part, first.description, first.quantity, first.uom, first.unit_price,
            first.buyer_line_id, first.page) == ("AB-100", "Hex bolt M8", Decimal("12"), "EA",
                                                 Decimal("1234.50"), "1", 1)
    assert (second.vendor_part, second.quantity, second.unit_price) == ("AB-200", 250, Decimal("0.35"))
    # qty x price = amount printed: the reading is confirmed
    assert result.confidence["line 1 quantity"] == result.confidence["line 1 unit_price"] == 0.99
    assert result.doubtful(0.8) == ["ship_to"]


@pytest.mark.parametrize("repeat_header", [True, False])
def test_table_continues_on_the_next_pages(repeat_header: bool) -> None:
    lines = sample_lines(23)
    result = extract(PoSpec(lines, lines_per_page=10, repeat_header=repeat_header))
    assert [line.vendor_part for line in result.lines] == [line.vendor_part for line in lines]
    assert [line.page for line in result.lines] == [1] * 10 + [2] * 10 + [3] * 3
    assert [line.line_number for line in result.lines] == list(range(1, 24))
    # Without a repeated header the reader guesses where the table resumes: less sure.
    assert (result.confidence["lines"] < 0.9) is not repeat_header


def test_multi_line_descriptions_are_joined() -> None:
    lines = [PoLine("X-1", ("Stainless steel cable", "5 m, with loops at", "both ends"), "2", "EA", "19.90"),
             PoLine("X-2", ("Cable clamp",), "8", "EA", "1.10"),
             PoLine("X-3", ("Pre-", "assembled kit"), "1", "SET", "99.00")]
    result = extract(PoSpec(lines))
    assert [line.description for line in result.lines] == [
        "Stainless steel cable 5 m, with loops at both ends", "Cable clamp", "Pre-assembled kit"]


def test_european_numbers() -> None:
    lines = [PoLine("EU-1", ("Schraube",), "1.250", "ST", "1.234,56"),
             PoLine("EU-2", ("Mutter",), "3", "ST", "0,75")]
    result = extract(PoSpec(lines, date_text="31.12.2026"))
    assert [line.unit_price for line in result.lines] == [Decimal("1234.56"), Decimal("0.75")]
    assert result.lines[0].quantity == Decimal("1250")
    assert result.po_date == date(2026, 12, 31)
    assert result.confidence["po_date"] >= 0.9


def test_ambiguous_date_lowers_its_confidence() -> None:
    sure = extract(PoSpec(sample_lines(2), date_text="12/31/2026"))
    unsure = extract(PoSpec(sample_lines(2), date_text="03/04/2026"))
    assert sure.po_date == date(2026, 12, 31) and sure.confidence["po_date"] >= 0.9
    assert unsure.confidence["po_date"] <= 0.5
    assert "po_date" in unsure.doubtful(0.7) and "po_date" not in sure.doubtful(0.7)
    reason = unsure.hold_reason(0.7)
    assert reason is not None and "po_date (0.50)" in reason


def test_missing_unit_price_lowers_the_line_confidence() -> None:
    lines = [PoLine("P-1", ("Priced",), "1", "EA", "5.00"), PoLine("P-2", ("Unpriced",), "2", "EA", None)]
    result = extract(PoSpec(lines))
    assert result.lines[1].unit_price is None
    assert result.doubtful(0.7) == ["line 2 unit_price"]
    assert result.lowest() == result.confidence["line 2 unit_price"]


def test_amount_that_does_not_add_up_makes_the_line_doubtful() -> None:
    lines = [PoLine("Q-1", ("Gear",), "4", "EA", "2.50", "12.00")]
    result = extract(PoSpec(lines))
    assert {"line 1 quantity", "line 1 unit_price"} <= set(result.doubtful(0.6))


def test_no_po_number_and_no_table_are_named() -> None:
    with pytest.raises(PdfError, match="no PO number found"):
        extract(PoSpec(sample_lines(2), po_label="Reference:"))
    with pytest.raises(PdfError, match="no line table found"):
        extract(PoSpec(sample_lines(2), words={"Qty": "Colour", "Vendor Part": "Notes",
                                               "Description": "Remarks"}))


# ------------------------------------------------------------------------------ templates
TEMPLATE = """
name: acme-bestellung
keywords: ["ACME RETAIL", "Bestellnummer"]
po_number: 'Bestellnummer:\\s*(?P<value>\\S+)'
po_date: 'Datum:\\s*(?P<value>\\S+)'
date_order: dmy
currency_code: CHF
buyer_name: ACME Retail GmbH
lines:
  columns:
    vendor_part: ["Artikel"]
    description: ["Bezeichnung"]
    quantity: ["Menge"]
    unit_price: ["Preis"]
"""
GERMAN = {"Vendor Part": "Artikel", "Description": "Bezeichnung", "Qty": "Menge",
          "Unit Price": "Preis", "Amount": "Betrag", "UoM": "Einh.", "Line": "Pos"}


def german_po() -> bytes:
    return build_po_pdf(PoSpec(sample_lines(3), po_label="Bestellnummer:", po_number="B-77",
                               date_label="Datum:", date_text="03/04/2026", words=GERMAN))


def test_template_reads_what_the_generic_reader_cannot(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(TEMPLATE, encoding="utf-8")
    templates = load_templates(tmp_path)
    with pytest.raises(PdfError, match="generic PDF reader"):
        extract_pdf_order(german_po())
    result = extract_pdf_order(german_po(), templates=templates)
    assert (result.template, result.po_number, result.po_date, result.currency, result.buyer_name) == (
        "acme-bestellung", "B-77", date(2026, 4, 3), "CHF", "ACME Retail GmbH")
    assert [line.vendor_part for line in result.lines] == ["SKU-0001", "SKU-0002", "SKU-0003"]
    assert result.confidence["po_date"] >= 0.9  # the template says day first


def test_template_not_matching_leaves_the_generic_reader(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(TEMPLATE, encoding="utf-8")
    result = extract(PoSpec(sample_lines(2)), templates=load_templates(tmp_path))
    assert result.template is None and result.po_number == "PO-4711"


@pytest.mark.parametrize("change, field", [
    (("po_number: 'Bestellnummer:\\s*(?P<value>\\S+)'", "po_number: 'Bestellnummer: (\\S+)'"), "po_number"),
    (("po_date: 'Datum", "po_date: '(Datum"), "po_date"),
    (("currency_code: CHF", "currency_code: CHF\ncolour: red"), "colour"),
    (('    quantity: ["Menge"]\n', ""), "lines.columns"),
    (("date_order: dmy", "date_order: dd.mm"), "date_order"),
])
def test_bad_template_fails_loudly_naming_file_and_field(tmp_path: Path, change: tuple[str, str],
                                                         field: str) -> None:
    old, new = change
    assert old in TEMPLATE
    (tmp_path / "broken.yaml").write_text(TEMPLATE.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"broken\.yaml: .*field {field}"):
        load_templates(tmp_path)


def test_bundled_templates_load() -> None:
    names = {t.name for t in load_templates(DEFAULT_TEMPLATE_DIR)}
    assert {"decathlon-es-factura", "odoo-quotation"} <= names


def test_unreadable_template_yaml(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x\.yaml: not valid YAML"):
        load_templates(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_templates(tmp_path / "nowhere")


# ------------------------------------------------------------------------------ bad files, limits
def test_encrypted_pdf() -> None:
    with pytest.raises(PdfError, match="encrypted with a password"):
        extract(PoSpec(sample_lines(2), password="secret"))


def test_too_many_pages() -> None:
    content = build_po_pdf(PoSpec(sample_lines(2), extra_pages=4))
    with pytest.raises(PdfError, match="5 pages, more than the limit of 3"):
        extract_pdf_order(content, limits=PdfLimits(max_pages=3))
    assert extract_pdf_order(content, limits=PdfLimits(max_pages=5)).pages == 5


def test_time_limit_is_checked_between_pages() -> None:
    with pytest.raises(PdfError, match="longer than 0 s .*before page 1 of 1"):
        extract(PoSpec(sample_lines(2)), limits=PdfLimits(max_seconds=0.0))


def test_pdf_without_text_layer() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)
    with pytest.raises(PdfError, match="no text layer.*OCR"):
        extract_pdf_order(bytes(pdf.output()))


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04 this is a zip", "not a PDF"),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "damaged"),
    (b"", "not a PDF"),
])
def test_corrupt_bytes(content: bytes, message: str) -> None:
    with pytest.raises(PdfError, match=message):
        extract_pdf_order(content)


def test_truncated_pdf_is_an_error_not_a_traceback() -> None:
    content = build_po_pdf(PoSpec(sample_lines(5)))
    for cut in (len(content) // 3, len(content) // 2, len(content) - 40):
        try:
            result = extract_pdf_order(content[:cut])
        except DocumentError as exc:
            assert str(exc)
        else:  # pdfminer may rebuild what is left; then it must still be a whole reading
            assert result.po_number == "PO-4711"


# ------------------------------------------------------------------------------ values
@pytest.mark.parametrize("text, style, value, ambiguous", [
    ("1,234.56", None, "1234.56", False), ("1.234,56", None, "1234.56", False),
    ("1,234", "us", "1234", True), ("1,234", "eu", "1.234", True), ("12,5", None, "12.5", False),
    ("35.0000", None, "35.0000", False), ("1.234.567", None, "1234567", False),
    ("(5.00)", None, "-5.00", False), ("€ 19.99", None, "19.99", False),
])
def test_parse_number(text: str, style, value: str, ambiguous: bool) -> None:
    parsed = parse_number(text, style)
    assert parsed is not None and parsed.value == Decimal(value) and parsed.ambiguous is ambiguous


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12-34"])
def test_not_a_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("text, order, expected, at_least, at_most", [
    ("2026-12-31", None, date(2026, 12, 31), 0.95, 1.0),
    ("31.12.2026", None, date(2026, 12, 31), 0.9, 1.0),
    ("12/31/2026", None, date(2026, 12, 31), 0.9, 1.0),
    ("31-Dec-2026", None, date(2026, 12, 31), 0.95, 1.0),
    ("15-Jul-26", None, date(2026, 7, 15), 0.85, 0.95),
    ("Dec 31, 2026", None, date(2026, 12, 31), 0.9, 1.0),
    ("03/04/2026", None, date(2026, 3, 4), 0.0, 0.5),
    ("03/04/2026", "dmy", date(2026, 4, 3), 0.9, 1.0),
    ("03.04.2026", None, date(2026, 4, 3), 0.7, 0.85),
])
def test_parse_date(text: str, order, expected: date, at_least: float, at_most: float) -> None:
    parsed = parse_date(text, order)
    assert parsed is not None and parsed.value == expected
    assert at_least <= parsed.confidence <= at_most


def test_impossible_date_is_not_a_date() -> None:
    assert parse_date("31/31/2026") is None


# ------------------------------------------------------------------------------ mapping
def test_sales_order_from_pdf() -> None:
    lines = [PoLine("AB-100", ("Hex bolt", "zinc plated"), "12", "EA", "1.50"),
             PoLine("AB-200", ("Washer",), "3", "BOX", None)]
    extraction = extract(PoSpec(lines, lines_per_page=1))
    order = sales_order_from_pdf(extraction, source_key="mail-1/po.pdf", channel="email",
                                 partner_id="email:buyer@acme.example", customer_id="C-1")
    assert (order.format, order.po_number, order.po_date, order.currency, order.customer_id) == (
        "pdf-po", "PO-4711", date(2026, 3, 15), "EUR", "C-1")
    assert [(l.line_number, l.vendor_part, l.description, l.quantity, l.uom, l.unit_price,
             l.source_position) for l in order.lines] == [
        (1, "AB-100", "Hex bolt zinc plated", Decimal("12"), "EA", Decimal("1.50"), 1),
        (2, "AB-200", "Washer", Decimal("3"), "BOX", None, 2)]
    assert extraction.ship_to is not None and extraction.ship_to.street
    assert order.ship_to is not None
    assert order.ship_to.model_dump(exclude_defaults=True) == extraction.ship_to.filled()


def test_sales_order_needs_lines() -> None:
    extraction = PdfExtraction(template=None, po_number="X", lines=[], confidence={})
    with pytest.raises(MappingError, match="no lines"):
        sales_order_from_pdf(extraction, source_key="k", channel="email", partner_id="p",
                             customer_id=None)



def test_parse_number_of_a_million_digits_keeps_its_sign_without_overflowing() -> None:
    parsed = parse_number("-" + "9" * 1_000_001)
    assert parsed is not None and parsed.value < 0 and parsed.value.adjusted() == 1_000_000
