"""How much a workbook would unfold to, found before any reader materialises it.

A workbook's cost is not its file size: a 1.5 KB XLSX with cells at A1, XFD1 and A10000 makes
pandas build 10,000 rows of 16,384 cells (gigabytes), and 52 KB of ``<sheet>`` entries keep
openpyxl busy for minutes. So the sheet count and each sheet's used range (the last row and
column that hold a value) are checked here first, on the XML as a stream (expat, with DTDs and
entities refused as defusedxml does) or from xlrd's cheap sheet headers.

The ``<dimension>`` element a sheet declares is not trusted either way: exporters write sloppy
ones, and the reader (pandas resets it) only ever unfolds the cells that are really there.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

from ordergate.errors import DocumentError

MAX_SHEETS = 100
# Order files are a few dozen columns wide; Excel 97-2003 stopped at 256 (IV).
MAX_COLUMNS = 256
# Rows x columns of the used ranges, per sheet and summed over the workbook: what the reader
# pads out in memory. The reader costs about 20 us of CPU a text cell, so 500,000 cells read in
# about 10 s and 150 MB; 4,900,000 took a minute and 600 MB.
MAX_CELLS = 500_000
_CHUNK = 64 * 1024
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class WorkbookTooLarge(DocumentError):
    """The workbook would unfold to more sheets, rows or columns than are read."""


@dataclass(frozen=True, slots=True)
class Extent:
    """The used range of one sheet: the last row and column holding a value (1-based)."""

    sheet: str
    rows: int
    columns: int


def column_letters(number: int) -> str:
    """1 → A, 16,384 → XFD."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def check_extent(extent: Extent, *, max_rows: int, max_columns: int = MAX_COLUMNS,
                 max_cells: int = MAX_CELLS) -> None:
    name = extent.sheet
    if extent.rows > max_rows:
        raise WorkbookTooLarge(f"sheet '{name}' has more than {max_rows:,} rows; split it into "
                               "smaller files")
    if extent.columns > max_columns:
        raise WorkbookTooLarge(
            f"sheet '{name}' uses columns up to {column_letters(extent.columns)} "
            f"({extent.columns:,}); at most {max_columns:,} ({column_letters(max_columns)}) are "
            f"read: delete the cells far to the right, or save only the order table")
    if extent.rows * extent.columns > max_cells:
        raise WorkbookTooLarge(
            f"sheet '{name}' spans {extent.rows:,} rows by {extent.columns:,} columns "
            f"({extent.rows * extent.columns:,} cells); at most {max_cells:,} are read: split it "
            f"into smaller files")


def check_workbook_cells(extents: list[Extent], max_cells: int = MAX_CELLS) -> None:
    """The sheets' cells together: a hundred sheets each just under the cap cost a hundred times
    as much as one."""
    total = sum(extent.rows * extent.columns for extent in extents)
    if total > max_cells:
        raise WorkbookTooLarge(
            f"workbook spans {total:,} cells over its {len(extents)} sheets; at most "
            f"{max_cells:,} are read: split it into smaller files")


def check_sheet_count(count: int, max_sheets: int = MAX_SHEETS) -> None:
    if count > max_sheets:
        raise WorkbookTooLarge(f"workbook has {count:,} sheets; at most {max_sheets:,} are read: "
                               f"save the order table in a workbook of its own")


