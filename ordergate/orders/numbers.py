"""How amounts read back from NUMERIC(18,4) columns are shown and sent: as a person wrote them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

# What a number sent by a partner may be before anything computes with it. Its text is
# bounded before it is converted (a million digits would cost the conversion itself, and the
# context's 28 digits turn anything past 10^999999 into an Overflow), its size after: within
# NUMERIC(18, 4) (14 digits before the point), and no exponent that formats into a huge text.
MAX_NUMBER_TEXT = 40
MAX_AMOUNT = Decimal("1e14")
MAX_ADJUSTED = 14  # Decimal.adjusted() of MAX_AMOUNT: a value is below it when its adjusted() is
MIN_ADJUSTED = -40  # 1E-40 and smaller (also 0E-999999999) are not amounts anyone means

_CENTS = Decimal("0.01")
_ONE = Decimal("1")
_STORED_PLACES = Decimal("1E-4")  # the scale of every NUMERIC(18, 4) column


def out_of_range(value: Decimal) -> bool:
    """Whether a finite ``value`` is 10^14 or more in size, or has an exponent that would print
    as a huge text (0E+999999999, 1E-999999999). ``adjusted`` only, no arithmetic, so never an
    Overflow: for a value other than zero, adjusted() < 14 is exactly abs(value) < 10^14."""
    return not MIN_ADJUSTED < value.adjusted() < MAX_ADJUSTED


def fits_stored_scale(value: Decimal) -> bool:
    """Whether a finite ``value`` loses nothing at four decimals (NUMERIC(18, 4)): 2.5 and
    2.50000 do, 2.50001 does not. Checked for every line of every order, hence quantize and
    not ``as_tuple`` (whose named tuple is built in Python: about twice the time)."""
    if value.adjusted() < 20:  # quantize stays within the context's 28 digits
        return value == value.quantize(_STORED_PLACES)
    return value.normalize().as_tuple().exponent >= -4


def stored_exactly(value: Decimal | None) -> bool:
    """Whether a NUMERIC(18, 4) column gives ``value`` back with the same value: at most four
    decimals that are not zero, and at most 15 significant digits (SQLite keeps a double)."""
    if value is None:
        return True
    if not value.is_finite():
        return False
    if value.adjusted() < 11:  # at most 11 + 4 digits
        return value == value.quantize(_STORED_PLACES)
    _, digits, exponent = value.normalize().as_tuple()
    return exponent >= -4 and len(digits) <= 15


def quantity_from_text(text: str) -> Decimal | None:
    """A quantity as a person or a warehouse file writes it, or None unless it is one the store
    keeps exactly: above 0, below 10^14 and with at most four decimals (``1e-30`` would be
    stored as 0 and ``2.00001`` as 2)."""
    if not text or len(text) > 40:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or out_of_range(value) or not fits_stored_scale(value):
        return None
    return value


def tidy_money(value: Decimal | None) -> Decimal | None:
    """10.8000 becomes 10.80, 115 stays 115.00 when it came so; more decimals than cents are kept."""
    if value is None:
        return None
    return value.quantize(_CENTS) if value == value.quantize(_CENTS) else value.normalize()


def tidy_quantity(value: Decimal | None) -> Decimal | None:
    """3.0000 becomes 3; 2.5000 becomes 2.5."""
    if value is None:
        return None
    return value.quantize(_ONE) if value == value.to_integral_value() else value.normalize()


# As sent in acknowledgements (X12 855, EDIFACT ORDRSP): a busy batch writes hundreds of
# thousands of these.
def money_text(value: Decimal | None) -> str:
    """``tidy_money`` as text ("" for None)."""
    if value is None:
        return ""
    text = str(value)
    # Already in cents (the usual price, and too varied for a cache to help): as it is.
    return text if text[-3:-2] == "." else _tidy_money_text(value)


@lru_cache(maxsize=8192)
def _tidy_money_text(value: Decimal) -> str:
    return format(tidy_money(value), "f")


# Quantities repeat (1, 2, 12, 100): each is formatted once. Decimal("10") and
# Decimal("10.0") share an entry, which is right, as both print the same.
@lru_cache(maxsize=8192)
def quantity_text(value: Decimal | None) -> str:
    """``tidy_quantity`` as text ("" for None)."""
    return "" if value is None else format(tidy_quantity(value), "f")


# ISO 4217 minor units where they are not 2 (the rest of the world's currencies use cents).
_MINOR_UNITS = {**dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                                 "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
                **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
                **dict.fromkeys(("CLF", "UYW"), 4)}


def amount_text(value: Decimal | None, currency: str | None) -> str:
    """``136.10 USD``, ``220 JPY``, ``1.500 KWD``: an amount with its currency's decimals (more
    when the amount has them, as a unit price of 0.005 does), for people to read. No amount:
    ``-``; no currency: the amount with two decimals."""
    if value is None:
        return "-"
    code = (currency or "").strip().upper()
    places = _MINOR_UNITS.get(code, 2)
    step = _ONE.scaleb(-places)
    shown = value.quantize(step) if value == value.quantize(step) else value.normalize()
    text = format(shown, "f")
    return f"{text} {code}" if code else text
