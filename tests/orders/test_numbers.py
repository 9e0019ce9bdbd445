"""Amounts as acknowledgements write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordergate.orders.numbers import money_text, quantity_text, tidy_money, tidy_quantity


@pytest.mark.parametrize("value", ["498.56", "284.9", "115", "10.8000", "0.05", "-0.50", "0",
                                   "1E+2", "0.00000001", "123456789012.34", "7.125", "0.10"])
def test_money_text_is_tidy_money_as_text(value: str) -> None:
    assert money_text(Decimal(value)) == format(tidy_money(Decimal(value)), "f")
    assert quantity_text(Decimal(value)) == format(tidy_quantity(Decimal(value)), "f")