# ---------------------------------------------------------------- XLSX
def check_xlsx(content: bytes, *, max_rows: int, max_sheets: int = MAX_SHEETS,
               max_columns: int = MAX_COLUMNS, max_cells: int = MAX_CELLS) -> list[Extent]:
    """Every sheet's used range, after checking the sheet count; ``WorkbookTooLarge`` for the
    first limit a sheet passes. A part that is missing or not XML is left to the reader, which
    says what is wrong with it."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        sheets = _workbook_sheets(archive, names)
        check_sheet_count(len(sheets), max_sheets)
        targets = _sheet_targets(archive, names)
        extents = []
        for name, rel_id in sheets:
            part = targets.get(rel_id)
            if part is None or part not in names:
                continue
            with archive.open(part) as stream:
                extent = Extent(name, *_used_range(stream))
            check_extent(extent, max_rows=max_rows, max_columns=max_columns, max_cells=max_cells)
            extents.append(extent)
            check_workbook_cells(extents, max_cells)
        return extents


def _workbook_sheets(archive: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(name, relationship id) of each ``<sheet>`` the workbook lists, counted as it streams."""
    if "xl/workbook.xml" not in names:
        return []
    sheets: list[tuple[str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            sheets.append((attrs.get("name", ""), attrs.get(f"{_REL_NS} id", "")))

    with archive.open("xl/workbook.xml") as stream:
        _parse(stream, start)
    return sheets


def _sheet_targets(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Relationship id → zip member of each worksheet part."""
    rels = "xl/_rels/workbook.xml.rels"
    if rels not in names:
        return {}
    targets: dict[str, str] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[attrs["Id"]] = posixpath.normpath(path)

    with archive.open(rels) as stream:
        _parse(stream, start)
    return targets


def _used_range(stream) -> tuple[int, int]:
    """(last row, last column) holding a value, placing cells as openpyxl does: by their ``r``
    reference, else one to the right of the previous cell (rows likewise).

    Called for every element of the sheet, so it keeps its state in closure variables and
    the parser skips namespace processing (tags keep their prefix, e.g. ``x:c``).
    """
    row = column = last_row = last_column = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal row, column, last_row, last_column
        local = tag.rpartition(":")[2]
        if local == "c":
            reference = attrs.get("r")
            if reference:
                column, cell_row = _split_reference(reference)
                row = cell_row or row
            else:
                column += 1
        elif local == "v" or local == "is":  # a value: an empty styled cell unfolds nothing
            if row > last_row:
                last_row = row
            if column > last_column:
                last_column = column
        elif local == "row":
            reference = attrs.get("r", "")
            row = int(reference) if reference.isdigit() else row + 1
            column = 0

    _parse(stream, start, namespaces=False)
    return last_row, last_column


def _split_reference(reference: str) -> tuple[int, int]:
    """"XFD10" → (16384, 10); a malformed reference counts as far as its letters reach."""
    column = 0
    index = 0
    for index, char in enumerate(reference.upper()):
        if "A" <= char <= "Z":
            column = column * 26 + ord(char) - 64
        else:
            break
    else:
        return column, 0
    digits = reference[index:]
    return column, int(digits) if digits.isdigit() else 0


def _parse(stream, start, *, namespaces: bool = True) -> None:
    """Stream ``stream`` through expat calling ``start(tag, attrs)``; DTDs and entity
    declarations are refused (the billion-laughs family), as defusedxml does."""
    parser = expat.ParserCreate(namespace_separator=" " if namespaces else None)
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    try:
        for chunk in _chunks(stream):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return  # not XML: the reader reports the damaged part in its own words


def _chunks(stream) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def _refuse_dtd(*_args) -> None:
    raise WorkbookTooLarge("workbook XML declares a DTD or entities, which spreadsheet programs "
                           "never write; it is not read")


def _local(tag: str) -> str:
    return tag.rpartition(" ")[2]


# ---------------------------------------------------------------- XLS
def open_xls(content: bytes, *, max_rows: int, max_sheets: int = MAX_SHEETS,
             max_columns: int = MAX_COLUMNS, max_cells: int = MAX_CELLS):
    """The xlrd ``Book``, checked sheet by sheet; xlrd's diagnostics go nowhere (it prints them
    to standard output by default, which belongs to the command)."""
    import xlrd

    book = xlrd.open_workbook(file_contents=content, on_demand=True, ragged_rows=True,
                              logfile=_Discard(), verbosity=0)
    check_sheet_count(book.nsheets, max_sheets)
    extents: list[Extent] = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        extents.append(Extent(sheet.name, sheet.nrows, sheet.ncols))
        check_extent(extents[-1], max_rows=max_rows, max_columns=max_columns, max_cells=max_cells)
        check_workbook_cells(extents, max_cells)
    return book


class _Discard(io.TextIOBase):
    """A text stream that drops what is written (xlrd wants a file-like ``logfile``)."""

    def write(self, text: str) -> int:
        return len(text)
