"""Amounts as acknowledgements write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordergate.orders.numbers import (
    fits_stored_scale,
    money_text,
    quantity_text,
    stored_exactly,
    tidy_money,
    tidy_quantity,
)


@pytest.mark.parametrize("value", ["498.56", "284.9", "115", "10.8000", "0.05", "-0.50", "0",
                                   "1E+2", "0.00000001", "123456789012.34", "7.125", "0.10"])
def test_money_text_is_tidy_money_as_text(value: str) -> None:
    assert money_text(Decimal(value)) == format(tidy_money(Decimal(value)), "f")
    assert quantity_text(Decimal(value)) == format(tidy_quantity(Decimal(value)), "f")


def _scale_4_by_tuple(value: Decimal) -> bool:
    """The plain definition the fast check must agree with (trailing zeros do not count)."""
    return value.normalize().as_tuple().exponent >= -4


@pytest.mark.parametrize("value", ["75", "237.95", "12.5", "0.0001", "0.00001", "2.50000",
                                   "2.50001", "1E+3", "1E-5", "0", "0E-10", "-3.14159", "-3.1415",
                                   "12345678901234567890.1234", "12345678901234567890.12345",
                                   "99999999999999.9999", "1.23E+25"])
def test_fits_stored_scale_is_four_decimals_by_value(value: str) -> None:
    number = Decimal(value)
    assert fits_stored_scale(number) is _scale_4_by_tuple(number)


@pytest.mark.parametrize("value, expected", [
    ("75", True), ("237.95", True), ("2.50000", True), ("0.0001", True), (None, True),
    ("2.50001", False), ("0.00001", False),
    ("12345678901.2345", True),  # 15 significant digits: a double keeps them
    ("123456789012.3456", False),  # 16: SQLite would round
    ("123456789012345", True), ("1234567890123456", False), ("1E+20", True),
    ("NaN", False), ("Infinity", False),
])
def test_stored_exactly_means_the_column_gives_the_same_value_back(value, expected) -> None:
    number = None if value is None else Decimal(value)
    assert stored_exactly(number) is expected
    if expected and number is not None:  # what SQLite's REAL, read at scale 4, gives back
        assert Decimal(repr(float(number))).quantize(Decimal("1E-4")) == number


def test_amounts_for_people_have_their_currencys_decimals():
    from decimal import Decimal

    from ordergate.orders.numbers import amount_text

    assert amount_text(Decimal("136.1000"), "USD") == "136.10 USD"
    assert amount_text(Decimal("220.000"), "EUR") == "220.00 EUR"
    assert amount_text(Decimal("220.0000"), "jpy") == "220 JPY"
    assert amount_text(Decimal("1.5"), "KWD") == "1.500 KWD"
    assert amount_text(Decimal("0.0050"), "USD") == "0.005 USD"  # a price finer than a cent
    assert amount_text(Decimal("7"), None) == "7.00"
    assert amount_text(None, "USD") == "-"
