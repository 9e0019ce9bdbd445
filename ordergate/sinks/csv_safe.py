"""Writing CSV that a spreadsheet opens as data, never as formulas.

Cells of our CSV files carry text senders chose (PO numbers, their part numbers, reasons that
quote them). A spreadsheet runs a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=cmd|' /C calc'!A0`` starts a program), and one starting with a tab or carriage return can
be trimmed into one. Following OWASP's advice on CSV injection, such a cell is written with a
leading single quote, which spreadsheets show as text. A cell that is a plain number
(``-5``, ``-12.50``) cannot be a formula and is left alone, so negative quantities and amounts
we write stay numbers.

Every CSV the product writes goes through ``safe_writer``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A sign, digits, optionally one decimal point or comma and more digits: nothing to evaluate.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def safe_cell(value: Any) -> str:
    """``value`` as CSV cell text a spreadsheet will not evaluate; None is an empty cell."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeCsvWriter:
    """A ``csv.writer`` whose every cell passes ``safe_cell`` first."""

    def __init__(self, handle, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(handle, **options: Any) -> SafeCsvWriter:
    """Like ``csv.writer(handle, **options)``, with formula-leading cells neutralised."""
    return SafeCsvWriter(handle, **options)
