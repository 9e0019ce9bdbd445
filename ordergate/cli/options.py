"""Options several commands share, spelled and explained the same way everywhere."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
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
