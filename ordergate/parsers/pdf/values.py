"""Reading numbers, dates and currencies as printed on PDFs, each with how sure the reading is.

A PDF carries no types: "1.234" is one thousand two hundred and thirty-four in Germany and
one point two three four in the US, "03/04/2026" is March or April. The readers here return
the value with a confidence (0..1) that drops when the text allows more than one reading and
nothing in the document settles it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal, NamedTuple

NumberStyle = Literal["us", "eu"]  # us: 1,234.56  eu: 1.234,56
DateOrder = Literal["dmy", "mdy", "ymd"]

_GROUPED = re.compile(r"\d{1,3}(?:([.,' ])\d{3})+(?:([.,])\d+)?")
_PLAIN = re.compile(r"\d+(?:[.,]\d+)?")
_NUMBER_AT_START = re.compile(r"[-+]?[$€£]?\s?(\d[\d.,' ]*\d|\d)")


class NumberValue(NamedTuple):
    value: Decimal
    ambiguous: bool  # the separators allowed a second reading; the style chose this one


def parse_number(text: str, style: NumberStyle | None = None) -> NumberValue | None:
    """A plain or grouped number, optionally signed or with a currency sign; None if not one."""
    cleaned = text.strip().replace("\u00a0", " ")
    negative = cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")"))
    cleaned = cleaned.strip("()+- ").lstrip("$€£").rstrip("$€£%").strip()
    parsed = _digits(cleaned, style)
    if parsed is None:
        return None
    digits, ambiguous = parsed
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    # copy_negate is exact: unary minus rounds to the context and overflows past 10**999999.
    return NumberValue(value.copy_negate() if negative else value, ambiguous)


def _digits(text: str, style: NumberStyle | None) -> tuple[str, bool] | None:
    has_comma, has_dot = "," in text, "." in text
    if not _GROUPED.fullmatch(text) and not _PLAIN.fullmatch(text):
        return None
    if has_comma and has_dot:
        decimal_mark = "." if text.rfind(".") > text.rfind(",") else ","
        return _normalise(text, decimal_mark), False
    mark = "," if has_comma else "." if has_dot else None
    if mark is None:
        return text.replace(" ", "").replace("'", ""), False
    head, _, tail = text.rpartition(mark)
    if text.count(mark) > 1:  # 1,234,567 or 1.234.567: only a thousands mark repeats
        return _normalise(text, "," if mark == "." else "."), False
    if len(tail) != 3 or len(head.replace(" ", "").replace("'", "")) > 3 or head in ("0", ""):
        return _normalise(text, mark), False  # 12,5 / 35.0000 / 0.125: a decimal mark
    # "1,234" or "6.000": thousands mark or decimal mark with three decimals.
    if style is None:
        style = "us"
    thousands_mark = "," if style == "us" else "."
    decimal_mark = "," if thousands_mark == "." else "."
    return _normalise(text, decimal_mark), True


def _normalise(text: str, decimal_mark: str) -> str:
    kept = [c for c in text if c.isdigit() or c == decimal_mark]
    return "".join(kept).replace(decimal_mark, ".")


def number_style_of(texts: Iterable[str]) -> NumberStyle | None:
    """The style the document's unambiguous numbers use (1,234.56 → us), None if no evidence."""
    votes = {"us": 0, "eu": 0}
    for text in texts:
        if "," in text and "." in text and (_GROUPED.fullmatch(text) or _PLAIN.fullmatch(text)):
            votes["us" if text.rfind(".") > text.rfind(",") else "eu"] += 1
        elif re.fullmatch(r"\d+,\d{1,2}", text):
            votes["eu"] += 1
        elif re.fullmatch(r"\d+\.\d{1,2}|\d+\.\d{4,}", text):
            votes["us"] += 1
    if votes["us"] == votes["eu"]:
        return None
    return "us" if votes["us"] > votes["eu"] else "eu"


def split_quantity(text: str, style: NumberStyle | None) -> tuple[NumberValue, str] | None:
    """A quantity cell such as "6.000 Unit(s)" or "12 EA": the number and the unit text."""
    match = _NUMBER_AT_START.match(text.strip())
    if not match:
        return None
    number = parse_number(match.group(0), style)
    if number is None:
        return None
    return number, text.strip()[match.end():].strip()


