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


def _in(f: Failure, *names: str) -> bool:
    return any(file.endswith(name) for file in f.files for name in names)


KNOWN = (
    Known("Decimal Overflow on huge numbers (x12_values.check_amount / edifact_values._read_qty)",
          lambda f: f.exc_type in ("Overflow", "InvalidOperation")
          and _in(f, "mappings/x12_values.py", "mappings/edifact_values.py",
                  "mappings/edifact_orders.py")),
    Known("ValueError in x12_writer._field for over-long envelope values",
          lambda f: f.exc_type == "ValueError" and _in(f, "parsers/x12_writer.py")
          and "delimiter" not in f.message),
    Known("XLSX/XLS memory blowup or xlrd printing to stdout",
          lambda f: f.reader in ("tabular", "e2e", "email")
          and (f.kind in ("memory", "stdout", "timeout", "crash") or f.exc_type == "MemoryError")
          and (f.kind == "stdout" or _in(f, "openpyxl", "xlrd", "tabular_read.py", "zipfile"))),
    Known("mail header parsing slow on many RFC 2231 parameters",
          lambda f: f.reader in ("email", "e2e") and f.kind in ("timeout", "crash")
          and _in(f, "email/_header_value_parser.py", "email/headerregistry.py",
                  "email/message.py", "email/utils.py", "email/_policybase.py")),
)


def known_label(failure: Failure) -> str | None:
    return next((k.label for k in KNOWN if k.matches(failure)), None)
