"""``plain_number``, the ORDERS mapping's one-step reading of quantities and prices, agrees with
``read_number`` wherever it answers, and leaves everything else to it."""

from __future__ import annotations

from itertools import product

import pytest

from ordergate.mappings.edifact_values import plain_number, read_number

# Every string of up to four characters over digits, both marks, signs, an exponent, a space
# and a digit outside ASCII (Arabic-Indic three, which str.isdigit and Decimal accept).
ALPHABET = "09.,-+e \u0663"
CANDIDATES = ["".join(chars) for size in range(5) for chars in product(ALPHABET, repeat=size)]


def test_plain_number_is_read_number_wherever_it_answers() -> None:
    answered = 0
    for raw in CANDIDATES:
        value = plain_number(raw)
        if value is None:
            continue
        answered += 1
        expected = read_number(raw)
        # The same number written the same way: 5. is 5, .5 is 0.5, 007.50 keeps its zeros.
        assert expected is not None, raw
        assert value.as_tuple() == expected.as_tuple(), raw
    assert answered > 50


@pytest.mark.parametrize("raw", ["", ".", "-1", "1,5", "1.5.", "+1", "1e3", " 1", "\u0663",
                                 "NaN", "Infinity", "1_000"])
def test_anything_but_ascii_digits_with_one_full_stop_is_left_to_read_number(raw: str) -> None:
    assert plain_number(raw) is None


@pytest.mark.parametrize("raw", ["78", "283.66", "5.", ".5", "007.50", "0"])
def test_the_usual_quantities_and_prices_are_read(raw: str) -> None:
    value = plain_number(raw)
    assert value is not None and value == read_number(raw)
