"""Sniff a document's format from its first bytes, never from its file name."""

from __future__ import annotations

import csv
import io
import re
from itertools import islice

from ordergate.formats import DocumentFormat

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n\x00"

# format name -> leading bytes (after BOM and whitespace)
SIGNATURES: dict[DocumentFormat, tuple[bytes, ...]] = {
    DocumentFormat.X12: (b"ISA",),
    # UNH: messages sent without an interchange envelope, read so the reason can be given
    DocumentFormat.EDIFACT: (b"UNA", b"UNB", b"UNH"),
    DocumentFormat.PDF: (b"%PDF",),
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_PREFIXES = (b"PK\x03\x04", b"PK\x05\x06")


# An RFC 5322 message starts with header fields ("Name: value", folded lines indented); a mail
# as saved by clients or delivered to a Maildir starts with one of these within its first lines.
_HEADER_LINE = re.compile(rb"^(?:From [^\r\n]*|[!-9;-~]+:[^\r\n]*|[ \t][^\r\n]*)\r?$")
_MAIL_HEADERS = re.compile(rb"^(?:from|to|subject|date|message-id|received|return-path|"
                           rb"mime-version|delivered-to|reply-to|x-[!-9;-~]+|dkim-signature|"
                           rb"authentication-results|content-type):", re.IGNORECASE | re.MULTILINE)
# A quantity or price cell on its own: "12", "1.200", "4,20", "-3.5".
_NUMBER_CELL = re.compile(r"[+-]?\d+(?:[.,]\d+)*")
_TABLE_SAMPLE_ROWS = 25


def detect_format(content: bytes) -> DocumentFormat | None:
    """The format name from ``SIGNATURES``, "email", an order table ("csv", "xlsx", "xls"),
    "zip" (an archive that is not a workbook), or None when nothing matches."""
    head = content[:64]
    if head.startswith(_BOM):
        head = head[len(_BOM):]
    head = head.lstrip(_WHITESPACE)
    for name, prefixes in SIGNATURES.items():
        if head.startswith(prefixes):
            return name
    # sniff_kind itself starts with detect_format, so its parts are called here, not sniff_kind:
    # one set of rules for what a CSV, a workbook and an archive are.
    from ordergate.parsers import sniff  # sniff imports this module

    if content.startswith(_ZIP_PREFIXES):
        return DocumentFormat(sniff._zip_kind(content))
    if content.startswith(_OLE2):
        return DocumentFormat.XLS
    if looks_like_mail(content):
        return DocumentFormat.EMAIL
    if sniff._looks_like_csv(content) and _looks_like_order_table(content):
        return DocumentFormat.CSV
    return None


def looks_like_mail(content: bytes) -> bool:
    """Every line up to the first blank one is a header field, and at least two of them are
    fields every mail has (From, Date, Received, ...): a CSV or text file fails the first test."""
    block = content[:16384].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    lines = block.splitlines()
    if not lines or not all(_HEADER_LINE.match(line) for line in lines[:200]):
        return False
    return len(_MAIL_HEADERS.findall(block)) >= 2


def _looks_like_order_table(content: bytes) -> bool:
    """Rows that split evenly are not yet a table: two lines of prose with a comma each do too.
    An order file names its columns the way the tabular reader knows them, or has a cell that
    is nothing but a number (a quantity, a price) below its first row; prose has neither."""
    from ordergate.errors import DocumentError
    from ordergate.parsers import sniff
    from ordergate.parsers.tabular.columns import find_header
    from ordergate.parsers.tabular.read import sniff_delimiter

    text = sniff._decode_text_sample(content)
    if text is None:
        return False
    if len(content) > sniff._CSV_SAMPLE_BYTES:  # a cut sample: its last line is partial
        text = text[: text.rfind("\n") + 1]
    delimiter = sniff_delimiter(text)
    try:
        rows = list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                           _TABLE_SAMPLE_ROWS))
    except csv.Error:
        return False
    try:
        if find_header(rows) is not None:
            return True
    except DocumentError:  # two columns claiming one field: a table, if an ambiguous one
        return True
    return any(_NUMBER_CELL.fullmatch(cell.strip()) for row in rows[1:] for cell in row)
