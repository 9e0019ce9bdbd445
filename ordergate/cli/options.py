"""Options several commands share, spelled and explained the same way everywhere."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from ordergate.store.ids import MAX_ID, parse_id


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


def record_id(text: str) -> int:
    """An order, invoice or document id as typed: a whole number from 1 to ``MAX_ID``."""
    value = parse_id(text.strip())
    if value is None:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not an id (a whole number from 1 to "
                                         f"{MAX_ID})")
    return value


def line_quantity(text: str) -> tuple[int, Decimal]:
    """``N=QTY`` (``--line 2=5``): a line number and a quantity above 0."""
    from ordergate.orders.numbers import quantity_from_text

    number, sep, quantity = text.partition("=")
    number = number.strip()
    value = quantity_from_text(quantity.strip()) if sep else None
    if not number.isascii() or not number.isdigit() or not 0 < int(number) < 100000 \
            or value is None:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not LINE=QUANTITY (e.g. 2=5: a line "
                                         f"number, and a quantity above 0 with at most four "
                                         f"decimals)")
    return int(number), value
