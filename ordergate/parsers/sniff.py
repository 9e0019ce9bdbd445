"""What kind of file an attachment is, told from its bytes alone, never from its name or MIME type.

Senders' mail clients label attachments by file extension (a CSV saved as ``order.pdf``
arrives as ``application/pdf``), so the label is reported but never believed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from itertools import islice

from ordergate.errors import DocumentError
from ordergate.parsers.detect import detect_format

KINDS = ("pdf", "csv", "xlsx", "xls", "x12", "edifact", "image", "zip", "other")

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


def sniff_kind(content: bytes) -> str:
    """One of ``KINDS`` for these bytes."""
    detected = detect_format(content)
    if detected in ("x12", "edifact", "pdf"):
        return detected
    if content.startswith(_ZIP_PREFIXES):
        return _zip_kind(content)
    if content.startswith(_OLE2):
        return "xls"
    if content.startswith(_IMAGE_PREFIXES):
        return "image"
    if _looks_like_csv(content):
        return "csv"
    return "other"


def _zip_kind(content: bytes) -> str:
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


def _looks_like_csv(content: bytes) -> bool:
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
    from ordergate.parsers.tabular.columns import find_header  # the tabular reader's own rule

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
