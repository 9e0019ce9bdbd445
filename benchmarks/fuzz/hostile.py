"""Hostile values for the structure-aware generators: numbers, ids, dates and text that a
well-formed envelope may carry. ``number`` includes huge exponents, long digit runs, NaN,
negative zero and grouping commas; ``big_number`` the million-digit one (slow to build, so
drawn rarely)."""

from __future__ import annotations

import random

NUMBERS = [
    "0", "1", "12", "16.50", "2,5", "1,000.50", "1.000,50", "1 000", "1'000.5", "1_000",
    "-0", "-0.0", "+0", "-1", "-12.5", "0.0000001", ".5", "5.", ".", "-", "+", "", " 5 ",
    "NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1E999999999", "1e-999999999",
    "9E+999999999", "-1E999999", "0E-1000000", "1E400", "1e15", "1e3", "0x10", "1.2.3",
    "1,2,3", "99999999999999999999.99999", "1" + "0" * 15, "1" + "0" * 30, "9" * 60,
    "0." + "0" * 40 + "1", "\u0661\u0662\u0663", "\uff11\uff12", "12\u00a0000", "5%",
    "1/2", "$12.00", "12 EUR", "(12.00)", "12-", "1.5e2", "٫5",
]

DATES = ["20261120", "261120", "2026-11-20", "20/11/2026", "11/20/2026", "00000000",
         "99999999", "20261332", "20260229", "20240229", "1", "", "2026112", "202611201200",
         "20261120T0930", "9" * 30, "0001-01-01", "9999-12-31", "31.12.2026", "Nov 20, 2026",
         "20 November 2026", "2026-W47", "\u0662\u0660\u0662\u0666"]

TEXT = ["", " ", "A", "ACME", "HW-1001", "4500012345", "x" * 16, "x" * 80, "y" * 5000,
        "Ümlaut Straße", "名前", "\u202e\u202d", "\x00", "a\tb", "a\r\nb", "'; DROP TABLE x;--",
        "%s%n%x", "{}", "[]", "<b>", "\\", '"', "'", "?", "+", ":", "*", "~", "^", "|", ">",
        "\U0001f600", "\ufeff", "\u2028", "0", "-1", "ZZ", "ORDERGATE", "ACMEBUY", "5412345000013"]

IDS = ["ACMEBUY", "ORDERGATE", "5551234567", "5412345000013", "STRANGER", "", " " * 15,
       "A" * 15, "A" * 16, "A" * 35, "A" * 200, "ÄÖÜ", "x*y", "1"]


def number(rng: random.Random, big: float = 0.002) -> str:
    """``big``: how often the number is a huge one (a page of many numbers wants it rarer)."""
    if rng.random() < big:
        return big_number(rng)
    if rng.random() < 0.3:
        return str(rng.choice((rng.randrange(10**rng.randrange(1, 25)),
                               round(rng.uniform(-1e6, 1e6), rng.randrange(0, 8)))))
    return rng.choice(NUMBERS)


def big_number(rng: random.Random) -> str:
    """A number with up to a million digits: readers must refuse it quickly."""
    digits = rng.choice((5_000, 100_000, 1_000_000))
    body = "9" * digits
    return rng.choice((body, "0." + body, "1" + "0" * digits + ".5", "-" + body))


def text(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "".join(chr(rng.randrange(0x20, 0x2FF)) for _ in range(rng.randrange(30)))
    return rng.choice(TEXT)


def date(rng: random.Random) -> str:
    return rng.choice(DATES)


def ident(rng: random.Random) -> str:
    return rng.choice(IDS) if rng.random() < 0.8 else text(rng)
