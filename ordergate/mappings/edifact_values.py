"""Reading EDIFACT element values (numbers, dates, ids) with the UCS/UCD detail a CONTRL needs.

Segments are pydifact ``Segment`` objects: ``seg.elements[0]`` is the first data element
after the tag, and an element is a ``str`` or, when it has more than one component, a
``list[str]`` (pydifact drops trailing empty components). The helpers here take 1-based
data element numbers as a directory reads them (BGM element 2 is the document number) and
convert to the ISO 9735 positions (tag = 1) only when they build an ``EdifactProblem``.

Numbers: ISO 9735 allows a comma or a full stop as the decimal mark, names the sender's
choice in UNA (a default of "." without UNA) and forbids triad separators. Both marks are
read whatever UNA says: syntax version 4 explicitly allows either in the data, senders on
version 3 mix them in practice, and without triad separators a single mark is never
ambiguous. A value with two marks, an exponent or a "+" is rejected.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from pydifact.segments import Segment

from ordergate.errors import DocumentError
from ordergate.mappings.x12_values import normalise_gtin
from ordergate.orders.numbers import MAX_AMOUNT, MAX_NUMBER_TEXT, out_of_range
from ordergate.parsers.edifact import (
    INVALID_CHARACTER_TYPE,
    INVALID_VALUE,
    MISSING,
    TOO_LONG,
    VALUE_NOT_SUPPORTED,
    EdifactProblem,
)

_NUMBER = re.compile(r"-?([0-9]*)(?:[.,]([0-9]*))?")
_NUMERIC_CHARACTERS = frozenset("0123456789.,-")


class EdifactValueError(DocumentError):
    """One segment or element that cannot be read; carries what UCS/UCD report.

    ``index`` is the segment's position in the message (UNH = 1); ``element`` the 1-based
    data element number after the tag, or None when the whole segment is at fault (e.g.
    missing).
    """

    def __init__(self, message: str, *, tag: str, index: int, code: str,
                 element: int | None = None, component: int | None = None,
                 ref: str | None = None, bad_value: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tag = tag
        self.index = index
        self.code = code
        self.element = element
        self.component = component
        self.ref = ref
        self.bad_value = bad_value

    def to_problem(self, message_position: int, message_reference: str | None) -> EdifactProblem:
        return EdifactProblem(
            code=self.code, message=self.message, level="message", segment_tag=self.tag,
            segment_position=self.index,
            # DE 0098 counts the tag as 1, so data element n sits at position n + 1.
            element_position=None if self.element is None else self.element + 1,
            component_position=self.component if self.element is not None else None,
            element_ref=self.ref, bad_value=self.bad_value,
            position=message_position + self.index - 1, message_reference=message_reference,
        )


def component(seg: Segment, element: int, position: int = 1) -> str:
    """Component ``position`` of data element ``element`` (both 1-based), stripped; "" if absent."""
    elements = seg.elements
    if len(elements) < element:
        return ""
    value = elements[element - 1]
    if isinstance(value, str):
        return value.strip() if position == 1 else ""
    return value[position - 1].strip() if len(value) >= position else ""


def components(seg: Segment, element: int) -> list[str]:
    elements = seg.elements
    if len(elements) < element:
        return []
    value = elements[element - 1]
    return [value.strip()] if isinstance(value, str) else [part.strip() for part in value]


def required(seg: Segment, element: int, position: int, index: int, ref: str, label: str) -> str:
    value = component(seg, element, position)
    if not value:
        raise EdifactValueError(f"{seg.tag} {ref} ({label}) is missing", tag=seg.tag, index=index,
                                code=MISSING, element=element, component=position, ref=ref)
    return value


def number(seg: Segment, element: int, position: int, index: int, ref: str, label: str, *,
           mandatory: bool = False, decimal_mark: str = ".") -> Decimal | None:
    raw = component(seg, element, position)
    if not raw:
        if mandatory:
            required(seg, element, position, index, ref, label)
        return None
    if len(raw) > MAX_NUMBER_TEXT:  # before converting: a million digits are no number we read
        raise EdifactValueError(f"{seg.tag} {ref} ({label}) is {len(raw)} characters long; a "
                                f"number has at most {MAX_NUMBER_TEXT}", tag=seg.tag, index=index,
                                code=TOO_LONG, element=element, component=position, ref=ref,
                                bad_value=raw[:35])
    value = read_number(raw, decimal_mark)
    if value is None:
        code = INVALID_VALUE if set(raw) <= _NUMERIC_CHARACTERS else INVALID_CHARACTER_TYPE
        raise EdifactValueError(f"{seg.tag} {ref} ({label}) {raw!r} is not a number", tag=seg.tag,
                                index=index, code=code, element=element, component=position,
                                ref=ref, bad_value=raw[:35])
    return value


def read_number(raw: str, decimal_mark: str = ".") -> Decimal | None:
    """An EDIFACT numeric value ("12.50", "12,50", "-3", "5.") as a Decimal; None if it is not one.

    ``decimal_mark`` (UNA3) only matters when a UNA names a mark other than "." and ",".
    """
    if decimal_mark not in (".", ","):
        raw = raw.replace(decimal_mark, ".")
    match = _NUMBER.fullmatch(raw)
    if match is None or not (match.group(1) or match.group(2)):
        return None
    sign = "-" if raw.startswith("-") else ""
    whole, fraction = match.group(1) or "0", match.group(2)
    return Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")


def plain_number(raw: str) -> Decimal | None:
    """``read_number`` for the usual shape (ASCII digits, at most one full stop) in one step;
    None for anything else, which ``number`` then reads or rejects with its UCD detail."""
    if len(raw) <= MAX_NUMBER_TEXT and raw.isascii() and raw.replace(".", "", 1).isdigit():
        return Decimal(raw)
    return None


def check_length(value: str | None, limit: int, seg: Segment, element: int, position: int,
                 index: int, ref: str, label: str) -> str | None:
    """A value longer than we store is rejected (code 39), never cut or left to the database."""
    if value is not None and len(value) > limit:
        raise EdifactValueError(
            f"{seg.tag} {ref} ({label}) is {len(value)} characters long; at most {limit} are "
            f"accepted", tag=seg.tag, index=index, code=TOO_LONG, element=element,
            component=position, ref=ref, bad_value=value[:35])
    return value


def check_amount(value: Decimal | None, seg: Segment, element: int, position: int, index: int,
                 ref: str, label: str) -> Decimal | None:
    if value is not None and out_of_range(value):
        raise EdifactValueError(f"{seg.tag} {ref} ({label}) {str(value)[:35]} is out of range: a "
                                f"quantity or price must be below {MAX_AMOUNT:,.0f}", tag=seg.tag,
                                index=index, code=TOO_LONG, element=element, component=position,
                                ref=ref, bad_value=str(value)[:35])
    return value


# DE 2379 format code -> (how the date starts, exact length or None when variable).
# Periods (7xx) give their first date; times and zones after the date are checked for length only.
DATE_FORMATS: dict[str, tuple[str, int | None]] = {
    "2": ("DDMMYY", 6), "101": ("YYMMDD", 6), "102": ("CCYYMMDD", 8),
    "201": ("YYMMDD", 10), "202": ("YYMMDD", 12), "203": ("CCYYMMDD", 12),
    "204": ("CCYYMMDD", 14), "205": ("CCYYMMDD", None), "303": ("CCYYMMDD", None),
    "304": ("CCYYMMDD", None), "616": ("CCYYWW", 6),
    "711": ("YYMMDD", 13), "713": ("YYMMDD", 21), "718": ("CCYYMMDD", 17),
    "719": ("CCYYMMDD", 25),
}
# Senders that leave 2379 out mostly mean one of these; the length tells which.
FORMAT_BY_LENGTH = {6: "101", 8: "102", 10: "201", 12: "203", 14: "204"}


def dtm_date(seg: Segment, index: int, label: str) -> date | None:
    """The date in a DTM's C507 (2380 value, 2379 format), or None when the value is empty."""
    raw = component(seg, 1, 2)
    if not raw:
        return None
    fmt = component(seg, 1, 3) or FORMAT_BY_LENGTH.get(len(raw), "102")
    if fmt not in DATE_FORMATS:
        raise EdifactValueError(
            f"DTM 2379 date format {fmt!r} for {label} is not supported (use 102 CCYYMMDD)",
            tag=seg.tag, index=index, code=VALUE_NOT_SUPPORTED, element=1, component=3,
            ref="2379", bad_value=fmt[:35])
    layout, length = DATE_FORMATS[fmt]
    value = _read_date(raw, layout, length)
    if value is None:
        code = INVALID_VALUE if set(raw) <= set("0123456789-+Z") else INVALID_CHARACTER_TYPE
        raise EdifactValueError(f"DTM 2380 ({label}) {raw!r} is not a date in format {fmt} "
                                f"({layout})", tag=seg.tag, index=index, code=code, element=1,
                                component=2, ref="2380", bad_value=raw[:35])
    return value


