"""PDF purchase-order benchmark, and the fpdf2 generator of test POs it shares with the tests.

Measures ``extract_pdf_order`` (generic reader, no template) on a generated one-page PO with
20 lines, and on a 5-page PO whose line table runs across pages, as one-page POs/s and
pages/s (best of a few rounds).

    python -m benchmarks.bench_pdf_extract [--rounds N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from fpdf import FPDF

# Columns of the generated table: header text, x and width in mm, alignment.
_COLUMNS = (("Line", 12, 10, "L"), ("Vendor Part", 24, 28, "L"), ("Description", 55, 62, "L"),
            ("Qty", 118, 16, "R"), ("UoM", 138, 12, "L"), ("Unit Price", 150, 22, "R"),
            ("Amount", 174, 24, "R"))
_ROW = 5.0  # mm


@dataclass(frozen=True)
class PoLine:
    vendor_part: str
    description: Sequence[str]  # one string per printed row
    quantity: str  # as printed, e.g. "12" or "1.250,5"
    uom: str = "EA"
    unit_price: str | None = "10.00"
    amount: str | None = None


@dataclass(frozen=True)
class PoSpec:
    lines: Sequence[PoLine]
    po_label: str = "PO Number:"
    po_number: str = "PO-4711"
    date_label: str = "Order Date:"
    date_text: str = "2026-03-15"
    buyer: str = "ACME RETAIL GMBH"
    currency: str = "EUR"
    ship_to: Sequence[str] = ("ACME Warehouse North", "12 Dock Road", "Springfield, IL 62701", "US")
    lines_per_page: int = 25
    repeat_header: bool = True
    extra_pages: int = 0  # blank-ish pages appended (for the page limit)
    password: str | None = None
    words: dict[str, str] = field(default_factory=dict)  # header text → replacement


def sample_lines(count: int) -> list[PoLine]:
    return [PoLine(f"SKU-{i:04d}", (f"Widget model {i}",), str(i % 7 + 1), "EA",
                   f"{(i % 5) * 2 + 3}.50", None) for i in range(1, count + 1)]


def build_po_pdf(spec: PoSpec) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.alias_nb_pages()
    if spec.password:
        pdf.set_encryption(owner_password="owner-" + spec.password, user_password=spec.password)
    pdf.add_page()
    _header_block(pdf, spec)
    y = _table_header(pdf, 95, spec)
    on_page = 0
    for number, line in enumerate(spec.lines, start=1):
        if on_page == spec.lines_per_page:
            _footer(pdf)
            pdf.add_page()
            pdf.set_font("Helvetica", "B", 11)
            pdf.text(12, 15, f"{spec.buyer} - order {spec.po_number} (continued)")
            y = _table_header(pdf, 25, spec) if spec.repeat_header else 25.0
            on_page = 0
        y = _line(pdf, y, number, line)
        on_page += 1
    pdf.set_font("Helvetica", "B", 9)
    pdf.text(120, y + 6, "Total amount")
    _footer(pdf)
    for _ in range(spec.extra_pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "", 9)
        pdf.text(12, 20, "Terms and conditions apply.")
        _footer(pdf)
    return bytes(pdf.output())


def _header_block(pdf: FPDF, spec: PoSpec) -> None:
    pdf.set_font("Helvetica", "B", 16)
    pdf.text(12, 18, spec.buyer)
    pdf.set_font("Helvetica", "B", 13)
    pdf.text(12, 28, spec.words.get("PURCHASE ORDER", "PURCHASE ORDER"))
    pdf.set_font("Helvetica", "", 10)
    pdf.text(12, 40, f"{spec.po_label} {spec.po_number}")
    pdf.text(12, 46, f"{spec.date_label} {spec.date_text}")
    pdf.text(12, 52, f"Currency: {spec.currency}")
    pdf.text(120, 40, "Ship To:")
    for i, text in enumerate(spec.ship_to):
        pdf.text(120, 46 + 5 * i, text)


def _table_header(pdf: FPDF, y: float, spec: PoSpec) -> float:
    pdf.set_font("Helvetica", "B", 9)
    for title, x, width, align in _COLUMNS:
        pdf.set_xy(x, y)
        pdf.cell(width, _ROW, spec.words.get(title, title), align=align)
    return y + _ROW + 2


def _line(pdf: FPDF, y: float, number: int, line: PoLine) -> float:
    pdf.set_font("Helvetica", "", 9)
    values = (str(number), line.vendor_part, line.description[0] if line.description else "",
              line.quantity, line.uom, line.unit_price or "", line.amount or "")
    for (_, x, width, align), value in zip(_COLUMNS, values):
        pdf.set_xy(x, y)
        pdf.cell(width, _ROW, value, align=align)
    for extra in line.description[1:]:
        y += _ROW - 1
        pdf.set_xy(55, y)
        pdf.cell(62, _ROW, extra)
    return y + _ROW + 1


def _footer(pdf: FPDF) -> None:
    pdf.set_font("Helvetica", "", 8)
    pdf.text(170, 287, f"Page {pdf.page_no()} of {{nb}}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    from ordergate.parsers.pdf.extract import extract_pdf_order

    one_page = build_po_pdf(PoSpec(sample_lines(20)))
    five_pages = build_po_pdf(PoSpec(sample_lines(100), lines_per_page=20))
    for label, content, pages in (("one-page PO, 20 lines", one_page, 1),
                                  ("5-page PO, 100 lines", five_pages, 5)):
        repeat = 20 if pages == 1 else 4
        best = float("inf")
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(repeat):
                extract_pdf_order(content)
            best = min(best, (time.perf_counter() - start) / repeat)
        print(f"{label}: {1 / best:6.1f} POs/s, {pages / best:6.1f} pages/s "
              f"({best * 1000:.1f} ms per PO)")


if __name__ == "__main__":
    main()
