"""What a file is, told from its bytes alone, never from its name or MIME type.

Each test here is one rule (an X12 interchange starts with ISA, a workbook is a zip holding
``xl/``, ...); the format registry (``processing.registry``) orders them into the formats
ordergate reads. ``sniff_kind`` is that order for the built-in formats, for readers (a mail's
attachments) used without the registry. Senders' mail clients label attachments by file
extension (a CSV saved as ``order.pdf`` arrives as ``application/pdf``), so a label is reported
but never believed.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from itertools import islice

from ordergate.errors import DocumentError

# The kinds ``sniff_kind`` tells apart; those in ORDER_KINDS are read for orders.
KINDS = ("pdf", "csv", "xlsx", "xls", "x12", "edifact", "image", "zip", "other")
ORDER_KINDS = frozenset({"pdf", "csv", "xlsx", "xls", "x12", "edifact"})

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n\x00"
X12_PREFIXES = (b"ISA",)
# UNH: messages sent without an interchange envelope, read so the reason can be given
EDIFACT_PREFIXES = (b"UNA", b"UNB", b"UNH")
PDF_PREFIXES = (b"%PDF",)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_PREFIXES = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive
_IMAGE_PREFIXES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
)
_CSV_DELIMITERS = (",", ";", "\t", "|")
# Enough for a header and a handful of rows; a delimiter that holds that far holds in practice.
_CSV_SAMPLE_BYTES = 64 * 1024
_CSV_SAMPLE_ROWS = 20
_TEXT_CONTROLS_ALLOWED = frozenset("\t\r\n\f")


# An RFC 5322 message starts with header fields ("Name: value", folded lines indented); a mail
# as saved by clients or delivered to a Maildir starts with one of these within its first lines.
_HEADER_LINE = re.compile(rb"^(?:From [^\r\n]*|[!-9;-~]+:[^\r\n]*|[ \t][^\r\n]*)\r?$")
_MAIL_HEADERS = re.compile(rb"^(?:from|to|subject|date|message-id|received|return-path|"
                           rb"mime-version|delivered-to|reply-to|x-[!-9;-~]+|dkim-signature|"
                           rb"authentication-results|content-type):", re.IGNORECASE | re.MULTILINE)
# A quantity or price cell on its own: "12", "1.200", "4,20", "-3.5".
_NUMBER_CELL = re.compile(r"[+-]?\d+(?:[.,]\d+)*")
_TABLE_SAMPLE_ROWS = 25



def sniff_kind(content: bytes) -> str:
    """One of ``KINDS`` for these bytes, by the built-in formats' rules in the registry's order."""
    for kind, test in (("x12", is_x12), ("edifact", is_edifact), ("pdf", is_pdf)):
        if test(content):
            return kind
    if is_zip(content):
        return zip_kind(content)
    if is_xls(content):
        return "xls"
    if is_image(content):
        return "image"
    if looks_like_csv(content):
        return "csv"
    return "other"


def lead(content: bytes) -> bytes:
    """The first bytes after a byte order mark and leading whitespace."""
    head = content[:64]
    if head.startswith(_BOM):
        head = head[len(_BOM):]
    return head.lstrip(_WHITESPACE)


def is_x12(content: bytes) -> bool:
    return lead(content).startswith(X12_PREFIXES)


def is_edifact(content: bytes) -> bool:
    return lead(content).startswith(EDIFACT_PREFIXES)


def is_pdf(content: bytes) -> bool:
    return lead(content).startswith(PDF_PREFIXES)


def is_zip(content: bytes) -> bool:
    return content.startswith(_ZIP_PREFIXES)


def is_xlsx(content: bytes) -> bool:
    return is_zip(content) and zip_kind(content) == "xlsx"


def is_xls(content: bytes) -> bool:
    """An OLE2 compound file: how Excel 97-2003 workbooks start."""
    return content.startswith(_OLE2)


def is_image(content: bytes) -> bool:
    return content.startswith(_IMAGE_PREFIXES)


def zip_kind(content: bytes) -> str:
    """``xlsx`` for an Office Open XML workbook, else ``zip``; reads only the central directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):  # e.g. zip64 v16
        # A damaged archive is still an archive: the name says what it is, the reader will refuse it.
        return "zip"
    if "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names):
        return "xlsx"
    return "zip"


