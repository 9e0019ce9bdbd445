"""The PDF order confirmation attached to an email reply: header, line table, totals.

Rendered with fpdf2 from the rows the store wrote (a ``PreparedOrder``), so the PDF says exactly
what was stored. A confirmation whose every text is Latin-1 (most) is set in the core
Helvetica: nothing to parse or embed, so it renders in about a third of the time and a tenth
of the size. Any other is set in DejaVu Sans (Debian package ``fonts-dejavu-core``), which
covers Latin, Greek and Cyrillic; characters it lacks (CJK, for instance) print as "?" rather
than vanish. Without DejaVu, Helvetica prints everything, simplifying or replacing what lies
outside Latin-1.
``line_views`` is shared with the email body so both show a line the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from fpdf import FPDF
from fpdf.fonts import FontFace

from ordergate.orders.numbers import tidy_money, tidy_quantity
from ordergate.orders.prepared import (
    L_BUYER_PART,
    L_DESCRIPTION,
    L_GTIN,
    L_NUMBER,
    L_QUANTITY,
    L_REASON,
    L_SKU,
    L_STATUS,
    L_UNIT_PRICE,
    L_UOM,
    L_VENDOR_PART,
    PreparedOrder,
)
from ordergate.sinks.pdf_fonts import (
    DEJAVU_DIR,
    HELVETICA,
    HELVETICA_AS_IS,
    NotLatin1,
    PdfFont,
    dejavu_files,
    load_dejavu,
)

# Words for the line statuses the store writes today; statuses added later ("backordered",
# "changed", ...) still read sensibly through the underscore fallback in ``status_words``.
_STATUS_WORDS = {"accepted": "accepted", "unknown_item": "unknown item", "rejected": "rejected",
                 "backordered": "backordered", "changed": "accepted with changes"}
_ORDER_STATUS_WORDS = {"accepted": "accepted", "held": "received, under review",
                       "rejected": "rejected", "duplicate": "duplicate (already received)"}
# The checks prefix reasons with "line N: " for logs; in a table row that names the line already
# it is noise.
_LINE_PREFIX = re.compile(r"^line \d+:\s*", re.IGNORECASE)

_COLUMNS = ("#", "Item", "Description", "Qty", "Unit", "Unit price", "Status")
_WIDTHS = (8, 30, 50, 15, 11, 20, 56)  # mm, summing to the 190 mm between A4 margins
_ALIGN = ("RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT", "LEFT")


class LineView(NamedTuple):
    """One order line as text for people: what the PDF table and the email body print."""

    number: str
    item: str
    description: str
    quantity: str
    unit: str
    unit_price: str
    status: str  # status words, then " - " and the reason when there is one


def status_words(status: str) -> str:
    return _STATUS_WORDS.get(status, status.replace("_", " "))


def order_status_words(status: str) -> str:
    return _ORDER_STATUS_WORDS.get(status, status.replace("_", " "))


def money_text(value: Decimal | None) -> str:
    return "" if value is None else format(tidy_money(value), "f")


def _item_text(line: tuple) -> str:
    sku, buyer_part = line[L_SKU], line[L_BUYER_PART]
    if sku:
        return f"{sku} (your part {buyer_part})" if buyer_part and buyer_part != sku else sku
    if buyer_part:
        return f"your part {buyer_part}"
    if line[L_VENDOR_PART]:
        return line[L_VENDOR_PART]
    return f"GTIN {line[L_GTIN]}" if line[L_GTIN] else ""


def _status_text(line: tuple) -> str:
    words = status_words(line[L_STATUS])
    reason = _LINE_PREFIX.sub("", line[L_REASON] or "")
    return f"{words} - {reason}" if reason else words


def line_views(order: PreparedOrder) -> list[LineView]:
    return [LineView(str(line[L_NUMBER]), _item_text(line), line[L_DESCRIPTION] or "",
                     "" if line[L_QUANTITY] is None else format(tidy_quantity(line[L_QUANTITY]), "f"),
                     line[L_UOM] or "", money_text(line[L_UNIT_PRICE]), _status_text(line))
                for line in order.lines]


class _ConfirmationPdf(FPDF):
    """A4 with a footer naming the order on every page (fpdf2 draws it from ``footer``)."""

    footer_text = ""
    footer_family = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.footer_family, size=8)
        self.cell(0, 5, f"{self.footer_text} - page {self.page_no()} of {{nb}}", align="C")


def render_confirmation_pdf(order: PreparedOrder, order_id: int, *, company: str, now: datetime,
                            font_dir: Path | None = DEJAVU_DIR) -> bytes:
    """The confirmation of one stored order as PDF bytes; ``font_dir=None`` forces Helvetica."""
    dejavu = dejavu_files(font_dir)
    if dejavu is None:
        return _render(order, order_id, company, now, lambda pdf: HELVETICA)
    try:  # every printed text goes through the font's ``clean``: the first one that is not
        # Latin-1 stops this attempt, and the confirmation is set again in DejaVu
        return _render(order, order_id, company, now, lambda pdf: HELVETICA_AS_IS)
    except NotLatin1:
        return _render(order, order_id, company, now, lambda pdf: load_dejavu(pdf, dejavu))


def _render(order: PreparedOrder, order_id: int, company: str, now: datetime,
            load_font: Callable[[FPDF], PdfFont]) -> bytes:
    pdf = _ConfirmationPdf(orientation="portrait", unit="mm", format="A4")
    font = load_font(pdf)
    clean = font.clean
    pdf.footer_family = font.family
    pdf.footer_text = clean(f"{company} - order {order_id} - purchase order {order.po_number}")
    pdf.set_title(clean(f"Order confirmation {order_id} for purchase order {order.po_number}"))
    pdf.set_author(clean(company))
    pdf.set_creation_date(now)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    pdf.set_font(font.family, "B", 16)
    pdf.multi_cell(0, 8, clean(company), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font.family, "B", 13)
    pdf.cell(0, 8, "Order confirmation", new_x="LMARGIN", new_y="NEXT")
    _write_facts(pdf, font, order, order_id, now)
    _write_lines(pdf, font, order)
    _write_totals(pdf, font, order)
    return bytes(pdf.output())


def _write_facts(pdf: FPDF, font: PdfFont, order: PreparedOrder, order_id: int, now: datetime) -> None:
    facts = [("Purchase order", order.po_number), ("Our order", str(order_id)),
             ("Status", order_status_words(order.status)),
             ("PO date", order.po_date.isoformat() if order.po_date else ""),
             ("Requested delivery", order.requested_date.isoformat() if order.requested_date else ""),
             ("Customer", order.customer_id or order.partner_id),
             ("Date", now.strftime("%Y-%m-%d %H:%M"))]
    pdf.set_font(font.family, size=10)
    for label, value in facts:
        if not value:
            continue
        pdf.set_font(font.family, "B", 10)
        pdf.cell(40, 6, label)
        pdf.set_font(font.family, "", 10)
        pdf.multi_cell(0, 6, font.clean(value), new_x="LMARGIN", new_y="NEXT")
    if order.hold_reasons:
        pdf.ln(2)
        pdf.set_font(font.family, "B", 10)
        pdf.cell(0, 6, "Under review because:", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font.family, "", 10)
        for reason in order.hold_reasons:
            pdf.multi_cell(0, 5, font.clean(f"- {reason}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _write_lines(pdf: FPDF, font: PdfFont, order: PreparedOrder) -> None:
    pdf.set_font(font.family, size=8.5)
    with pdf.table(col_widths=_WIDTHS, text_align=_ALIGN, line_height=4.5, repeat_headings=1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230))) as table:
        table.row(_COLUMNS)
        for view in line_views(order):
            table.row([font.clean(value) for value in view])
    pdf.ln(4)


def _write_totals(pdf: FPDF, font: PdfFont, order: PreparedOrder) -> None:
    counts: dict[str, int] = {}
    for line in order.lines:
        counts[line[L_STATUS]] = counts.get(line[L_STATUS], 0) + 1
    summary = ", ".join(f"{count} {status_words(status)}" for status, count in counts.items())
    currency = f" {order.currency}" if order.currency else ""
    pdf.set_font(font.family, "B", 10)
    pdf.cell(0, 6, font.clean(f"Total of accepted lines: {money_text(order.total)}{currency}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font.family, "", 9)
    pdf.cell(0, 5, font.clean(f"{len(order.lines)} lines: {summary}" if summary else "No lines"),
             new_x="LMARGIN", new_y="NEXT")
