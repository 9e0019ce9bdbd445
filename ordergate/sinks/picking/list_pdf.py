"""The pick list as the warehouse prints it: one row per line to pick, a box to tick for each.

Rows come in the order the pick list gives them (by location, then SKU: the walk through the
warehouse), so the renderer never sorts. Every row is one text line high, so a page holds as
many rows as it can and a picker's eye does not lose the row: a description too long for its
column is cut to fit and ends in an ellipsis; the SKU, location and order say what to pick.
The table header repeats on every page, and every page says "page n of m".

Set in Helvetica, or in DejaVu Sans when a text needs it (``fonts``). Pure: the PDF's creation
date is the pick list's, so the same pick list renders to the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from ordergate.fulfilment.model import PickLine, PickList
from ordergate.orders.numbers import quantity_text
from ordergate.sinks.pdf_fonts import (
    DEJAVU_DIR,
    HELVETICA,
    HELVETICA_AS_IS,
    NotLatin1,
    PdfFont,
    dejavu_files,
    load_dejavu,
)

COLUMNS = ("Location", "SKU", "Description", "Qty", "Order / PO", "Picked")
_WIDTHS = (24, 34, 66, 20, 32, 14)  # mm, summing to the 190 mm between A4 margins
_ALIGN = ("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "CENTER")
_DESCRIPTION = COLUMNS.index("Description")
_TABLE_SIZE = 9  # pt
_ROW_HEIGHT = 6  # mm: room to tick a box by hand


class _PickListPdf(FPDF):
    """A4 with a footer naming the pick list on every page (fpdf2 draws it from ``footer``)."""

    footer_text = ""
    footer_family = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.footer_family, size=8)
        self.cell(0, 5, f"{self.footer_text} - page {self.page_no()} of {{nb}}", align="C")


def render_pick_list_pdf(pick: PickList, *, font_dir: Path | None = DEJAVU_DIR) -> bytes:
    """The pick list as A4 PDF bytes; ``font_dir=None`` forces Helvetica."""
    dejavu = dejavu_files(font_dir)
    if dejavu is None:
        return _render(pick, lambda pdf: HELVETICA)
    try:  # every text from the order or the stock goes through the font's ``clean``: the
        # first that is not Latin-1 stops this attempt, and the list is set again in DejaVu
        return _render(pick, lambda pdf: HELVETICA_AS_IS)
    except NotLatin1:
        return _render(pick, lambda pdf: load_dejavu(pdf, dejavu))


def _render(pick: PickList, load_font: Callable[[FPDF], PdfFont]) -> bytes:
    pdf = _PickListPdf(orientation="portrait", unit="mm", format="A4")
    font = load_font(pdf)
    title = font.clean(_one_line(f"Pick list {pick.pick_list_id}"))
    pdf.footer_family = font.family
    pdf.footer_text = title
    pdf.set_title(title)
    pdf.set_creation_date(pick.created_at)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    pdf.set_font(font.family, "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font.family, "", 10)
    created = pick.created_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    pdf.cell(0, 6, f"Created {created}", new_x="LMARGIN", new_y="NEXT")
    count = len(pick.lines)
    pdf.cell(0, 6, f"{count} line{'' if count == 1 else 's'} to pick", new_x="LMARGIN",
             new_y="NEXT")
    pdf.ln(3)

    pdf.set_font(font.family, "", _TABLE_SIZE)  # the font ``_fit`` measures with
    with pdf.table(col_widths=_WIDTHS, text_align=_ALIGN, line_height=_ROW_HEIGHT,
                   repeat_headings=1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230))) as table:
        table.row(COLUMNS)
        for line in pick.lines:
            table.row(_cells(pdf, font, line))
    return bytes(pdf.output())


def _cells(pdf: FPDF, font: PdfFont, line: PickLine) -> list[str]:
    location = _one_line(line.location or "")
    quantity = " ".join(part for part in (quantity_text(line.quantity), line.uom or "") if part)
    order = f"{line.order_id} / {line.po_number}" if line.po_number else str(line.order_id)
    description = font.clean(_one_line(line.description or ""))
    return [font.clean(location) if location else font.dash,
            font.clean(_one_line(line.sku)),
            _fit(pdf, description, _WIDTHS[_DESCRIPTION], font.ellipsis),
            font.clean(_one_line(quantity)),
            font.clean(_one_line(order)),
            ""]  # the box to tick: an empty bordered cell


def _one_line(text: str) -> str:
    # A line break in a description or a PO number would make the row taller than the others.
    return " ".join(text.split())


def _fit(pdf: FPDF, text: str, width: float, ellipsis: str) -> str:
    """``text`` as it is when it fits on one line of a ``width`` mm cell, else its longest
    start that fits followed by ``ellipsis``."""
    room = width - 2 * pdf.c_margin
    if pdf.get_string_width(text) <= room:
        return text
    low, high = 0, len(text)  # the longest prefix that fits is text[:low]
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(text[:middle].rstrip() + ellipsis) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ellipsis
