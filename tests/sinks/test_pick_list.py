"""The pick list renders: the CSV read back with ``csv``, the PDF read back with pdfplumber."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest

from ordergate.fulfilment.model import PickLine, PickList
from ordergate.sinks.pdf_fonts import DEJAVU_DIR
from ordergate.sinks.picking import render_pick_list_csv, render_pick_list_pdf
from tests.kit.strict import require

CREATED = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
CSV_COLUMNS = ["pick_list_id", "location", "sku", "description", "quantity", "uom", "order_id",
               "po_number", "customer_id", "line_number"]
HEADINGS = ["Location", "SKU", "Description", "Qty", "Order / PO", "Picked"]
POLISH = "Żółty ołówek"
GREEK = "Μολύβι"


@pytest.fixture
def dejavu() -> Path:
    require((DEJAVU_DIR / "DejaVuSans.ttf").is_file(),
            f"DejaVu fonts not in {DEJAVU_DIR}: install the fonts-dejavu-core package")
    return DEJAVU_DIR


def _pick(lines: list[PickLine]) -> PickList:
    return PickList(pick_list_id="PL-000042", created_at=CREATED, lines=tuple(lines))


def _three() -> PickList:
    # Given by location, then SKU; the bin-less line last, as the caller sorts it.
    return _pick([
        PickLine(order_id=42, line_number=2, sku="PEN-RED", quantity=Decimal("2.5000"),
                 location="A-01-1", uom="EA", description="Red pen", customer_id="C100",
                 po_number="4711"),
        PickLine(order_id=43, line_number=1, sku="INK-BLK", quantity=Decimal("12"),
                 location="B-07-3", uom="CS", description="=HYPERLINK(\"http://x\",\"y\")",
                 customer_id="C200", po_number="-PO-9"),
        PickLine(order_id=42, line_number=1, sku="PAD-A4", quantity=Decimal("1.0000"),
                 location=None, uom=None, description=None, customer_id=None, po_number=None),
    ])


def _csv_rows(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))


def _read_pdf(pdf_bytes: bytes) -> tuple[list[str], list[list[list[str]]], set[str]]:
    """Each page's text, each page's table rows (raw cell text) and the font names."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
        tables = []
        for page in pdf.pages:
            found = page.extract_tables()
            assert len(found) == 1, f"page {page.page_number} has {len(found)} tables"
            tables.append([[cell or "" for cell in row] for row in found[0]])
        fonts = {char["fontname"] for page in pdf.pages for char in page.chars}
    return texts, tables, fonts


# ---------------------------------------------------------------- CSV
def test_csv_has_the_columns_and_one_row_per_line_in_the_given_order() -> None:
    payload = render_pick_list_csv(_three())

    assert payload.count(b"\r\n") == 4 and b"\n" not in payload.replace(b"\r\n", b"")
    assert _csv_rows(payload) == [
        CSV_COLUMNS,
        ["PL-000042", "A-01-1", "PEN-RED", "Red pen", "2.5", "EA", "42", "4711", "C100", "2"],
        # A formula-looking description and PO number are neutralised with a leading quote.
        ["PL-000042", "B-07-3", "INK-BLK", "'=HYPERLINK(\"http://x\",\"y\")", "12", "CS", "43",
         "'-PO-9", "C200", "1"],
        ["PL-000042", "", "PAD-A4", "", "1", "", "42", "", "", "1"],
    ]


def test_csv_keeps_text_outside_latin1_and_an_empty_list_is_the_header() -> None:
    line = PickLine(order_id=1, line_number=1, sku="OŁ-1", quantity=Decimal("3"),
                    location="Półka 3", description=POLISH)
    rows = _csv_rows(render_pick_list_csv(_pick([line])))

    assert rows[1][1:4] == ["Półka 3", "OŁ-1", POLISH]
    assert _csv_rows(render_pick_list_csv(_pick([]))) == [CSV_COLUMNS]


