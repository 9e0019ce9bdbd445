"""Bytes of a CSV, XLSX or XLS file → sheets of text cells, with no guessing about cell types.

Every cell comes back as a string because order files carry identifiers that only look like
numbers: PO ``00123`` or GTIN ``071234000012`` must not lose their leading zeros. Which column
means what, and how numbers and dates are written, is decided later by the mapping.

Text files are read with the standard ``csv`` module rather than ``pandas.read_csv``: order
exports put title rows of one cell above the table, and pandas fixes the column count from the
first line and then fails on the wider rows below it. Workbooks are read with pandas (openpyxl
for XLSX, xlrd for XLS), which also turns XLS date serials into dates, in a child process with
a time and memory budget, after their sheet count and used ranges have been checked.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice

from ordergate.errors import DocumentError
from ordergate.parsers.guard import ParseBudget, run_guarded
from ordergate.parsers.tabular.extent import WorkbookTooLarge, check_xlsx, open_xls

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# An XLSX is a zip, and a small zip can unpack to gigabytes: the unpacked size is bounded too.
MAX_UNPACKED_BYTES = 10 * MAX_BYTES

# Tried in this order; on a tie the earlier one wins. The comma comes last because it is the
# one most often found inside values (decimal commas, free text) of files split by another.
DELIMITERS = ("\t", ";", "|", ",")
SNIFF_LINES = 50

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


class TableError(DocumentError):
    """The bytes are not a table that can be read, or are too large to read."""


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet of text cells; ``rows[i]`` is row ``i + 1`` of the file or sheet.

    Rows keep their own length (no padding): a short row simply has no cells on its right.
    """

    name: str  # the worksheet's name; "" for a text file
    rows: list[list[str]]


@dataclass(frozen=True, slots=True)
class Table:
    kind: str  # "csv", "xlsx" or "xls"
    sheets: list[Sheet]
    encoding: str | None = None  # text files only
    delimiter: str | None = None  # text files only


def read_table(content: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
               budget: ParseBudget = ParseBudget()) -> Table:
    """All sheets of a CSV/XLSX/XLS file as text; ``TableError`` if it cannot be read.

    Workbooks are read in a child process within ``budget`` (``guard``); text files are read
    here, their cost being linear in the bytes, which are capped.
    """
    if len(content) > max_bytes:
        raise TableError(f"file is {len(content):,} bytes; at most {max_bytes:,} are accepted")
    if not content.strip():
        raise TableError("file is empty")
    kind = detect_kind(content)
    if kind == "csv":
        text, encoding = decode_text(content)
        delimiter = sniff_delimiter(text)
        rows = _read_csv_rows(text, delimiter, max_rows)
        return Table(kind, [Sheet("", rows)], encoding=encoding, delimiter=delimiter)
    return Table(kind, _read_workbook(content, kind, max_rows, budget))


def detect_kind(content: bytes) -> str:
    """"xlsx" (a zip with ``xl/`` parts), "xls" (an OLE2 compound file) or "csv" (anything else)."""
    if content.startswith(_OLE2):
        return "xls"
    if not content.startswith(_ZIP):
        return "csv"
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, NotImplementedError) as exc:
        raise TableError(f"file starts like a zip archive (XLSX) but is not a readable zip: "
                         f"{exc}") from exc
    names = [info.filename for info in infos]
    if not any(name.startswith("xl/") for name in names):
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        raise TableError(f"file is a zip archive but not an XLSX workbook: it has no xl/ parts "
                         f"(it holds {shown or 'nothing'})")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(f"workbook unpacks to {unpacked:,} bytes; at most {MAX_UNPACKED_BYTES:,} "
                         "are accepted")
    return "xlsx"


