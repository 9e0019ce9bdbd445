"""Options several commands share, spelled and explained the same way everywhere."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from enum import StrEnum


def add_json(parser: argparse.ArgumentParser, help: str = "print JSON instead of a table") -> None:
    parser.add_argument("--json", action="store_true", help=help)


def add_by(parser: argparse.ArgumentParser, help: str = "who is acting (default: cli:<OS user>)") -> None:
    parser.add_argument("--by", help=help)


def add_limit(parser: argparse.ArgumentParser, default: int | None = 200,
              help: str = "at most this many, newest first (default: %(default)s)") -> None:
    parser.add_argument("--limit", type=int, default=default, help=help)


def add_status(parser: argparse.ArgumentParser, statuses: Iterable[StrEnum]) -> None:
    """``--status`` with the enum's members as its choices: a status added to the enum is
    accepted here at once. The value handed on is the plain string the database stores."""
    choices = [status.value for status in statuses]
    parser.add_argument("--status", choices=choices, help="only those with this status")


def line_quantity(text: str) -> tuple[int, Decimal]:
    """``N=QTY`` (``--line 2=5``): a line number and a quantity above 0."""
    number, sep, quantity = text.partition("=")
    try:
        if not sep or not number.strip().isdigit():
            raise ValueError
        value = Decimal(quantity.strip())
        if not value.is_finite() or value <= 0:
            raise ValueError
    except (ValueError, InvalidOperation):
        raise argparse.ArgumentTypeError(f"{text!r} is not LINE=QUANTITY (e.g. 2=5)") from None
    return int(number), value