# ---------------------------------------------------------------- PDF
@pytest.mark.parametrize("font_dir", [DEJAVU_DIR, None], ids=["fonts present", "no fonts"])
def test_pdf_lists_every_line_in_the_given_order(font_dir: Path | None) -> None:
    texts, tables, fonts = _read_pdf(render_pick_list_pdf(_three(), font_dir=font_dir))

    assert texts[0].startswith("Pick list PL-000042\nCreated 2026-11-21 09:30 UTC\n3 lines to pick")
    assert tables == [[
        HEADINGS,
        ["A-01-1", "PEN-RED", "Red pen", "2.5 EA", "42 / 4711", ""],
        ["B-07-3", "INK-BLK", "=HYPERLINK(\"http://x\",\"y\")", "12 CS", "43 / -PO-9", ""],
        ["—", "PAD-A4", "", "1", "42", ""],  # no location known: a dash, in either font
    ]]
    assert "page 1 of 1" in texts[0]
    assert fonts and all("Helvetica" in font for font in fonts)  # all Latin-1: nothing embedded


def test_a_long_list_runs_over_pages_repeating_the_header_and_numbering_them() -> None:
    lines = [PickLine(order_id=100 + n % 4, line_number=n, sku=f"SKU-{n:03d}",
                      quantity=Decimal(n) / 4, location=f"R{n // 10:02d}-{n % 10}", uom="EA",
                      description=f"Part {n}", po_number=f"PO-{n % 4}")
             for n in range(1, 121)]
    texts, tables, _ = _read_pdf(render_pick_list_pdf(_pick(lines)))

    pages = len(tables)
    assert pages >= 3
    assert all(table[0] == HEADINGS for table in tables)
    for number, text in enumerate(texts, start=1):
        assert f"Pick list PL-000042 - page {number} of {pages}" in text
    assert "page 2 of" in texts[1]
    rows = [row for table in tables for row in table[1:]]
    assert rows == [[f"R{n // 10:02d}-{n % 10}", f"SKU-{n:03d}", f"Part {n}",
                     f"{n / 4:g} EA",  # 0.25, 0.5, 0.75, 1, ...
                     f"{100 + n % 4} / PO-{n % 4}", ""]
                    for n in range(1, 121)]


def test_a_long_description_is_cut_to_one_line_of_its_column(dejavu: Path) -> None:
    long_text = "Stainless steel hex bolt M8 x 40 DIN 933, zinc plated, box of two hundred pieces"
    for font_dir in (dejavu, None):
        lines = [PickLine(order_id=1, line_number=1, sku="BOLT-M8", quantity=Decimal(1),
                          location="A-1", description=long_text),
                 PickLine(order_id=1, line_number=2, sku="NUT-M8", quantity=Decimal(2),
                          location="A-2", description="Nut\nM8")]
        _, tables, _ = _read_pdf(render_pick_list_pdf(_pick(lines), font_dir=font_dir))

        cut = tables[0][1][2]
        assert "\n" not in cut and cut.endswith("…")
        assert 20 < len(cut) < len(long_text) and long_text.startswith(cut[:-1])
        assert tables[0][1][1] == "BOLT-M8" and tables[0][1][3] == "1"
        assert tables[0][2][2] == "Nut M8"  # a line break in a description does not break the row


def test_text_outside_latin1_is_set_in_dejavu(dejavu: Path) -> None:
    lines = [PickLine(order_id=1, line_number=n, sku=f"SKU-{n}", quantity=Decimal(n),
                      location=location, description=description)
             for n, (location, description) in enumerate(
                 [("Półka 1", POLISH), ("A-2", GREEK), (None, "鉛筆 pencil")], start=1)]
    _, tables, fonts = _read_pdf(render_pick_list_pdf(_pick(lines), font_dir=dejavu))

    assert [row[:3] for row in tables[0][1:]] == [["Półka 1", "SKU-1", POLISH],
                                                  ["A-2", "SKU-2", GREEK],
                                                  ["—", "SKU-3", "?? pencil"]]
    assert fonts and all("DejaVuSans" in font for font in fonts)


def test_without_dejavu_helvetica_replaces_what_it_cannot_print(tmp_path: Path) -> None:
    lines = [PickLine(order_id=1, line_number=1, sku="SKU-1", quantity=Decimal(1),
                      location="Półka 1", description=POLISH)]
    _, tables, fonts = _read_pdf(render_pick_list_pdf(_pick(lines), font_dir=tmp_path))

    assert tables[0][1][:3] == ["Pólka 1", "SKU-1", "Zólty olówek"]
    assert fonts and all("Helvetica" in font for font in fonts)


def test_the_same_pick_list_renders_to_the_same_bytes() -> None:
    assert render_pick_list_pdf(_three()) == render_pick_list_pdf(_three())