# ------------------------------------------------------------------------------ dates
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    # German, French and Spanish spellings whose first three letters differ from English.
    "mär": 3, "mai": 5, "okt": 10, "dez": 12, "fév": 2, "avr": 4, "jui": 7, "aoû": 8,
    "déc": 12, "ene": 1, "abr": 4, "ago": 8, "dic": 12,
}
_MONTH = r"(?P<mon>[A-Za-zäéû]{3,9})\.?"
DATE_PATTERN = re.compile(
    r"(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?P<num>(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2}))(?![\d.])"
    rf"|(?P<dmy>(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?[ -]{_MONTH}[ ,-]+(?P<ty>\d{{4}}|\d{{2}}))"
    r"|(?P<mdy>(?P<mon2>[A-Za-z]{3,9})\.? (?P<d2>\d{1,2}),? (?P<ty2>\d{4}))"
)


class DateValue(NamedTuple):
    value: date
    confidence: float


def parse_date(text: str, order: DateOrder | None = None,
               evidence: DateOrder | None = None) -> DateValue | None:
    """The first date in ``text``.

    ``order`` is what a template declares (trusted); ``evidence`` is what the document's
    unambiguous dates suggest (a hint). With neither, a numeric date whose day and month could
    be swapped gets a low confidence.
    """
    for match in DATE_PATTERN.finditer(text):
        found = _read_match(match, order, evidence)
        if found is not None:
            return found
    return None


def _read_match(match: re.Match[str], order: DateOrder | None,
                evidence: DateOrder | None) -> DateValue | None:
    if match.group("iso"):
        return _make(int(match["iy"]), int(match["im"]), int(match["id"]), 0.97)
    if match.group("dmy"):
        month = _month(match["mon"])
        return None if month is None else _make(_year(match["ty"]), month, int(match["d"]),
                                                 0.97 if len(match["ty"]) == 4 else 0.9)
    if match.group("mdy"):
        month = _month(match["mon2"])
        return None if month is None else _make(int(match["ty2"]), month, int(match["d2"]), 0.95)
    a, b, year = int(match["a"]), int(match["b"]), _year(match["y"])
    short_year = 0.9 if len(match["y"]) == 2 else 1.0
    if a > 12 or b > 12 or a == b:
        day, month = (a, b) if a > 12 or a == b else (b, a)
        return _make(year, month, day, 0.95 * short_year)
    chosen = order if order in ("dmy", "mdy") else evidence
    if chosen is None:
        # Dotted dates are a European convention; slashes lean US, dashes lean day-first,
        # neither enough to be sure.
        chosen, confidence = {".": ("dmy", 0.8), "/": ("mdy", 0.5), "-": ("dmy", 0.5)}[match["sep"]]
    else:
        confidence = 0.95 if order else 0.8
    day, month = (a, b) if chosen == "dmy" else (b, a)
    return _make(year, month, day, confidence * short_year)


def _month(name: str) -> int | None:
    return _MONTHS.get(name[:3].lower())


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _make(year: int, month: int, day: int, confidence: float) -> DateValue | None:
    try:
        return DateValue(date(year, month, day), round(confidence, 3))
    except ValueError:
        return None


def date_order_of(texts: Iterable[str]) -> DateOrder | None:
    """Whether the document's numeric dates that cannot be swapped are day-first or month-first."""
    votes = {"dmy": 0, "mdy": 0}
    for text in texts:
        for match in DATE_PATTERN.finditer(text):
            if match.group("num"):
                a, b = int(match["a"]), int(match["b"])
                if a > 12 >= b:
                    votes["dmy"] += 1
                elif b > 12 >= a:
                    votes["mdy"] += 1
    if votes["dmy"] == votes["mdy"]:
        return None
    return "dmy" if votes["dmy"] > votes["mdy"] else "mdy"


# ------------------------------------------------------------------------------ currencies
ISO_CURRENCIES = frozenset(
    "USD EUR GBP CHF CAD AUD NZD JPY CNY HKD SGD SEK NOK DKK PLN CZK HUF RON INR ZAR MXN BRL "
    "TRY AED SAR BDT".split())
# "$" is used by a dozen currencies, so it reads as USD with less certainty than € or £.
CURRENCY_SIGNS = {"€": ("EUR", 0.85), "£": ("GBP", 0.85), "$": ("USD", 0.6), "¥": ("JPY", 0.6)}
