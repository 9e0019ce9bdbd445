"""EDIFACT: finding and decoding interchanges (``source``), splitting them into segments
(``tokens``) and reading them as envelope and message events (``reader``, typed in ``types``),
with the syntax problems a CONTRL reports (``problems``).
"""

from __future__ import annotations

from ordergate.parsers.edifact.problems import (
    DUPLICATE_DETECTED,
    INVALID_CHARACTER_TYPE,
    INVALID_VALUE,
    MISSING,
    TOO_LONG,
    UNKNOWN_SENDER,
    VALUE_NOT_SUPPORTED,
    EdifactProblem,
)
from ordergate.parsers.edifact.reader import count_interchanges, iter_edifact
from ordergate.parsers.edifact.tokens import LINE_BREAKS, split_segments
from ordergate.parsers.edifact.types import (
    Delimiters,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Message,
)

__all__ = [
    "count_interchanges",
    "Delimiters",
    "DUPLICATE_DETECTED",
    "EdifactProblem",
    "GroupEnd",
    "GroupHeader",
    "InterchangeEnd",
    "InterchangeHeader",
    "INVALID_CHARACTER_TYPE",
    "INVALID_VALUE",
    "iter_edifact",
    "LINE_BREAKS",
    "Message",
    "MISSING",
    "split_segments",
    "TOO_LONG",
    "UNKNOWN_SENDER",
    "VALUE_NOT_SUPPORTED",
]