def decode_text(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with: a BOM's, else UTF-8, else Windows-1252."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            try:
                return _no_nul(content.decode(encoding)), encoding
            except UnicodeDecodeError as exc:
                raise TableError(f"file starts with a {encoding} byte order mark but is not valid "
                                 f"{encoding}: {exc.reason} at byte {exc.start}") from exc
    try:
        return _no_nul(content.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass  # not UTF-8: the other encoding spreadsheet programs write on Windows
    try:
        return _no_nul(content.decode("cp1252")), "cp1252"
    except UnicodeDecodeError as exc:
        raise TableError(f"file is neither UTF-8 nor Windows-1252 text: byte "
                         f"0x{content[exc.start]:02X} at offset {exc.start} is not a character "
                         "in either") from exc


def _no_nul(text: str) -> str:
    # Text tables never hold NUL; binary files (PDF, images, UTF-16 without a BOM) almost always do.
    where = text.find("\x00")
    if where >= 0:
        raise TableError(f"file is not a text table, nor XLSX or XLS: it holds binary data "
                         f"(a NUL character at position {where})")
    return text


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits most of the first lines into the same number (> 1) of cells."""
    head = islice(io.StringIO(text, newline=""), SNIFF_LINES * 2)
    lines = [line for line in head if line.strip()][:SNIFF_LINES]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1)
        except csv.Error as exc:  # e.g. a field over the csv module's 131,072-character limit
            raise TableError(f"file cannot be read as delimited text: {exc}") from exc
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        if (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best


def _read_csv_rows(text: str, delimiter: str, max_rows: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(islice(reader, max_rows + 1))
    except csv.Error as exc:
        raise TableError(f"file cannot be read as {_name(delimiter)}-separated text: {exc} "
                         f"(line {reader.line_num})") from exc
    if len(rows) > max_rows:
        raise TableError(f"file has more than {max_rows:,} rows; split it into smaller files")
    return rows


def _name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[delimiter]


def _read_workbook(content: bytes, kind: str, max_rows: int, budget: ParseBudget) -> list[Sheet]:
    # pandas and the workbook engines are heavy to import; only workbooks need them. Imported
    # here, before the fork, so the child's memory budget goes to the workbook, not the import.
    import pandas  # noqa: F401

    return run_guarded(_read_workbook_checked, content, kind, max_rows, budget=budget,
                       what=f"the {kind.upper()} workbook", error=TableError)


def _read_workbook_checked(content: bytes, kind: str, max_rows: int) -> list[Sheet]:
    """Sheet count and used ranges first (``extent``), then the cells."""
    import pandas as pd

    try:
        if kind == "xlsx":
            check_xlsx(content, max_rows=max_rows)
            source: object = io.BytesIO(content)
        else:
            source = open_xls(content, max_rows=max_rows)
    except WorkbookTooLarge as exc:
        raise TableError(str(exc)) from exc
    except MemoryError:
        raise  # the guard says which budget ran out
    except Exception as exc:  # a damaged workbook can fail anywhere inside zipfile or xlrd
        raise TableError(f"file looks like an {kind.upper()} workbook but cannot be read: "
                         f"{type(exc).__name__}: {exc}") from exc
    engine = "openpyxl" if kind == "xlsx" else "xlrd"
    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it drops (data validation, conditional
            # formats); they say nothing about the cell values read here.
            warnings.simplefilter("ignore", UserWarning)
            frames = pd.read_excel(source, sheet_name=None, header=None, dtype=object,
                                   engine=engine, nrows=max_rows + 1)
    except MemoryError:
        raise
    except Exception as exc:  # a damaged workbook can fail anywhere inside openpyxl or xlrd
        raise TableError(f"file looks like an {kind.upper()} workbook but cannot be read: "
                         f"{type(exc).__name__}: {exc}") from exc
    sheets = []
    for name, frame in frames.items():
        if len(frame) > max_rows:
            raise TableError(f"sheet '{name}' has more than {max_rows:,} rows; split it into "
                             "smaller files")
        rows = [[cell if type(cell) is str else cell_text(cell) for cell in row]
                for row in frame.to_numpy(dtype=object).tolist()]
        sheets.append(Sheet(str(name), rows))
    return sheets


def cell_text(value: object) -> str:
    """A workbook cell as the text a person sees: whole numbers without ".0", dates in ISO form."""
    if value is None or value != value:  # None, or NaN for an empty cell
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # 15 significant digits is what Excel itself keeps and shows; more is float noise.
        return format(Decimal(format(value, ".15g")), "f")
    if isinstance(value, datetime):  # pandas' Timestamp is one too
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