def declared_unpacked_size(content: bytes) -> int | None:
    """The total uncompressed size a zip's central directory claims, or None if it is unreadable.

    ``zipfile`` never inflates an entry past its declared size, so this bounds what any reader
    built on it can be made to unpack.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):  # e.g. zip64 v16
        return None


def _decode_text_sample(content: bytes) -> str | None:
    """The start of ``content`` as text, or None when it is not text."""
    sample = content[:_CSV_SAMPLE_BYTES]
    truncated = len(content) > len(sample)
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
        if truncated:
            sample = sample[: len(sample) // 2 * 2]
    else:
        if b"\x00" in sample:
            return None
        codec = "utf-8-sig"
    try:
        text = sample.decode(codec)
    except UnicodeDecodeError as exc:
        # A cut through a multi-byte character at the end of the sample is not a sign of binary.
        if truncated and exc.start >= len(sample) - 3:
            text = sample[: exc.start].decode(codec)
        elif codec == "utf-8-sig":
            # Spreadsheet exports in Europe are often Windows-1252; latin-1 reads any byte, so
            # the control-character check below is what tells text from binary.
            text = sample.decode("latin-1")
        else:
            return None
    if any(ch < " " and ch not in _TEXT_CONTROLS_ALLOWED for ch in text):
        return None
    return text


def looks_like_csv(content: bytes) -> bool:
    """Text whose first rows all split into the same number (two or more) of fields."""
    text = _decode_text_sample(content)
    if text is None:
        return False
    if len(content) > _CSV_SAMPLE_BYTES:
        # The last line of a cut sample is partial.
        text = text[: text.rfind("\n") + 1]
    for delimiter in _CSV_DELIMITERS:
        if delimiter not in text:
            continue
        counts = _field_counts(text, delimiter)
        if len(counts) >= 2 and counts[0] >= 2 and all(count == counts[0] for count in counts):
            return True
        if _has_order_header(text, delimiter):
            return True
    return False


def _has_order_header(text: str, delimiter: str) -> bool:
    """An ERP export with title rows above the table and a totals row below it has rows of
    several widths; it is still an order file when one of its first rows names order columns
    (quantity and others) the way the tabular reader recognises them."""
    from ordergate.parsers.tabular import find_header

    try:
        rows = list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 25))
        return find_header(rows) is not None
    except (csv.Error, DocumentError):
        return False


def _field_counts(text: str, delimiter: str) -> list[int]:
    """Fields per non-blank row of the first rows, honouring quotes (a quoted field may hold newlines)."""
    counts: list[int] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            if not any(field.strip() for field in row):
                continue
            counts.append(len(row))
            if len(counts) >= _CSV_SAMPLE_ROWS:
                break
    except csv.Error:
        return []
    return counts


def looks_like_mail(content: bytes) -> bool:
    """Every line up to the first blank one is a header field, and at least two of them are
    fields every mail has (From, Date, Received, ...): a CSV or text file fails the first test."""
    block = content[:16384].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    lines = block.splitlines()
    if not lines or not all(_HEADER_LINE.match(line) for line in lines[:200]):
        return False
    return len(_MAIL_HEADERS.findall(block)) >= 2


def looks_like_order_table(content: bytes) -> bool:
    """Rows that split evenly are not yet a table: two lines of prose with a comma each do too.
    An order file names its columns the way the tabular reader knows them, or has a cell that
    is nothing but a number (a quantity, a price) below its first row; prose has neither."""
    from ordergate.parsers.tabular import find_header, sniff_delimiter

    text = _decode_text_sample(content)
    if text is None:
        return False
    if len(content) > _CSV_SAMPLE_BYTES:  # a cut sample: its last line is partial
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
