"""GS1 keys (GTIN, SSCC): the one check digit rule they share."""

from __future__ import annotations


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for ``body`` (all digits but the last)."""
    # Weights 3,1,3,... from the rightmost body digit, the same for every key length.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str(-total % 10)
