"""The error taxonomy every stage raises from.

Three outcomes: a bad document is kept and marked failed with a reason a person can act on
(``DocumentError`` and subclasses); a transient problem is retried (``TransientError``, network
I/O only); a bug or bad configuration fails the run loudly (``ConfigError``; ``InternalError``
and anything unexpected, reported with the traceback in the log). ``UsageError`` is a request
that cannot be done as asked (no such order, an order that is not held): nothing is wrong with
the system.

The command line turns each kind into an exit code in one table (``ordergate.cli``).
"""

from __future__ import annotations


class OrdergateError(Exception):
    """Base of every error ordergate raises on purpose."""


class ConfigError(OrdergateError):
    """Bad settings, master data or partner profile: fail loudly, change nothing."""


class TransientError(OrdergateError):
    """Network hiccup or similar: retry with backoff."""


class UsageError(OrdergateError):
    """What was asked cannot be done (no such record, not in a state that allows it)."""


class InternalError(OrdergateError):
    """A fault in ordergate itself found on purpose (a format registered without an answer, a
    reader child that crashed): reported like any bug, with its traceback, never retried; a
    document it hit is kept for replay."""


class DocumentError(OrdergateError):
    """The document itself is bad: keep it, mark it failed with this message."""


class ParseError(DocumentError):
    """Bytes that cannot be read as the format they claim, with where it went wrong."""

    def __init__(self, message: str, *, position: int | None = None,
                 segment_id: str | None = None, control_number: str | None = None) -> None:
        self.position = position
        self.segment_id = segment_id
        self.control_number = control_number
        where = []
        if segment_id:
            where.append(f"segment {segment_id}")
        if position is not None:
            where.append(f"position {position}")
        if control_number:
            where.append(f"control number {control_number}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)
        self.reason = message


class MappingError(DocumentError):
    """A parsed document that cannot become a sales order, naming partner and field."""

    def __init__(self, message: str, *, partner: str | None = None, field: str | None = None) -> None:
        self.partner = partner
        self.field = field
        super().__init__(message)
