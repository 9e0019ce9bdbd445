"""The values a remittance (X12 820, EDIFACT REMADV) carries, read the same way for both."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation


def paid_amount(text: str) -> Decimal | None:
    """An amount in cents (a comma as the decimal mark too), or None."""
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value.adjusted() >= 14 or value != value.quantize(Decimal("0.01")):
        return None
    return value


def ccyymmdd(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
