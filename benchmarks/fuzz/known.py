"""Failures already known and being fixed elsewhere: the report shows them as known, with
their counts, so a run still says whether anything new turned up.

Each entry matches a failure group by its kind, exception type and the source files in its
traceback; when the fix lands the entry stops matching anything and can go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    reader: str
    kind: str  # exception | violation | timeout | memory | stdout | crash
    exc_type: str
    location: str  # innermost ordergate frame (file:line function), else innermost frame
    files: tuple[str, ...]  # every source file in the traceback, innermost last
    message: str


@dataclass(frozen=True)
class Known:
    label: str
    matches: Callable[[Failure], bool]


# Empty: every problem listed here has been fixed, so any failure a run finds is news. An entry
# (a label and a predicate over ``Failure``) lets a run carry on past a problem being worked on.
KNOWN: tuple[Known, ...] = ()


def known_label(failure: Failure) -> str | None:
    return next((k.label for k in KNOWN if k.matches(failure)), None)
