"""Finding the order header on a PDF by its labels: PO number, PO date, currency, ship-to.

A value sits either after its label on the same row ("PO Number: 4711") or under it, where
the form prints labels as column heads ("Document Number" above "PO100563"). Page 1 is read
first; later pages only when page 1 has nothing, since repeated page headers often print a
shortened form of the same number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from ordergate.parsers.pdf.result import PrintedAddress
from ordergate.parsers.pdf.text import PageText, Row, Word
from ordergate.parsers.pdf.values import (
    CURRENCY_SIGNS,
    DATE_PATTERN,
    ISO_CURRENCIES,
    DateOrder,
    parse_date,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    value: T
    confidence: float


_ID = r"(?=[A-Za-z0-9\-/_.]*\d)[A-Za-z0-9][A-Za-z0-9\-/_.]{0,29}"
# Labels of the PO number, most specific first, with how much a value after each is trusted.
_PO_LABELS = (
    (r"(?:purchase\s*order|p\.?\s?o\.?)\s*(?:number|num|no\.?|nr\.?|#)", 0.95),
    (r"purchase\s*order", 0.9),
    (r"order\s*(?:number|no\.?|nr\.?|#)", 0.85),
    # Only as good as the guess that the document is a purchase order; see _po_number_on.
    (r"document\s*(?:number|no\.?)", 0.7),
)
_DATE_QUALIFIED = re.compile(
    r"(?:(?:po|p\.o\.|order|purchase\s*order|document|issue|doc\.?)\s*date"
    r"|date\s*(?:placed|of\s*order|issued|ordered))\s*:?", re.I)
_DATE_BARE = re.compile(r"date\s*:?", re.I)
# Dates that are not when the order was placed.
_OTHER_DATES = re.compile(
    r"deliver|ship|due|launch|generat|requir|handover|print|expir|valid|request|need|cancel",
    re.I)
_SHIP_TO_LABEL = re.compile(
    r"(?:ship\s*-?\s*to|deliver(?:y)?\s*(?:to|address)|shipping\s*address)(?:\s*address)?\s*:?",
    re.I)
_CURRENCY_LABEL = re.compile(r"(?i:currency(?:\s*code)?)\s*[:.]?\s*(?P<value>[A-Z]{3}\b|[$€£¥])")


def find_po_number(pages: Sequence[PageText]) -> Found[str] | None:
    return _first_page_with(pages, _po_number_on)


def _po_number_on(page: PageText) -> Found[str] | None:
    candidates: list[Found[str]] = []
    titled = re.search(r"purchase\s*order", page.text, re.I) is not None
    for label, confidence in _PO_LABELS:
        if titled and label.startswith("document"):
            confidence = 0.9  # "Document Number" under a "Purchase Order" title
        same_row = re.compile(rf"\b{label}\s*[:#.]?\s*(?P<value>{_ID})(?=\s|$)", re.I)
        for row in page.rows:
            candidates.extend(Found(m["value"], confidence) for m in same_row.finditer(row.text))
        below = re.compile(rf"{label}\s*:?", re.I)
        candidates.extend(Found(value, confidence - 0.05)
                          for value in _values_below(page, below)
                          if re.fullmatch(_ID, value))
    return _agree(candidates)


def _agree(candidates: list[Found[str]]) -> Found[str] | None:
    """The most trusted candidate; agreement raises, disagreement lowers the confidence."""
    if not candidates:
        return None
    best = max(candidates, key=lambda c: c.confidence)
    # A weaker label naming another number ("Bulk Order Number" beside "Purchase Order
    # Number") is a different field, not a contradiction.
    others = {c.value for c in candidates
              if c.value != best.value and c.confidence >= best.confidence - 0.05}
    if others:
        return Found(best.value, round(best.confidence * 0.7, 3))
    if len(candidates) > 1:
        return Found(best.value, min(0.99, best.confidence + 0.03))
    return best


def find_po_date(pages: Sequence[PageText], evidence: DateOrder | None,
                 order: DateOrder | None = None) -> Found[date] | None:
    return _first_page_with(pages, lambda page: _po_date_on(page, evidence, order))


def _po_date_on(page: PageText, evidence: DateOrder | None,
                order: DateOrder | None) -> Found[date] | None:
    candidates: list[Found[date]] = []
    for row in page.rows:
        for match in DATE_PATTERN.finditer(row.text):
            trust = _date_label_trust(row.text[:match.start()])
            parsed = parse_date(match.group(0), order, evidence) if trust else None
            if parsed:
                candidates.append(Found(parsed.value, round(trust * parsed.confidence, 3)))
    for pattern, trust in ((_DATE_QUALIFIED, 0.95), (_DATE_BARE, 0.75)):
        for value in _values_below(page, pattern):
            parsed = parse_date(value, order, evidence)
            if parsed:
                candidates.append(Found(parsed.value, round(trust * parsed.confidence, 3)))
    return max(candidates, key=lambda c: c.confidence) if candidates else None


def _date_label_trust(before: str) -> float:
    """How much the text right before a date says it is the order date (0: it is not)."""
    words = before.split()[-3:]
    label = " ".join(words)
    if not words or _OTHER_DATES.search(" ".join(words[-2:])):
        return 0.0
    if _DATE_QUALIFIED.search(label):
        return 1.0
    if words[-1].lower().rstrip(":") == "date":
        return 0.85
    return 0.0


def find_currency(pages: Sequence[PageText]) -> Found[str] | None:
    text = "\n".join(page.text for page in pages)
    match = _CURRENCY_LABEL.search(text)
    if match:
        value = match["value"]
        if value in CURRENCY_SIGNS:
            code, confidence = CURRENCY_SIGNS[value]
            return Found(code, confidence)
        if value in ISO_CURRENCIES:
            return Found(value, 0.95)
    for code in re.findall(r"\((?P<code>[A-Z]{3})\)", text):  # "Cost (USD)" column heads
        if code in ISO_CURRENCIES:
            return Found(code, 0.85)
    for sign in ("€", "£"):
        if sign in text:
            code, confidence = CURRENCY_SIGNS[sign]
            return Found(code, confidence - 0.15)
    return None


def find_ship_to(pages: Sequence[PageText]) -> Found[PrintedAddress] | None:
    page = pages[0]
    for index, row in enumerate(page.rows):
        for phrase in row.phrases():
            if _SHIP_TO_LABEL.fullmatch(phrase.text):
                lines = _block_under(page, index, phrase, row)
                if lines:
                    address = address_from_lines(lines)
                    sure = address.city is not None or address.postal_code is not None
                    return Found(address, 0.7 if sure else 0.5)
    return None


def _block_under(page: PageText, index: int, label: Word, row: Row) -> list[str]:
    """The text lines of the block printed under (or right of) a label, in its column."""
    neighbours = [p.x0 for p in row.phrases() if p.x0 > label.x1]
    right = min(neighbours, default=label.x0 + 220)
    left = label.x0 - 3
    lines: list[str] = []
    last_bottom = row.bottom
    for below in page.rows[index + 1:index + 20]:
        words = [w for w in below.words if left <= w.x0 < right]
        if not words:
            continue
        if words[0].top - last_bottom > 2.5 * below.height:
            break
        text = " ".join(w.text for w in words)
        if re.match(r"[A-Za-z][A-Za-z ]{2,30}:", text):  # the next label, e.g. "Delivery Date:"
            break
        lines.append(text)
        last_bottom = max(w.bottom for w in words)
        if len(lines) == 8:
            break
    return lines


_US_CITY_LINE = re.compile(r"(?P<city>.+?),?\s+(?P<state>[A-Z]{2})\s+(?P<zip>\d{5}(?:-\d{4})?)")
_EU_CITY_LINE = re.compile(r"(?P<zip>[A-Z]{0,2}-?\d{4,5})\s+(?P<city>[^,]+?)(?:,\s*(?P<country>.+))?")
_COUNTRY_NAMES = frozenset(n.casefold() for n in (
    "United States", "USA", "Canada", "Mexico", "United Kingdom", "Ireland", "Germany",
    "Deutschland", "France", "Spain", "España", "Italy", "Italia", "Netherlands", "Belgium",
    "Austria", "Switzerland", "Poland", "Australia", "New Zealand", "China", "India",
    "Bangladesh"))
_POSTAL = re.compile(r"\d{4,5}(?:-\d{4})?")


def address_from_lines(lines: Sequence[str]) -> PrintedAddress:
    """An address from its printed lines: name first, then street, city, postcode, country.

    Forms print the parts either together ("Fremont CA 94538") or one per line ("Winter Park",
    "32792", "FL", "US"); both are recognised from the end of the block upwards.
    """
    name, rest = lines[0], list(lines[1:])
    fields: dict[str, str] = {}
    while rest:
        line = rest[-1].strip()
        if (us := _US_CITY_LINE.fullmatch(line)) and "city" not in fields:
            fields.update(city=us["city"], state=us["state"], postal_code=us["zip"])
        elif (eu := _EU_CITY_LINE.fullmatch(line)) and "city" not in fields:
            fields.update(city=eu["city"].strip(), postal_code=eu["zip"])
            if eu["country"]:
                fields["country"] = eu["country"].strip()
        elif _POSTAL.fullmatch(line) and "postal_code" not in fields:
            fields["postal_code"] = line
        elif line.casefold() in _COUNTRY_NAMES and not fields:
            fields["country"] = line
        elif re.fullmatch(r"[A-Z]{2}", line) and not fields:
            fields["country"] = line  # the last line of the block: a country code
        elif re.fullmatch(r"[A-Z]{2}", line) and "state" not in fields:
            fields["state"] = line
        elif re.fullmatch(r"[A-Za-z][A-Za-z .'-]+", line) and "city" not in fields and fields:
            fields["city"] = line
        else:
            break
        rest.pop()
    return PrintedAddress(name=name, street=rest, **fields)


def _values_below(page: PageText, label: re.Pattern[str]) -> list[str]:
    """Values printed under a label that stands alone as a column head."""
    values = []
    rows = page.rows
    for index, row in enumerate(rows):
        for phrase in row.phrases():
            if not label.fullmatch(phrase.text):
                continue
            for below in rows[index + 1:index + 3]:
                hit = [p for p in below.phrases() if p.x0 < phrase.x1 + 3 and p.x1 > phrase.x0 - 3]
                if hit:
                    values.append(hit[0].text)
                    break
    return values


def _first_page_with(pages: Sequence[PageText],
                     finder: Callable[[PageText], Found[T] | None]) -> Found[T] | None:
    for page in pages:
        found = finder(page)
        if found is not None:
            return found
    return None
