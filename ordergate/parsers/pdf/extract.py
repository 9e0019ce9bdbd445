"""PDF purchase order → ``PdfExtraction``: a customer template if one matches, else generic.

Both paths read the same positioned rows (``pdf_text``) and the same line-table engine
(``pdf_table``); a template replaces the label search by its own patterns and the generic
column keywords by the customer's column heads. Every field found gets a confidence, and
``PdfExtraction.hold_reason`` names the doubtful ones for the caller's hold decision.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ordergate.parsers.pdf.header import (
    Found,
    address_from_lines,
    find_currency,
    find_po_date,
    find_po_number,
    find_ship_to,
)
from ordergate.parsers.pdf.result import ExtractedLine, PdfExtraction, PrintedAddress
from ordergate.parsers.pdf.table import GENERIC_RULES, TableRead, read_line_table
from ordergate.parsers.pdf.template import PdfTemplate
from ordergate.parsers.pdf.text import PageText, PdfError, PdfLimits, read_pdf_pages
from ordergate.parsers.pdf.values import (
    CURRENCY_SIGNS,
    DateOrder,
    date_order_of,
    number_style_of,
    parse_date,
)

__all__ = ["ExtractedLine", "PdfError", "PdfExtraction", "PdfLimits", "extract_pdf_order"]


@dataclass(slots=True)
class _Header:
    """The header fields found, each with its confidence."""

    po_number: Found[str] | None = None
    po_date: Found[date] | None = None
    currency: Found[str] | None = None
    ship_to: Found[PrintedAddress] | None = None
    buyer_name: Found[str] | None = None


def extract_pdf_order(content: bytes, *, templates: Sequence[PdfTemplate] = (),
                      limits: PdfLimits = PdfLimits()) -> PdfExtraction:
    pages = read_pdf_pages(content, limits)
    template = next((t for t in templates if t.matches(pages[0].text)), None)
    texts = [row.text for page in pages for row in page.rows]
    evidence = date_order_of(texts)
    words = [word.text for page in pages for row in page.rows for word in row.words]
    style = (template.number_style if template else None) or number_style_of(words)
    if template is None:
        header = _generic_header(pages, evidence)
        table = read_line_table(pages, GENERIC_RULES, style)
    else:
        header = _template_header(template, pages, evidence)
        table = read_line_table(pages, template.table_rules(), style)
    where = f"template {template.name!r}" if template else "the generic PDF reader"
    if header.po_number is None:
        raise PdfError(f"no PO number found by {where}: no label such as 'PO Number', "
                       f"'Purchase Order' or 'Order No.' with a value on page 1"
                       if template is None else
                       f"no PO number found by {where}: its po_number pattern matches nothing; "
                       f"the customer's layout may have changed")
    _check_table(table, where)
    assert table is not None
    return _assemble(template, header, table, len(pages))


def _check_table(table: TableRead | None, where: str) -> None:
    if table is None:
        raise PdfError(f"no line table found by {where}: no row of column heads naming a "
                       f"quantity and the item (such as 'Qty' and 'Description' or 'SKU')")
    if not table.lines:
        raise PdfError(f"the line table found by {where} has no lines: no row under its "
                       f"column heads has a quantity and an item")


def _generic_header(pages: list[PageText], evidence: DateOrder | None) -> _Header:
    header = _Header()
    header.po_number = find_po_number(pages)
    header.po_date = find_po_date(pages, evidence)
    header.currency = find_currency(pages)
    header.ship_to = find_ship_to(pages)
    return header


def _template_header(template: PdfTemplate, pages: list[PageText],
                     evidence: DateOrder | None) -> _Header:
    header = _Header()
    text = "\n".join(page.text for page in pages)
    if (match := re.search(template.po_number, text)) is not None:
        header.po_number = Found(match["value"].strip(), 0.98)
    if template.po_date and (match := re.search(template.po_date, text)) is not None:
        parsed = parse_date(match["value"], template.date_order, evidence)
        if parsed is not None:
            header.po_date = Found(parsed.value, parsed.confidence)
    if template.currency_code:
        header.currency = Found(template.currency_code, 1.0)
    elif template.currency and (match := re.search(template.currency, text)) is not None:
        value = match["value"].strip()
        code, confidence = CURRENCY_SIGNS.get(value, (value.upper(), 0.95))
        header.currency = Found(code, confidence)
    else:
        header.currency = find_currency(pages)
    if template.buyer_name:
        header.buyer_name = Found(template.buyer_name, 1.0)
    header.ship_to = _template_ship_to(template, pages[0]) if template.ship_to else find_ship_to(pages)
    return header


def _template_ship_to(template: PdfTemplate, page: PageText) -> Found[PrintedAddress] | None:
    rule = template.ship_to
    assert rule is not None
    if rule.region is not None:
        x0, top, x1, bottom = rule.region
        lines = [" ".join(w.text for w in row.words if x0 <= w.x0 and w.x1 <= x1)
                 for row in page.rows if top <= row.top and row.bottom <= bottom]
        lines = [line for line in lines if line]
        return Found(address_from_lines(lines), 0.9) if lines else None
    assert rule.regex is not None
    match = re.search(rule.regex, page.text)
    if match is None:
        return None
    parts = {k: v.strip() for k, v in match.groupdict().items() if v}
    street = [parts.pop("street")] if "street" in parts else []
    return Found(PrintedAddress(street=street, **parts), 0.9)


def _assemble(template: PdfTemplate | None, header: _Header, table: TableRead,
              page_count: int) -> PdfExtraction:
    assert header.po_number is not None
    confidence: dict[str, float] = {"po_number": header.po_number.confidence}
    notes = list(table.notes)
    for name in ("po_date", "currency", "ship_to", "buyer_name"):
        found = getattr(header, name)
        if found is not None:
            confidence[name] = found.confidence
    if header.po_date is None:
        notes.append("no PO date found")
    confidence["lines"] = table.table_confidence
    confidence.update(table.confidence)
    return PdfExtraction(
        template=template.name if template else None,
        po_number=header.po_number.value,
        po_date=header.po_date.value if header.po_date else None,
        currency=header.currency.value if header.currency else None,
        ship_to=header.ship_to.value if header.ship_to else None,
        buyer_name=header.buyer_name.value if header.buyer_name else None,
        lines=table.lines, confidence=confidence, pages=page_count, notes=notes)
