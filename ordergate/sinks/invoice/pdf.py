"""The printed invoice (or credit note) as a Factur-X PDF: A4 pages a person reads, with the
EN 16931 XML (``cii``) attached for the buyer's system, as PDF/A-3.

The page: the seller with address, tax id and e-mail; the title and the facts (number, dates,
the credited invoice, PO, order, shipment); who is billed and where it went; one table row per
line (SKU and the buyer's part, description, quantity and unit, unit price, tax rate, amount)
with the header repeated on every page; subtotal, tax per rate and total; the payment terms
with the early-payment discount and the bank account; "page n of m" on every page. Every text
from the order or master data passes ``text.one_line`` (control characters shown as escapes)
and then the font's ``clean``.

PDF/A wants every font embedded, so the page is set in DejaVu Sans (``pdf_fonts``), never in
the core Helvetica other documents use for Latin-1 text, and fpdf2 writes it as PDF/A-3B (its
sRGB output intent included). Without DejaVu (``font_dir=None``, or the fonts not installed)
it is set in Helvetica, which is not embedded: the XML is attached all the same, but such a
file is not valid PDF/A. The ``factur-x`` library then checks the XML against the EN 16931
schema, attaches it as ``factur-x.xml`` and writes the Factur-X XMP metadata. That library
stamps the file with the time it runs, so two renderings of one invoice differ in their
timestamps (and nothing else); the pages themselves are dated the invoice's issue date.

Pure: an ``Invoice`` in, PDF bytes out (the library passes the PDF through a temporary file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import datetime, time, timezone
from pathlib import Path

import facturx
from fpdf import FPDF

from ordergate.billing.model import CREDIT_NOTE, Invoice, InvoiceLine, Party
from ordergate.sinks.invoice.cii import invoice_xml
from ordergate.sinks.invoice.text import (
    iban_grouped,
    money,
    one_line,
    percent,
    quantity,
    terms_words,
)
from ordergate.sinks.pdf_fonts import (
    DEJAVU_DIR,
    HELVETICA,
    PdfFont,
    dejavu_files,
    load_dejavu,
)

PDFA = "PDF/A-3B"
FLAVOR, LEVEL = "factur-x", "en16931"
COLUMNS = ("#", "Item", "Description", "Qty", "Unit price", "Tax %", "Amount")
_WIDTHS = (10, 38, 62, 22, 22, 14, 22)  # mm, summing to the 190 mm between A4 margins
_ALIGN = ("R", "L", "L", "R", "R", "R", "R")
_TABLE_SIZE, _LINE_HEIGHT = 8.5, 4.5  # pt, mm
_HEADING_FILL = (230, 230, 230)
_LEFT, _RIGHT = 10, 110  # mm: the two columns of the header block
_COLUMN_WIDTH = 92
_LABEL_WIDTH = 32


class _InvoicePdf(FPDF):
    """A4 with a footer naming the invoice on every page (fpdf2 draws it from ``footer``)."""

    footer_text = ""
    footer_family = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.footer_family, size=8)
        self.cell(0, 5, f"{self.footer_text} - page {self.page_no()} of {{nb}}", align="C")


def render_invoice_pdf(invoice: Invoice, *, font_dir: Path | None = DEJAVU_DIR) -> bytes:
    """``invoice`` as a Factur-X (EN 16931) PDF/A-3 with its CII XML attached;
    ``font_dir=None`` forces Helvetica (and so a file that is not PDF/A)."""
    dejavu = dejavu_files(font_dir)
    if dejavu is None:
        page = _render(invoice, lambda pdf: HELVETICA, compliance=None)
    else:
        page = _render(invoice, lambda pdf: load_dejavu(pdf, dejavu, _texts(invoice)),
                       compliance=PDFA)
    return facturx.generate_from_binary(page, invoice_xml(invoice), flavor=FLAVOR, level=LEVEL,
                                        check_xsd=True, pdf_metadata=_metadata(invoice),
                                        lang="en")


def _texts(value) -> list[str]:
    """Every text ``value`` (an invoice, and within it its parties, terms and lines) holds:
    what the page prints besides our own ASCII labels, numbers and dates."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in fields(item))
    return found


def document_title(invoice: Invoice) -> str:
    return "Credit note" if invoice.kind == CREDIT_NOTE else "Invoice"


def _metadata(invoice: Invoice) -> dict[str, str]:
    """The PDF's title, author, subject and keywords (also written into its XMP)."""
    title = document_title(invoice)
    seller, number = one_line(invoice.seller.name), one_line(invoice.invoice_number)
    return {"author": seller, "title": f"{seller}: {title} {number}",
            "subject": f"{title} {number} dated {invoice.issue_date.isoformat()} issued by "
                       f"{seller}",
            "keywords": f"{title}, Factur-X"}


