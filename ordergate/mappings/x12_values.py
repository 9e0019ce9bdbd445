"""Reading X12 element values (numbers, dates, ids) with the AK4 detail a 997 needs on failure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from ordergate.errors import DocumentError
from ordergate.orders.numbers import MAX_AMOUNT, MAX_NUMBER_TEXT, out_of_range
from ordergate.parsers.x12 import Segment, X12Problem

# AK403 element syntax error codes
MANDATORY_MISSING = "1"
TOO_LONG = "5"
INVALID_CHARACTER = "6"
INVALID_DATE = "8"

# AK304 segment syntax error codes
SEGMENT_HAS_ELEMENT_ERRORS = "8"
MANDATORY_SEGMENT_MISSING = "3"


class ElementError(DocumentError):
    """One element that cannot be read; carries what AK3/AK4 report."""

    def __init__(self, message: str, *, segment_id: str, index: int, element_position: int,
                 element_ref: str, element_code: str, bad_value: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.segment_id = segment_id
        self.index = index  # position of the segment within the transaction set (ST = 1)
        self.element_position = element_position
        self.element_ref = element_ref
        self.element_code = element_code
        self.bad_value = bad_value

    def to_problem(self, base_position: int) -> X12Problem:
        return X12Problem(
            level="transaction", code="5", message=self.message,
            position=base_position + self.index - 1, segment_id=self.segment_id,
            segment_position_in_set=self.index, segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
            element_position=self.element_position, element_ref=self.element_ref,
            element_code=self.element_code, bad_value=self.bad_value,
        )


def element(seg: Segment, pos: int) -> str:
    return seg[pos].strip() if len(seg) > pos else ""


def required(seg: Segment, pos: int, index: int, ref: str, label: str) -> str:
    value = element(seg, pos)
    if not value:
        raise ElementError(f"{seg[0]}{pos:02d} ({label}) is missing", segment_id=seg[0],
                           index=index, element_position=pos, element_ref=ref,
                           element_code=MANDATORY_MISSING)
    return value


def decimal_value(seg: Segment, pos: int, index: int, ref: str, label: str,
                  *, mandatory: bool = False) -> Decimal | None:
    raw = element(seg, pos)
    if not raw:
        if mandatory:
            required(seg, pos, index, ref, label)
        return None
    if len(raw) > MAX_NUMBER_TEXT:  # before converting: a million digits are no number we read
        raise ElementError(f"{seg[0]}{pos:02d} ({label}) is {len(raw)} characters long; a number "
                           f"has at most {MAX_NUMBER_TEXT}", segment_id=seg[0], index=index,
                           element_position=pos, element_ref=ref, element_code=TOO_LONG,
                           bad_value=raw[:40])
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ElementError(f"{seg[0]}{pos:02d} ({label}) {raw!r} is not a number",
                           segment_id=seg[0], index=index, element_position=pos,
                           element_ref=ref, element_code=INVALID_CHARACTER, bad_value=raw)
    # Every number read is an amount, a count or a total: beyond 10^14 (or with an exponent
    # such as 1E999999999, which int() or a format would spell out digit by digit) none is.
    return check_amount(value, seg, pos, index, ref, label)


def date_value(seg: Segment, pos: int, index: int, ref: str, label: str) -> date | None:
    raw = element(seg, pos)
    if not raw:
        return None
    try:
        if len(raw) == 8 and raw.isdigit():
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        if len(raw) == 6 and raw.isdigit():
            # Pre-4010 YYMMDD: the X12 century window (00-49 → 20xx).
            year = int(raw[:2])
            return date(2000 + year if year < 50 else 1900 + year, int(raw[2:4]), int(raw[4:]))
    except ValueError:
        pass
    raise ElementError(f"{seg[0]}{pos:02d} ({label}) {raw!r} is not a date (CCYYMMDD)",
                       segment_id=seg[0], index=index, element_position=pos, element_ref=ref,
                       element_code=INVALID_DATE, bad_value=raw)


def normalise_gtin(raw: str) -> str | None:
    """UPC-A (12), EAN-13, GTIN-14 and EAN-8 all compare as 14 zero-padded digits."""
    digits = raw.strip()
    if digits.isdigit() and len(digits) in (8, 12, 13, 14):
        return digits.zfill(14)
    return None


def check_length(value: str | None, limit: int, seg: Segment, pos: int, index: int, ref: str,
                 label: str) -> str | None:
    """A value longer than we store is rejected (AK4 code 5), never cut or left to the database."""
    if value is not None and len(value) > limit:
        raise ElementError(f"{seg[0]}{pos:02d} ({label}) is {len(value)} characters long; at most "
                           f"{limit} are accepted", segment_id=seg[0], index=index,
                           element_position=pos, element_ref=ref, element_code=TOO_LONG,
                           bad_value=value[:40])
    return value


def check_amount(value: Decimal | None, seg: Segment, pos: int, index: int, ref: str,
                 label: str) -> Decimal | None:
    if value is not None and out_of_range(value):
        raise ElementError(f"{seg[0]}{pos:02d} ({label}) {seg[pos].strip()[:40]} is out of range: "
                           f"a quantity or price must be below {MAX_AMOUNT:,.0f}", segment_id=seg[0],
                           index=index, element_position=pos, element_ref=ref,
                           element_code=TOO_LONG, bad_value=seg[pos].strip()[:40])
    return value
