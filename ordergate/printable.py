"""Text from senders made safe to show on a terminal, in a log line or in a Prefect artifact.

PO numbers, interchange ids, file names and the reasons that quote them come from whoever sent
the document. Shown raw, an escape sequence (``\\x1b[2J``) rewrites the operator's terminal, a
right-to-left override (U+202E) reverses what a line appears to say, and a newline forges a
line of its own. At every output boundary such characters are shown as escapes instead:
``\\x1b``, ``\\u202e``, ``\\n``. What is stored keeps the text as received; only what is shown
changes.

``printable`` is for one value (a table cell, a name in a message); ``printable_lines`` for a
message we assembled ourselves, whose line breaks are ours and kept. ``install_log_escaping``
does the same for every log record of ordergate and of Prefect's flow and task runs (whose
logs end up in the Prefect UI).
"""

from __future__ import annotations

import logging
import re
import traceback
from decimal import Decimal
from typing import Any

# Characters that move the cursor, change colours, reorder or hide text, or end a line:
# C0 and C1 controls and DEL (Unicode category Cc), format characters (Cf: bidi embeddings,
# overrides and isolates, zero-width characters, tags), the line and paragraph separators
# (Zl, Zp) and lone surrogates (Cs, left by undecodable bytes; printing one raises).
# Listed rather than derived from unicodedata at import, which would walk all 1.1 million code
# points on every start; a test checks the list against unicodedata.
_UNSAFE_CLASS = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
# The same but for the line feed, which a message we assembled uses to break its lines.
_UNSAFE_BUT_NEWLINE = re.compile(f"(?!\n)[{_UNSAFE_CLASS}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT.get(char)
    if short:
        return short
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def control_character(text: str) -> str | None:
    """The first character of ``text`` that ``printable`` would escape, as its escape; None
    when there is none. For text we are about to send to a customer (a carrier, a tracking
    number, a reason), where an escape sequence has no business at all."""
    found = _UNSAFE.search(text)
    return _escape(found) if found else None


def control_problem(what: str, text: str) -> str | None:
    """Why ``text`` cannot go to a customer as ``what`` (a sentence), or None when it can."""
    found = control_character(text)
    return (f"{what} '{printable(text[:40])}' holds the control character {found}, which "
            f"would reach the customer's documents as it is") if found else None


def printable(value: Any) -> str:
    """``str(value)`` with every control, format and line-breaking character escaped."""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """Like ``printable``, keeping line feeds: for text whose lines we composed."""
    return _UNSAFE_BUT_NEWLINE.sub(_escape, text)


# Markdown that would turn text into links, images, HTML, emphasis, code or table cells; a
# backslash before ASCII punctuation makes CommonMark show it as itself.
_MARKDOWN = re.compile(r"[\\`*_{}\[\]()<>#+\-!|~]")
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")


def markdown_text(value: Any) -> str:
    """``value`` as literal text inside a Markdown paragraph, list item, heading or table cell."""
    text = _MARKDOWN.sub(lambda m: "\\" + m.group(), printable(value))
    return _ORDERED_ITEM.sub(r"\1\\\2", text)  # "1. x" would start a numbered list


# ---------------------------------------------------------------- logging
_ESCAPED_LOGGERS = ("ordergate", "prefect.flow_runs", "prefect.task_runs")
_installed_factory = None


def install_log_escaping() -> None:
    """Make every record of ordergate's loggers (and of Prefect's flow and task run loggers)
    printable when it is made: its message is formatted with its arguments and escaped, and so
    is its traceback. A record factory rather than a filter: filters see only the records of
    the logger (or handler) they are added to, not those of its children. Idempotent."""
    global _installed_factory
    current = logging.getLogRecordFactory()
    if current is _installed_factory:
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        if record.name.startswith(_ESCAPED_LOGGERS):
            _escape_record(record)
        return record

    _installed_factory = factory
    logging.setLogRecordFactory(factory)


def _escape_record(record: logging.LogRecord) -> None:
    # The format string is ours (its line breaks stand); the arguments may be a sender's, and a
    # line break in one would forge a log line of its own.
    args = record.args
    if isinstance(args, tuple):
        args = tuple(map(_log_argument, args))
    elif isinstance(args, dict):
        args = {key: _log_argument(value) for key, value in args.items()}
    try:
        message = str(record.msg) % args if args else str(record.msg)
    except (TypeError, ValueError, KeyError):  # a bad format: logging reports it as usual
        return
    record.msg, record.args = printable_lines(message), None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        # Formatters use exc_text when it is set: the exception's message may quote the sender.
        record.exc_text = printable_lines(
            "".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))


def _log_argument(value: Any) -> Any:
    # Numbers stay numbers for %d and %.1f; anything else is shown as its (escaped) text.
    if isinstance(value, (int, float, Decimal)):
        return value
    return printable(value)
