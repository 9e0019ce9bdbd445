"""What reading one X12 or EDIFACT document may cost: segment and set sizes, and time.

The readers stream, so memory is bounded per unit: a segment longer than ``max_segment_chars``
is never split (only its first characters are read, to report it), and a transaction set or
message of more than ``max_set_segments`` segments stops being held as soon as it passes the
limit. Either is rejected with the standard's negative acknowledgement; its neighbours go on.

Time is bounded per document by a ``Budget``, checked once per chunk or per batch (never per
segment: those loops are the readers' speed). Past it the document fails with
``BudgetExceeded``; what was stored before stays stored, and a replay resumes from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ordergate.errors import DocumentError

_Start = TypeVar("_Start")

DEFAULT_MAX_SEGMENT_CHARS = 100_000
DEFAULT_MAX_SET_SEGMENTS = 200_000
# Each interchange is answered on its own (TA1, 997, CONTRL): without a cap one file of
# repeated ISA or UNB headers makes thousands of acknowledgements.
DEFAULT_MAX_INTERCHANGES = 500
# How much of a segment over the limit is read, to name it and its envelope values.
OVERSIZED_PREFIX = 1_000
MB = 1024 * 1024


class BudgetExceeded(DocumentError):
    """Reading a document took longer than its time budget."""


class TooManyInterchanges(DocumentError):
    """A document holds more interchanges than ``max_interchanges``: refused before anything in
    it is stored or answered."""


@dataclass(frozen=True, slots=True)
class Budget:
    """A document's deadline on the monotonic clock (the same in a forked child)."""

    deadline: float
    seconds: float
    size_mb: float

    @classmethod
    def start(cls, size_bytes: int, min_seconds: float, seconds_per_mb: float) -> Budget:
        """``max(min_seconds, size in MB × seconds_per_mb)`` from now: small documents get the
        minimum, a large batch time in proportion to its size."""
        size_mb = size_bytes / MB
        seconds = max(min_seconds, size_mb * seconds_per_mb)
        return cls(time.monotonic() + seconds, seconds, size_mb)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self, what: str) -> None:
        """Raise ``BudgetExceeded`` when the deadline has passed. Once per chunk or batch."""
        if time.monotonic() > self.deadline:
            self.exceeded(what)

    def exceeded(self, what: str) -> None:
        raise BudgetExceeded(
            f"{what} took longer than {self.seconds:g} s (the budget for a document of "
            f"{self.size_mb:.1f} MB); the orders stored so far are kept and `ordergate replay` "
            f"goes on from there. If the document is legitimate, raise ORDERGATE_PARSE_MAX_SECONDS "
            f"or ORDERGATE_PARSE_SECONDS_PER_MB, or ask the partner to send smaller interchanges")


@dataclass(frozen=True, slots=True)
class EdiLimits:
    max_segment_chars: int = DEFAULT_MAX_SEGMENT_CHARS
    max_set_segments: int = DEFAULT_MAX_SET_SEGMENTS
    max_interchanges: int = DEFAULT_MAX_INTERCHANGES
    budget: Budget | None = None


def refuse_too_many(count: int, limits: EdiLimits) -> None:
    """Raise ``TooManyInterchanges`` when ``count`` (counted up to one past the cap) is over it."""
    if count > limits.max_interchanges:
        raise TooManyInterchanges(
            f"the document holds more than {limits.max_interchanges:,} interchanges; nothing in "
            f"it was stored or answered. Send them as separate files or raise "
            f"ORDERGATE_EDI_MAX_INTERCHANGES")


def check_budget(budget: Budget | None, what: str) -> None:
    if budget is not None and time.monotonic() > budget.deadline:
        budget.exceeded(what)


def count_starts(first: _Start | None, following: Callable[[_Start], _Start | None],
                 limits: EdiLimits) -> int:
    """How many interchange starts a reader would open, counted from ``first`` (None: no
    readable start) by ``following`` (the next start after one, None at the end), up to one
    past ``limits.max_interchanges``; the time budget is checked every hundred."""
    if first is None:
        return 0
    start, count = first, 1
    while count <= limits.max_interchanges:
        start = following(start)
        if start is None:
            break
        count += 1
        if count % 100 == 0:
            check_budget(limits.budget, "counting the interchanges")
    return count