def _read_date(raw: str, layout: str, length: int | None) -> date | None:
    if length is not None and len(raw) != length:
        return None
    head = raw[:len(layout)]
    if len(head) != len(layout) or not head.isdigit() or not head.isascii():
        return None
    try:
        if layout == "CCYYMMDD":
            return date(int(head[:4]), int(head[4:6]), int(head[6:8]))
        if layout == "CCYYWW":
            return date.fromisocalendar(int(head[:4]), int(head[4:6]), 1)
        if layout == "YYMMDD":
            return date(_century(head[:2]), int(head[2:4]), int(head[4:6]))
        return date(_century(head[4:6]), int(head[2:4]), int(head[:2]))  # DDMMYY
    except ValueError:
        return None


def _century(yy: str) -> int:
    # No window is defined by EDIFACT; the X12 one (00-49 -> 20xx) keeps both mappings alike.
    year = int(yy)
    return 2000 + year if year < 50 else 1900 + year


def normalise_isbn(raw: str) -> str | None:
    """ISBN-10 and ISBN-13 as the GTIN-14 of their EAN ("Bookland" 978) form."""
    digits = raw.replace("-", "").replace(" ", "").upper()
    if len(digits) == 13 and digits.isdigit() and digits.startswith(("978", "979")):
        return normalise_gtin(digits)
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        body = "978" + digits[:9]
        return normalise_gtin(body + _check_digit(body))
    return None


def is_valid_gtin(digits: str) -> bool:
    """Check-digit test, for numbers whose sender did not say they are GTINs."""
    return (digits.isdigit() and digits.isascii() and len(digits) in (8, 12, 13, 14)
            and _check_digit(digits[:-1]) == digits[-1])


def _check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


# Continuation components (names, descriptions) are cut at the element's maximum length,
# often mid-word; parts that fill the whole width are glued back without a space.
CONTINUATION_WIDTH = 35


def join_continued(parts: list[str]) -> str:
    text = ""
    previous = ""
    for part in parts:
        if not part:
            continue
        glue = "" if not text or len(previous) >= CONTINUATION_WIDTH else " "
        text += glue + part
        previous = part
    return text


def shorten(text: str | None, limit: int) -> str | None:
    """Free text (descriptions, notes) only informs a person: cut it to fit instead of rejecting."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit - 1] + "…"