def _render(invoice: Invoice, load_font: Callable[[FPDF], PdfFont], *,
            compliance: str | None) -> bytes:
    pdf = _InvoicePdf(orientation="portrait", unit="mm", format="A4",
                      enforce_compliance=compliance)
    font = load_font(pdf)
    title = f"{document_title(invoice)} {font.clean(one_line(invoice.invoice_number))}"
    seller = font.clean(one_line(invoice.seller.name))
    pdf.footer_family = font.family
    pdf.footer_text = f"{seller} - {title}"
    pdf.set_title(title)
    pdf.set_author(seller)
    pdf.set_creation_date(datetime.combine(invoice.issue_date, time(), tzinfo=timezone.utc))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    pdf.set_font(font.family, "B", 14)
    _text(pdf, 0, 7, seller, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font.family, "", 9)
    for text in _party_lines(invoice.seller, font):
        _text(pdf, 0, 4.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font(font.family, "B", 16)
    _text(pdf, 0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    top = pdf.get_y()
    _parties(pdf, font, invoice)
    left_bottom = pdf.get_y()
    pdf.set_xy(_RIGHT, top)
    _facts(pdf, font, invoice)
    pdf.set_xy(_LEFT, max(left_bottom, pdf.get_y()) + 5)

    _lines(pdf, font, invoice)
    _totals(pdf, font, invoice)
    _payment(pdf, font, invoice)
    return bytes(pdf.output())


def _text(pdf: FPDF, width: float, height: float, text: str, **move: str) -> None:
    """``multi_cell`` for a text that needs more than one line; a plain ``cell`` for one that
    fits on one, as most of the header's do: ``multi_cell`` breaks its text one character at a
    time, which made the header cost as much as the line table."""
    room = width or pdf.w - pdf.r_margin - pdf.get_x()
    if "\n" not in text and pdf.get_string_width(text) <= room - 2 * pdf.c_margin:
        pdf.cell(width, height, text, **move)
    else:
        pdf.multi_cell(width, height, text, **move)


def _party_lines(party: Party, font: PdfFont) -> list[str]:
    """A party's address, tax id and e-mail as printed lines (its name apart)."""
    clean = font.clean
    lines = [clean(one_line(street)) for street in party.street if street and street.strip()]
    city, postal, state = (clean(one_line(value)) for value in (party.city, party.postal_code,
                                                                 party.state))
    # "Springfield, IL 62704" where there are states, "50667 Köln" elsewhere.
    place = (" ".join(part for part in (f"{city}," if city else "", state, postal) if part)
             if state else " ".join(part for part in (postal, city) if part))
    lines += [text for text in (place, clean(one_line(party.country))) if text]
    if party.tax_id:
        lines.append(f"Tax id {clean(one_line(party.tax_id))}")
    if party.email:
        lines.append(clean(one_line(party.email)))
    return lines


def _parties(pdf: FPDF, font: PdfFont, invoice: Invoice) -> None:
    """Who is billed and, when known, where the goods went: the left column."""
    blocks = [("Bill to", invoice.buyer)]
    if invoice.ship_to is not None:
        blocks.append(("Ship to", invoice.ship_to))
    for number, (heading, party) in enumerate(blocks):
        if number:
            pdf.ln(3)
        pdf.set_x(_LEFT)
        pdf.set_font(font.family, "B", 9)
        pdf.cell(_COLUMN_WIDTH, 5, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font.family, "", 10)
        _text(pdf, _COLUMN_WIDTH, 5, font.clean(one_line(party.name)), new_x="LMARGIN",
                       new_y="NEXT")
        pdf.set_font(font.family, "", 9)
        for text in _party_lines(party, font):
            _text(pdf, _COLUMN_WIDTH, 4.5, text, new_x="LMARGIN", new_y="NEXT")


def _facts(pdf: FPDF, font: PdfFont, invoice: Invoice) -> None:
    """Number, dates and references: the right column."""
    clean = font.clean
    credit = invoice.kind == CREDIT_NOTE
    po = clean(one_line(invoice.po_number))
    if po and invoice.po_date:
        po = f"{po} of {invoice.po_date.isoformat()}"
    shipped = invoice.ship_date.isoformat() if invoice.ship_date else ""
    carrier = " ".join(clean(one_line(value)) for value in (invoice.carrier,
                                                             invoice.tracking_number) if value)
    facts = [(f"{document_title(invoice)} no.", clean(one_line(invoice.invoice_number))),
             ("Date", invoice.issue_date.isoformat()),
             ("Due date", invoice.due_date.isoformat()),
             ("Credits invoice", clean(one_line(invoice.corrects)) if credit else ""),
             ("Reason", clean(one_line(invoice.reason)) if credit else ""),
             ("Customer", clean(one_line(invoice.customer_id))),
             ("Purchase order", po),
             ("Our order", "" if invoice.order_id is None else str(invoice.order_id)),
             ("Shipped", shipped),
             ("Carrier, tracking", carrier)]
    for label, value in facts:
        if not value:
            continue
        pdf.set_x(_RIGHT)
        pdf.set_font(font.family, "B", 9)
        pdf.cell(_LABEL_WIDTH, 5, label)
        pdf.set_font(font.family, "", 9)
        _text(pdf, _COLUMN_WIDTH - _LABEL_WIDTH, 5, value, new_x="LEFT", new_y="NEXT")


def _item(line: InvoiceLine, font: PdfFont, *, name_po: bool = False) -> str:
    sku = font.clean(one_line(line.sku))
    buyer_part = font.clean(one_line(line.buyer_part))
    text = f"{sku}\nyour part {buyer_part}" if buyer_part and buyer_part != sku else sku
    po = font.clean(one_line(line.po_number)) if name_po else ""
    # A day's invoice over several orders: each line says which PO it bills.
    return f"{text}\nPO {po}" if po else text


def _lines(pdf: FPDF, font: PdfFont, invoice: Invoice) -> None:
    """The line table, drawn cell by cell: fpdf2's own ``table`` broke every cell's text one
    character at a time and laid each row out twice, which was a third of an invoice. Cells
    wrap at spaces (a word wider than its column is cut where it must be); a row that does
    not fit on the page goes to the next one, under the header again."""
    def row_of(cells: tuple[str, ...] | list[str]) -> tuple[list[list[str]], float]:
        wrapped = [_wrapped(pdf, text, width - 2 * pdf.c_margin)
                   for text, width in zip(cells, _WIDTHS)]
        return wrapped, max(len(lines) for lines in wrapped) * _LINE_HEIGHT

    def heading() -> None:  # on the first page and again on each page the table runs onto
        pdf.set_font(font.family, "B", _TABLE_SIZE)
        _table_row(pdf, *row_of(COLUMNS), fill=True)
        pdf.set_font(font.family, "", _TABLE_SIZE)

    heading()
    for line in invoice.lines:
        amount = " ".join(part for part in (quantity(line.quantity),
                                            font.clean(one_line(line.uom))) if part)
        wrapped, height = row_of([
            str(line.line_number), _item(line, font, name_po=not invoice.po_number),
            font.clean(one_line(line.description)), amount, money(line.unit_price),
            percent(line.tax_rate), money(line.amount)])
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            heading()
        _table_row(pdf, wrapped, height, fill=False)
    pdf.ln(4)


def _table_row(pdf: FPDF, cells: list[list[str]], height: float, *, fill: bool) -> None:
    left, top = pdf.l_margin, pdf.get_y()
    if fill:
        pdf.set_fill_color(*_HEADING_FILL)
    x = left
    for lines, width, align in zip(cells, _WIDTHS, _ALIGN):
        pdf.rect(x, top, width, height, style="DF" if fill else "D")
        for number, text in enumerate(lines):
            if text:
                pdf.set_xy(x, top + number * _LINE_HEIGHT)
                pdf.cell(width, _LINE_HEIGHT, text, align=align)
        x += width
    pdf.set_xy(left, top + height)


def _wrapped(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` as the lines it takes in ``width`` mm in the current font: its own line breaks
    kept, then broken at spaces, and a word wider than the column cut to fit."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        if pdf.get_string_width(paragraph) <= width:
            out.append(paragraph)
            continue
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if pdf.get_string_width(candidate) <= width:
                current = candidate
                continue
            if current:
                out.append(current)
            while (whole := pdf.get_string_width(word)) > width and len(word) > 1:
                # Start from the share of the word that fits by average width, so a long word
                # (a sender's text without a space) is not measured once per character.
                cut = max(1, min(len(word) - 1, int(len(word) * width / whole) + 1))
                while cut > 1 and pdf.get_string_width(word[:cut]) > width:
                    cut -= 1
                while cut + 1 < len(word) and pdf.get_string_width(word[:cut + 1]) <= width:
                    cut += 1  # its start was narrower than the average: more of it fits
                out.append(word[:cut])
                word = word[cut:]
            current = word
        out.append(current)
    return out or [""]


def _totals(pdf: FPDF, font: PdfFont, invoice: Invoice) -> None:
    currency = font.clean(one_line(invoice.currency))
    rows = [("Subtotal", money(invoice.subtotal), "")]
    rows += [(f"Tax {percent(subtotal.rate)} % on {money(subtotal.basis)}", money(subtotal.tax),
              "") for subtotal in invoice.taxes]
    rows.append((f"Total {currency}", money(invoice.total), "B"))
    for label, value, style in rows:
        pdf.set_x(_RIGHT)
        pdf.set_font(font.family, style, 10)
        pdf.cell(_COLUMN_WIDTH - 30, 6, label)
        pdf.cell(30, 6, f"{value} {currency}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _payment(pdf: FPDF, font: PdfFont, invoice: Invoice) -> None:
    rows = [("Payment terms", font.clean(terms_words(invoice)))]
    if invoice.iban:
        bank = f"IBAN {font.clean(one_line(iban_grouped(invoice.iban)))}"
        if invoice.bic:
            bank += f"  BIC {font.clean(one_line(invoice.bic))}"
        rows.append(("Bank account", bank))
    rows.append(("Payment reference", font.clean(one_line(invoice.invoice_number))))
    for label, value in rows:
        pdf.set_font(font.family, "B", 9)
        pdf.cell(_LABEL_WIDTH + 4, 5, label)
        pdf.set_font(font.family, "", 9)
        _text(pdf, 0, 5, value, new_x="LMARGIN", new_y="NEXT")
