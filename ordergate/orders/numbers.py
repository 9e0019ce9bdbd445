"""How amounts read back from NUMERIC(18,4) columns are shown and sent: as a person wrote them."""

from __future__ import annotations

from decimal import Decimal

_CENTS = Decimal("0.01")
_ONE = Decimal("1")


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
