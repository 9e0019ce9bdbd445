"""Writing CSV that a spreadsheet opens as data, never as formulas.

Cells of our CSV files carry text senders chose (PO numbers, their part numbers, reasons that
quote them). A spreadsheet runs a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=cmd|' /C calc'!A0`` starts a program), and one starting with a tab or carriage return can
be trimmed into one. Following OWASP's advice on CSV injection, such a cell is written with a
leading single quote, which spreadsheets show as text. A cell that is a plain number
(``-5``, ``-12.50``) cannot be a formula and is left alone, so negative quantities and amounts
we write stay numbers.

A spreadsheet set to another separator (``;`` in a German locale, tab, ``|``) splits a cell
such as ``X;=HYPERLINK(...)`` and runs its second half, so a trigger that follows a separator
character (``;``, ``,``, tab, ``|``, a line break), after optional spaces, gets the quote too:
``=``, ``@``, tab and carriage return always; ``+`` and ``-`` when no digit follows, or when
what follows in the cell holds a formula operator or DDE character (``-1+cmd|...``), so that
``Bolt, -20`` and ``2 x 10; -5 %`` stay as written.

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
# A trigger after a separator character and optional spaces; group 2 is the trigger.
_AFTER_SEPARATOR = re.compile(r"([;,\t|\r\n] *)([=@\t\r+-])")
_NEXT_SPLIT = re.compile(r"[;,\t\r\n]")
# What a formula needs besides digits: operators, calls, references, DDE.
_FORMULA_SIGNS = re.compile(r"[=+\-*/^&|!(@:]")


def safe_cell(value: Any) -> str:
    """``value`` as CSV cell text a spreadsheet will not evaluate; None is an empty cell."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        text = "'" + text
    if _AFTER_SEPARATOR.search(text):
        text = _AFTER_SEPARATOR.sub(_quote_split_trigger, text)
    return text


def _quote_split_trigger(match: re.Match[str]) -> str:
    separator, trigger = match.group(1), match.group(2)
    if trigger in "+-":
        # Up to the next separator that could end the split cell; "|" is kept in, as DDE needs it.
        rest = _NEXT_SPLIT.split(match.string[match.end():], 1)[0]
        if rest[:1].isdigit() and not _FORMULA_SIGNS.search(rest):
            return match.group(0)  # a signed number ("Bolt, -20"): nothing to run
    return f"{separator}'{trigger}"


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
