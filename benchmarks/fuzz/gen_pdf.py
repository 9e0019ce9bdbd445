"""Structure-aware PDF text: pages of positioned words as the text layer delivers them (a
header block with labels and values, a line table under column heads, totals and page
footers), with hostile values and odd geometry (zero-height words, overlaps, columns out of
line). ``pdf_file`` draws such a page into a real PDF with fpdf2, for the smaller full-PDF run.
"""

from __future__ import annotations

import random

from ordergate.parsers.pdf.table import GENERIC_KEYWORDS
from ordergate.parsers.pdf.text import PageText, Word, rows_of

from . import hostile

_LABELS = ("PO Number:", "Purchase Order", "P.O. #", "Order No.", "Document Number", "PO Date:",
           "Date:", "Order Date", "Delivery Date", "Ship To:", "Deliver to", "Currency:",
           "Currency Code", "Buyer", "Total", "Subtotal", "Page 1 of 2", "Carried forward",
           "Continued", "Item Code:", "GTIN:", "Vendor Part: ", "Due date:")
_CURRENCY = ("USD", "EUR", "$", "€", "£", "¥", "XXX", "usd")


def page_lines(rng: random.Random) -> list[list[tuple[str, float]]]:
    """The page as lines of (text, x) pieces, top to bottom."""
    lines: list[list[tuple[str, float]]] = []
    for _ in range(rng.randrange(0, 8)):  # header block
        label = rng.choice(_LABELS)
        value = rng.choice((hostile.text(rng), hostile.date(rng), _number(rng),
                            rng.choice(_CURRENCY), f"PO-{rng.randrange(10**6)}"))
        lines.append([(label, 40.0), (value, rng.choice((40.0, 140.0, 300.0)))]
                     if rng.random() < 0.8 else [(label, 40.0)])
        if rng.random() < 0.2:  # a value on the line below its label
            lines.append([(hostile.text(rng) or "x", 40.0)])
    fields = rng.sample(list(GENERIC_KEYWORDS), rng.randrange(1, 7))
    if "quantity" not in fields and rng.random() < 0.8:
        fields.append("quantity")
    xs = sorted(rng.sample(range(30, 560, 10), len(fields)))
    heads = [rng.choice(GENERIC_KEYWORDS[f]).title() for f in fields]
    lines.append(list(zip(heads, map(float, xs))))
    if rng.random() < 0.1:
        lines.append([(h, float(x)) for h, x in zip(heads, xs)])  # a repeated header
    for _ in range(rng.choice((0, 1, 2, 5, 25))):
        row = []
        for field, x in zip(fields, xs):
            if rng.random() < 0.1:
                continue  # an empty cell
            value = _cell(rng, field)
            row.append((value, x + rng.choice((0.0, 0.0, 3.0, -15.0, 40.0))))
        if row:
            lines.append(row)
        if rng.random() < 0.15:  # a continuation or key: value row under the line
            lines.append([(rng.choice(("Item Code: ", "GTIN: ", "Due: ", "")) + hostile.text(rng)
                           or "-", float(xs[0]))])
    if rng.random() < 0.5:
        lines.append([(rng.choice(("Total", "Subtotal", "Amount due", "Page 1 of 1")), 40.0),
                      (_number(rng), 500.0)])
    return lines


def _number(rng: random.Random) -> str:
    return hostile.number(rng, big=0.0001)  # a page holds ~100 numbers: one in ~100 pages


def _cell(rng: random.Random, field: str) -> str:
    if field in ("quantity", "unit_price", "line_total"):
        value = _number(rng)
        if field == "quantity" and rng.random() < 0.2:
            value += rng.choice((" EA", " CS", "EA", " pcs", " x"))
        if field != "quantity" and rng.random() < 0.2:
            value = rng.choice(_CURRENCY) + value
        return value
    if field == "gtin":
        return rng.choice(("4012345000016", "071234000050", "0" * 14, _number(rng)))
    if field == "line_id":
        return rng.choice(("1", "10", "A", _number(rng)))
    return hostile.text(rng) or "x"


def pages(rng: random.Random) -> list[PageText]:
    result = []
    for number in range(1, rng.choice((1, 1, 1, 2, 3)) + 1):
        words: list[Word] = []
        top = 40.0
        for line in page_lines(rng):
            height = rng.choice((10.0, 10.0, 8.0, 14.0, 0.0, 0.001, 300.0))
            for text, x in line:
                for piece in text.split() or ["·"]:
                    width = max(len(piece), 1) * rng.choice((5.0, 5.0, 0.0))
                    jitter = rng.choice((0.0, 0.0, 0.4, -3.0, 6.0))
                    words.append(Word(piece, x, x + width, top + jitter, top + jitter + height))
                    x += width + rng.choice((2.5, 2.5, 0.0, 30.0))
            top += rng.choice((12.0, 12.0, 14.0, 2.0, 0.0, 60.0))
        if words:
            result.append(PageText(number, rows_of(words)))
    return result


def pdf_file(rng: random.Random) -> bytes:
    """One generated page drawn as a real PDF (Latin-1 text, which the core fonts can draw)."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    top = 40.0
    for line in page_lines(rng):
        for text, x in line:
            safe = text.encode("latin-1", "replace").decode("latin-1")
            safe = "".join(ch if " " <= ch <= "~" or ch >= "\xa0" else "?" for ch in safe)
            pdf.text(min(max(x, 0.0), 560.0), top, safe[:200])
        top += 12.0
        if top > 800:
            pdf.add_page()
            top = 40.0
    return bytes(pdf.output())
