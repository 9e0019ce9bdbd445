"""The PDF confirmation, read back with pdfplumber: header, line table rows, pages, fonts."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest

from ordergate.orders.model import (
    CheckedOrder,
    LineOutcome,
    LineStatus,
    OrderLine,
    OrderStatus,
    SalesOrder,
    accepted_total,
)
from ordergate.orders.prepared import L_REASON, L_STATUS, PreparedOrder, prepare_order
from ordergate.sinks.email.confirmation_pdf import DEJAVU_DIR, render_confirmation_pdf
from tests.kit.strict import require

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
HEADINGS = ["#", "Item", "Description", "Qty", "Unit", "Unit price", "Status"]
POLISH = "Żółty ołówek"
GREEK = "Μολύβι"


@pytest.fixture
def dejavu() -> Path:
    require((DEJAVU_DIR / "DejaVuSans.ttf").is_file(),
            f"DejaVu fonts not in {DEJAVU_DIR}: install the fonts-dejavu-core package")
    return DEJAVU_DIR


def _order(descriptions: list[str]) -> PreparedOrder:
    """Every third line is an unknown item; the others are accepted."""
    lines, outcomes = [], []
    for number, description in enumerate(descriptions, start=1):
        lines.append(OrderLine(line_number=number, buyer_part=f"BP{number}",
                               description=description, quantity=Decimal(number),
                               uom="EA", unit_price=Decimal("2.50")))
        if number % 3 == 0:
            outcomes.append(LineOutcome(line_number=number, status=LineStatus.UNKNOWN_ITEM,
                                        unit_price=Decimal("2.50"), reason=f"line {number}: unknown item (tried buyer part "
                                               f"'BP{number}')"))
        else:
            outcomes.append(LineOutcome(line_number=number, sku=f"SKU{number}",
                                        unit_price=Decimal("2.50")))
    sales = SalesOrder(source_key="mail-9/0", channel="email", format="email-pdf",
                       partner_id="email:buyer.example", customer_id="C100",
                       po_number="PO-2026-0815", po_date=date(2026, 11, 20), currency="PLN",
                       lines=lines)
    return prepare_order(CheckedOrder(order=sales, status=OrderStatus.ACCEPTED, lines=outcomes,
                                      total=accepted_total(sales, outcomes)))


def _read(pdf_bytes: bytes) -> tuple[str, list[list[list[str]]], set[str]]:
    """All text, each page's table rows (cells with line breaks undone) and the font names."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
        tables = []
        for page in pdf.pages:
            found = page.extract_tables()
            assert len(found) == 1, f"page {page.page_number} has {len(found)} tables"
            tables.append([[" ".join((cell or "").split()) for cell in row] for row in found[0]])
        fonts = {char["fontname"] for page in pdf.pages for char in page.chars}
    return text, tables, fonts


def test_header_and_one_row_per_line_with_status_and_reason(dejavu: Path) -> None:
    order = _order(["Blue pen", "Red pen", "Green pen"])
    text, tables, _ = _read(render_confirmation_pdf(order, 42, company="Ordergate Sp. z o.o.",
                                                    now=NOW, font_dir=dejavu))

    assert "Ordergate Sp. z o.o." in text
    assert "Purchase order PO-2026-0815" in text
    assert "Our order 42" in text
    assert "Total of accepted lines: 7.50 PLN" in text  # 1 x 2.50 + 2 x 2.50
    assert "3 lines: 2 accepted, 1 unknown item" in text
    assert tables == [[
        HEADINGS,
        ["1", "SKU1 (your part BP1)", "Blue pen", "1", "EA", "2.50", "accepted"],
        ["2", "SKU2 (your part BP2)", "Red pen", "2", "EA", "2.50", "accepted"],
        ["3", "your part BP3", "Green pen", "3", "EA", "2.50",
         "unknown item - unknown item (tried buyer part 'BP3')"],
    ]]


def test_any_line_status_is_written_in_words() -> None:
    order = _order(["Blue pen"])
    line = list(order.lines[0])
    line[L_STATUS], line[L_REASON] = "backordered", "ships in week 49"
    _, tables, _ = _read(render_confirmation_pdf(order._replace(lines=(tuple(line),)), 1,
                                                 company="Ordergate", now=NOW))

    assert tables[0][1][-1] == "backordered - ships in week 49"


