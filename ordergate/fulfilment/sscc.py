"""SSCC-18, the serial shipping container code on a package's label (GS1 AI 00).

Eighteen digits: an extension digit, a GS1 company prefix and serial reference, and a check
digit computed like every GS1 key's (weights 3 and 1 from the right, modulo 10). A mistyped
label is refused when recorded, not discovered when the customer's receiving dock scans it.
"""

from __future__ import annotations

from ordergate.gs1 import check_digit


def sscc_problem(value: str) -> str | None:
    """Why ``value`` is not an SSCC-18, or None when it is one."""
    if len(value) == 20 and value.startswith("00"):  # scanned with its application identifier
        value = value[2:]
    if len(value) != 18 or not value.isascii() or not value.isdigit():
        return "an SSCC has 18 digits"
    expected = check_digit(value[:-1])
    if value[-1] != expected:
        return f"the check digit is {value[-1]}, but the digits before it give {expected}"
    return None


def normalise_sscc(value: str) -> str:
    """The 18 digits, without a leading "00" application identifier."""
    value = value.strip()
    return value[2:] if len(value) == 20 and value.startswith("00") else value