def test_long_orders_run_over_pages_repeating_the_table_header(dejavu: Path) -> None:
    long_text = "Extra long description that has to wrap inside its cell " * 3
    descriptions = [long_text if n % 5 == 0 else f"Pen {n}" for n in range(1, 121)]
    order = _order(descriptions)
    text, tables, _ = _read(render_confirmation_pdf(order, 43, company="Ordergate", now=NOW,
                                                    font_dir=dejavu))

    assert len(tables) > 2
    assert all(table[0] == HEADINGS for table in tables)
    rows = [row for table in tables for row in table[1:]]
    assert [row[0] for row in rows] == [str(n) for n in range(1, 121)]
    for n, row in enumerate(rows, start=1):
        assert row[1] == (f"your part BP{n}" if n % 3 == 0 else f"SKU{n} (your part BP{n})")
        assert row[2] == " ".join(descriptions[n - 1].split())
        assert row[6].startswith("unknown item" if n % 3 == 0 else "accepted")
    assert f"page {len(tables)} of {len(tables)}" in text


def test_dejavu_prints_polish_and_greek_and_marks_missing_glyphs(dejavu: Path) -> None:
    order = _order([POLISH, GREEK, "鉛筆 pencil"])
    _, tables, fonts = _read(render_confirmation_pdf(order, 44, company="Ołówki Sp. z o.o.",
                                                     now=NOW, font_dir=dejavu))

    assert [row[2] for row in tables[0][1:]] == [POLISH, GREEK, "?? pencil"]
    assert fonts and all("DejaVuSans" in font for font in fonts)


def test_a_latin1_confirmation_is_set_in_helvetica_as_written_and_small(dejavu: Path) -> None:
    latin1 = _order(["Grüne Schraube M8", "Café crème"])
    pdf = render_confirmation_pdf(latin1, 46, company="Müller & Söhne GmbH", now=NOW,
                                  font_dir=dejavu)
    text, tables, fonts = _read(pdf)

    assert [row[2] for row in tables[0][1:]] == ["Grüne Schraube M8", "Café crème"]
    assert "Müller & Söhne GmbH" in text
    assert fonts and all("Helvetica" in font for font in fonts)
    assert len(pdf) < 8_000  # nothing embedded (a DejaVu subset alone is over 15 KB)


@pytest.mark.parametrize("where", ["company", "line", "hold reason"])
def test_one_text_outside_latin1_sets_the_whole_confirmation_in_dejavu(dejavu: Path, where: str) -> None:
    order = _order(["Grüne Schraube M8", GREEK if where == "line" else "Mutter M8"])
    if where == "hold reason":
        order = order._replace(status="held", hold_reasons=(f"line 2: price for {POLISH} differs",))
    _, tables, fonts = _read(render_confirmation_pdf(
        order, 47, company=POLISH if where == "company" else "Ordergate", now=NOW, font_dir=dejavu))

    assert tables[0][1][2] == "Grüne Schraube M8"
    assert fonts and all("DejaVuSans" in font for font in fonts)


def test_control_characters_print_as_question_marks_in_either_font(dejavu: Path) -> None:
    # Helvetica is declared WinAnsiEncoding: 0x80 would print as "€", 0x96 as "–", and C0
    # controls as nothing at all, had they been sent to it as they are.
    order = _order(["Price \x80 12 \x96 net \x92s", "a\x01b\x7fc\x9dd", "Grün\xa0x"])
    for font_dir in (dejavu, None):
        _, tables, _ = _read(render_confirmation_pdf(order, 48, company="Ordergate", now=NOW,
                                                     font_dir=font_dir))

        assert [row[2] for row in tables[0][1:]] == ["Price ? 12 ? net ?s", "a?b?c?d", "Grün x"]


def test_without_dejavu_helvetica_prints_latin1_and_replaces_the_rest(tmp_path: Path) -> None:
    order = _order([POLISH, GREEK, "Café “crème” – 1€"])
    for font_dir in (None, tmp_path):  # no folder, and a folder without the fonts
        _, tables, fonts = _read(render_confirmation_pdf(order, 45, company="Ołówki", now=NOW,
                                                         font_dir=font_dir))

        assert [row[2] for row in tables[0][1:]] == ["Zólty olówek", "??????",
                                                     'Café "crème" - 1EUR']
        assert fonts and all("Helvetica" in font for font in fonts)
