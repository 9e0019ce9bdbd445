"""CSV/XLSX/XLS order tables → canonical ``SalesOrder``s, one per PO number in the file.

The rules a person sending such a file meets:

- The header row is found by its names (``parsers.tabular.columns``); rows above it are ignored.
- Rows are grouped by PO number in file order; rows of one PO split into several blocks still
  make one order, with lines numbered 1..n in file order.
- A cell that cannot be read makes its whole PO unusable: that PO gets no order, each problem
  names row and column, and the other POs of the file carry on.
- The whole file is refused (``DocumentError``) when it is not a table, has no header row, or no
  PO number column. A file without PO numbers is not taken as one order: the PO number is what
  acknowledgements, resent files and the customer's questions are matched by.
- Blank rows, rows repeating the header and rows with neither PO number nor item (totals,
  notes) are skipped. A row with an item but no PO number is a problem and sinks the PO of the
  row above it, which it most likely belongs to (a merged or "filled down" PO cell).
- Order-level values (dates, currency, ship-to) come from the first row of the PO that has them;
  a later row with a different value puts a warning on the order, which holds it. A PO whose
  rows name different customers is a problem instead: whose order it is cannot be guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ordergate.errors import DocumentError
from ordergate.mappings.edifact_values import shorten
from ordergate.orders.model import Address, OrderLine, SalesOrder
from ordergate.orders.numbers import MAX_NUMBER_TEXT, out_of_range
from ordergate.parsers.guard import ParseBudget
from ordergate.parsers.tabular import (
    HEADER_SCAN_ROWS,
    ITEM_FIELDS,
    SYNONYMS,
    ColumnMap,
    HeaderMatch,
    Sheet,
    Table,
    TableError,
    find_header,
    read_table,
)

# Column sizes of the order tables (store/tables.py): longer values are refused, not cut.
ID_LIMIT = 64
LINE_ID_LIMIT = 20
UOM_LIMIT = 8
DESCRIPTION_LIMIT = 300  # free text: cut to fit instead

SHIP_TO_FIELDS = ("ship_to_name", "ship_to_street", "ship_to_street_2", "ship_to_city",
                  "ship_to_state", "ship_to_postal_code", "ship_to_country")


@dataclass(slots=True)
class TabularResult:
    orders: list[SalesOrder]
    # Each names the file row and column, e.g. "row 7, column 'Qty': '12,5x' is not a number".
    problems: list[str]
    rejected: list[str] = field(default_factory=list)  # PO numbers that got no order, file order


class CellError(DocumentError, ValueError):
    """One cell's value cannot be used; the message says why, the caller says where."""


def orders_from_table(content: bytes, *, channel: str, source_name: str,
                      customer_id: str | None = None,
                      column_map: ColumnMap | None = None,
                      budget: ParseBudget = ParseBudget()) -> TabularResult:
    """The sales orders of one CSV/XLSX/XLS file, and the problems that kept POs out.

    ``customer_id`` is the customer the caller knows the file comes from (drop folder, email
    sender, ``--customer``); a ``customer_id`` column naming another customer refuses its PO.
    Without one, the column (else the column map's ``customer_id``) says whose each PO is.
    """
    try:
        table = read_table(content, budget=budget)
    except TableError as exc:
        raise TableError(f"{source_name}: {exc}") from exc
    sheet, header = _locate_header(table, column_map, source_name)
    data = sheet.rows[header.row_index + 1:]
    first_row = header.row_index + 2
    cells = _Cells(header, data, first_row, table, sheet, column_map)
    default_customer = customer_id or (column_map.customer_id if column_map else None)
    collector = _Collector(cells, default_customer, customer_id)
    collector.read_rows()
    if not collector.pending and not collector.problems:
        raise DocumentError(f"{source_name}: {_sheet_label(table, sheet)}no order lines below the "
                            f"header on row {header.row_number}")
    return collector.result(channel=channel, fmt=table.kind)


# ---------------------------------------------------------------- layout
def _locate_header(table: Table, column_map: ColumnMap | None,
                   source_name: str) -> tuple[Sheet, HeaderMatch]:
    """The first sheet whose header row has what an order needs, and that row.

    Sheets are tried in workbook order; when headers are found but each lacks a needed column,
    the first one's lack is the error.
    """
    incomplete: DocumentError | None = None
    for sheet in table.sheets:
        try:
            header = find_header(sheet.rows, column_map)
        except DocumentError as exc:
            raise DocumentError(f"{source_name}: {_sheet_label(table, sheet)}{exc}") from exc
        if header is None:
            continue
        try:
            _require_columns(header, sheet, table, source_name)
        except DocumentError as exc:
            incomplete = incomplete or exc
            continue
        return sheet, header
    if incomplete is not None:
        raise incomplete
    if column_map is None:
        wanted = (f"a row naming the quantity ({_examples('quantity')}) and at least one more "
                  f"known column, such as {_examples('po_number')}")
    else:
        names = ", ".join(f"'{h}'" for h in column_map.columns.values())
        wanted = f"a row holding all the column map's headers ({names})"
    if column_map is not None and column_map.header_row is not None:
        scope = f"on row {column_map.header_row} (the column map's header_row)"
    else:
        scope = f"in the first {HEADER_SCAN_ROWS} rows"
    found = "; ".join(_first_row(table, sheet) for sheet in table.sheets)
    raise DocumentError(f"{source_name}: no header row found {scope}: looked for {wanted}; "
                        f"found {found}")


def _examples(canonical: str) -> str:
    return ", ".join(SYNONYMS[canonical][:4])


def _first_row(table: Table, sheet: Sheet) -> str:
    label = _sheet_label(table, sheet)
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        values = [cell.strip() for cell in row if cell.strip()]
        if values:
            shown = ", ".join(f"'{v[:40]}'" for v in values[:8])
            shown += ", …" if len(values) > 8 else ""
            return f"{label}row {index + 1}: {shown}"
    return f"{label}no values"


def _sheet_label(table: Table, sheet: Sheet) -> str:
    return f"sheet '{sheet.name}', " if table.kind != "csv" else ""


def _require_columns(header: HeaderMatch, sheet: Sheet, table: Table, source_name: str) -> None:
    """Without a column map the header may lack what every order needs (a map cannot)."""
    where = f"{source_name}: {_sheet_label(table, sheet)}header row {header.row_number}"
    present = ", ".join(f"'{h.strip()}'" for h in header.headers if h.strip())
    if "po_number" not in header.columns:
        raise DocumentError(f"{where} has no PO number column (looked for "
                            f"{_examples('po_number')}, …); it has {present}. Add a PO number "
                            "column or give a column map that names it")
    if not any(name in header.columns for name in ITEM_FIELDS):
        raise DocumentError(f"{where} has no item column (looked for {_examples('sku')}, "
                            f"{_examples('buyer_part')}, {_examples('gtin')}, …); it has {present}")


# ---------------------------------------------------------------- cells
class _Cells:
    """Reads one row's cells by canonical field, with the file's number and date conventions."""

    def __init__(self, header: HeaderMatch, data: list[list[str]], first_row: int, table: Table,
                 sheet: Sheet, column_map: ColumnMap | None) -> None:
        self.header = header
        self.data = data
        self.first_row = first_row
        self.where = _sheet_label(table, sheet)
        self.columns = header.columns
        self.width = max(self.columns.values()) + 1
        self.date_format = column_map.date_format if column_map else None
        explicit = column_map.decimal_comma if column_map else None
        if explicit is None:
            numbers = self._column(("quantity", "unit_price"))
            self.decimal_comma = detect_decimal_comma(numbers, table.delimiter)
        else:
            self.decimal_comma = explicit
        # One file writes all its dates one way, so every date column helps settle the order.
        self.slash_order = detect_slash_order(self._column(("po_date", "requested_date")))

    def _column(self, names: tuple[str, ...]) -> list[str]:
        """Every data cell of these fields' columns, for settling the file's conventions."""
        values = []
        for name in names:
            column = self.columns.get(name)
            if column is not None:
                values.extend(row[column].strip() for row in self.data if column < len(row))
        return values

    def get(self, row: list[str], name: str) -> str:
        """The cell's text, stripped; "" for a column the file lacks. Rows are padded first."""
        column = self.columns.get(name)
        return "" if column is None else row[column].strip()

    def problem(self, row_number: int, name: str, message: str) -> str:
        return f"{self.where}row {row_number}, column '{self.header.header_of(name)}': {message}"

    def decimal(self, row: list[str], name: str) -> Decimal | None:
        raw = self.get(row, name)
        return parse_decimal(raw, self.decimal_comma) if raw else None

    def date(self, row: list[str], name: str) -> date | None:
        raw = self.get(row, name)
        return parse_date(raw, self.date_format, self.slash_order) if raw else None


@dataclass(slots=True)
class _PendingOrder:
    po_number: str
    lines: list[OrderLine] = field(default_factory=list)
    # order-level field -> (value, row it came from); the first row with a value wins
    values: dict[str, tuple[object, int]] = field(default_factory=dict)
    conflicted: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    bad_rows: list[int] = field(default_factory=list)
    # The raw order-level cells of the last good row: rows of one PO mostly repeat them, and
    # the same text need not be read again.
    last_order_cells: tuple[str, ...] | None = None


class _Collector:
    """Walks the data rows once, grouping them by PO number in file order."""

    def __init__(self, cells: _Cells, default_customer: str | None,
                 caller_customer: str | None) -> None:
        self.cells = cells
        self.default_customer = default_customer
        self.caller_customer = caller_customer
        self.pending: dict[str, _PendingOrder] = {}
        self.problems: list[str] = []
        # Only the fields the file has are read, row after row.
        columns = cells.columns
        self.line_fields = [(name, reader) for name, reader in _LINE_FIELDS if name in columns]
        self.order_fields = [(name, reader) for name, reader in _ORDER_FIELDS if name in columns]
        self.has_ship_to = any(name in columns for name in SHIP_TO_FIELDS)
        self.order_columns = [columns[name] for name in (*ORDER_FIELD_NAMES, *SHIP_TO_FIELDS)
                              if name in columns]

    def read_rows(self) -> None:
        cells = self.cells
        header_po = cells.header.header_of("po_number")
        previous: _PendingOrder | None = None
        width = cells.width
        for offset, row in enumerate(cells.data):
            row_number = cells.first_row + offset
            if len(row) < width:
                row = row + [""] * (width - len(row))
            po_number = cells.get(row, "po_number")
            if not po_number:
                self._orphan_row(row, row_number, previous)
                continue
            if po_number == header_po:  # the header repeated, as page breaks in exports do
                continue
            order = self.pending.get(po_number)
            if order is None:
                order = self.pending[po_number] = _PendingOrder(po_number)
                if len(po_number) > ID_LIMIT:
                    self.problems.append(cells.problem(
                        row_number, "po_number", f"PO number is {len(po_number)} characters long; "
                        f"at most {ID_LIMIT} are accepted"))
                    order.bad_rows.append(row_number)
            previous = order
            self._read_row(order, row, row_number)

    def _orphan_row(self, row: list[str], row_number: int, previous: _PendingOrder | None) -> None:
        items = [value for name in ("sku", "buyer_part", "gtin")
                 if (value := self.cells.get(row, name))]
        if not items:
            return
        self.problems.append(self.cells.problem(
            row_number, "po_number", f"empty, but the row orders item '{items[0]}'; it belongs to "
            "no PO" + (f" (taken as part of PO {previous.po_number} above)" if previous else "")))
        if previous is not None:
            previous.bad_rows.append(row_number)

    def _read_row(self, order: _PendingOrder, row: list[str], row_number: int) -> None:
        errors: list[str] = []
        line = self._line(row, row_number, len(order.lines) + 1, errors)
        order_cells = tuple([row[column] for column in self.order_columns])
        repeated = order_cells == order.last_order_cells
        values = {} if repeated else self._order_values(row, row_number, errors)
        if errors:
            self.problems.extend(errors)
            order.bad_rows.append(row_number)
            return
        assert line is not None  # no errors means every part was read
        order.lines.append(line)
        order.last_order_cells = order_cells
        for name, value in values.items():
            self._merge(order, name, value, row_number)

    def _line(self, row: list[str], row_number: int, line_number: int,
              errors: list[str]) -> OrderLine | None:
        cells = self.cells
        fields = {_LINE_TARGET.get(name, name): value for name, value in
                  self._read(self.line_fields, row, row_number, errors).items()}
        if not errors and "quantity" not in fields:
            errors.append(cells.problem(row_number, "quantity",
                                        "empty; every line needs a quantity"))
        if not errors and not any(k in fields for k in _LINE_ITEM_KEYS):
            errors.append(f"{cells.where}row {row_number}: no item given (none of "
                          f"{', '.join(_present_item_headers(cells))} has a value)")
        if errors:
            return None
        return OrderLine(line_number=line_number, source_position=row_number, **fields)

    def _read(self, readers, row: list[str], row_number: int,
              errors: list[str]) -> dict[str, object]:
        """The row's values for ``readers`` (field name, reader) that are given; each value
        that cannot be read is a problem in ``errors`` naming the row and column."""
        values: dict[str, object] = {}
        for name, reader in readers:
            try:
                value = reader(self.cells, row, name)
            except CellError as exc:
                errors.append(self.cells.problem(row_number, name, str(exc)))
                continue
            if value is not None:
                values[name] = value
        return values

    def _order_values(self, row: list[str], row_number: int,
                      errors: list[str]) -> dict[str, object]:
        cells = self.cells
        values = self._read(self.order_fields, row, row_number, errors)
        named = values.get("customer_id")
        if self.caller_customer and named is not None and named != self.caller_customer:
            # The channel (drop folder, --customer, the mail's sender) says whose file this is;
            # a cell is the sender's own text and cannot make the order someone else's.
            errors.append(cells.problem(
                row_number, "customer_id", f"names customer {_shown(named)}, but the file came "
                f"from customer '{self.caller_customer}'; a file holds only its sender's orders"))
        ship_to = _ship_to(cells, row) if self.has_ship_to else None
        if ship_to is not None:
            values["ship_to"] = ship_to
        return values

    def _merge(self, order: _PendingOrder, name: str, value: object, row_number: int) -> None:
        kept = order.values.get(name)
        if kept is None:
            order.values[name] = (value, row_number)
            return
        if kept[0] == value or name in order.conflicted:
            return
        order.conflicted.add(name)
        if name == "ship_to":
            order.warnings.append(f"{self.cells.where}row {row_number}: the ship-to address "
                                  f"differs from the one on row {kept[1]}; the order keeps "
                                  "that one")
            return
        message = self.cells.problem(row_number, name, f"{_shown(value)} differs from "
                                                       f"{_shown(kept[0])} on row {kept[1]}")
        if name == "customer_id":
            self.problems.append(f"{message}; one PO cannot belong to two customers")
            order.bad_rows.append(row_number)
        else:
            order.warnings.append(f"{message}; the order keeps {_shown(kept[0])}")

    def result(self, *, channel: str, fmt: str) -> TabularResult:
        orders: list[SalesOrder] = []
        rejected: list[str] = []
        for order in self.pending.values():
            if order.bad_rows:
                rejected.append(order.po_number)
                bad_rows = sorted(set(order.bad_rows))
                plural = "s" if len(bad_rows) > 1 else ""
                self.problems.append(f"PO {order.po_number}: no order made, because of the "
                                     f"problems on row{plural} {', '.join(map(str, bad_rows))}")
                continue
            orders.append(self._sales_order(order, channel, fmt))
        return TabularResult(orders=orders, problems=self.problems, rejected=rejected)

    def _sales_order(self, order: _PendingOrder, channel: str, fmt: str) -> SalesOrder:
        values = {name: kept[0] for name, kept in order.values.items()}
        customer = values.pop("customer_id", None) or self.default_customer
        warnings = list(order.warnings)
        return SalesOrder(
            source_key=order.po_number, channel=channel, format=fmt,
            partner_id=f"customer:{customer}" if customer else "unknown", customer_id=customer,
            po_number=order.po_number, lines=order.lines, warnings=warnings, **values)


def _present_item_headers(cells: _Cells) -> list[str]:
    return [f"'{cells.header.header_of(name)}'" for name in ITEM_FIELDS if name in cells.columns]


def _shown(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else f"'{value}'"


# ---------------------------------------------------------------- field readers
def _text(limit: int) -> Callable[[_Cells, list[str], str], str | None]:
    def read(cells: _Cells, row: list[str], name: str) -> str | None:
        value = cells.get(row, name)
        if len(value) > limit:
            shown = value if len(value) <= 40 else value[:40] + "…"
            raise CellError(f"'{shown}' is {len(value)} characters long; at most {limit} are "
                            "accepted")
        return value or None
    return read


def _description(cells: _Cells, row: list[str], name: str) -> str | None:
    return shorten(cells.get(row, name) or None, DESCRIPTION_LIMIT)


def _gtin(cells: _Cells, row: list[str], name: str) -> str | None:
    raw = cells.get(row, name)
    return gtin14(raw) if raw else None


def _quantity(cells: _Cells, row: list[str], name: str) -> Decimal | None:
    value = _bounded(cells.decimal(row, name), cells.get(row, name))
    if value is not None and value <= 0:
        raise CellError(f"'{cells.get(row, name)}' is not a positive quantity")
    return value


def _price(cells: _Cells, row: list[str], name: str) -> Decimal | None:
    value = _bounded(cells.decimal(row, name), cells.get(row, name))
    if value is not None and value < 0:
        raise CellError(f"'{cells.get(row, name)}' is a negative price")
    return value


def _bounded(value: Decimal | None, raw: str) -> Decimal | None:
    if value is not None and out_of_range(value):
        raise CellError(f"'{raw}' is too large")
    return value


def _date(cells: _Cells, row: list[str], name: str) -> date | None:
    return cells.date(row, name)


def _currency(cells: _Cells, row: list[str], name: str) -> str | None:
    raw = cells.get(row, name)
    if not raw:
        return None
    code = raw.upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise CellError(f"'{raw}' is not a three-letter currency code (ISO 4217, e.g. EUR)")
    return code


def _ship_to(cells: _Cells, row: list[str]) -> Address | None:
    values = {name: cells.get(row, name) for name in SHIP_TO_FIELDS}
    if not any(values.values()):
        return None
    street = [s for s in (values["ship_to_street"], values["ship_to_street_2"]) if s]
    return Address(name=values["ship_to_name"] or None, street=street,
                   city=values["ship_to_city"] or None, state=values["ship_to_state"] or None,
                   postal_code=values["ship_to_postal_code"] or None,
                   country=values["ship_to_country"] or None)


# canonical field -> how its cell is read; the line's fields, then the order's
_LINE_FIELDS = (
    ("buyer_line_id", _text(LINE_ID_LIMIT)), ("sku", _text(ID_LIMIT)),
    ("buyer_part", _text(ID_LIMIT)), ("gtin", _gtin), ("description", _description),
    ("quantity", _quantity), ("uom", _text(UOM_LIMIT)), ("unit_price", _price),
)
_LINE_TARGET = {"sku": "vendor_part"}  # our SKU is the line's vendor part
_LINE_ITEM_KEYS = ("vendor_part", "buyer_part", "gtin", "description")
_ORDER_FIELDS = (
    ("customer_id", _text(ID_LIMIT)), ("po_date", _date), ("requested_date", _date),
    ("currency", _currency),
)
ORDER_FIELD_NAMES = tuple(name for name, _ in _ORDER_FIELDS)


# ---------------------------------------------------------------- values
# ASCII only: re's \d also matches other scripts' digits, which Decimal would accept silently.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
_GROUPED = {",": re.compile(r"[+-]?\d{1,3}(?:,\d{3})+", re.ASCII),
            ".": re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+", re.ASCII)}
# Thousands separators other than the comma and the point: spaces (also no-break) and the Swiss
# apostrophe; and currency signs written into price cells.
_NOISE = str.maketrans("", "", " \u00a0\u202f'’$€£")


def parse_decimal(raw: str, decimal_comma: bool) -> Decimal:
    """ "1.234,50", "1,234.50", "12,5", "€ 3.20" → Decimal; ``decimal_comma`` settles "1,234"."""
    if len(raw) > MAX_NUMBER_TEXT + 10:  # room for a currency sign and spaces
        # Checked before anything is converted: a cell of a million digits is no amount.
        raise CellError(f"'{raw[:20]}...' ({len(raw)} characters) is too long for a number")
    text = raw.translate(_NOISE)
    comma, point = text.rfind(","), text.rfind(".")
    separator: str | None = None  # the decimal mark
    grouping: str | None = None  # the thousands separator
    if comma >= 0 and point >= 0:
        separator, grouping = (",", ".") if comma > point else (".", ",")
    elif comma >= 0 or point >= 0:
        mark = "," if comma >= 0 else "."
        own = "," if decimal_comma else "."
        # Repeated, or once before exactly three digits ("1,234") and not the file's decimal
        # mark, it separates thousands; otherwise ("12,5", "1.5") it can only be a decimal mark.
        if text.count(mark) > 1 or (len(text) - text.rfind(mark) - 1 == 3 and mark != own):
            grouping = mark
        else:
            separator = mark
    whole, _, fraction = text.rpartition(separator) if separator else (text, "", "")
    if grouping is not None and grouping in whole:
        if not _GROUPED[grouping].fullmatch(whole):
            raise CellError(f"'{raw}' is not a number")
        whole = whole.replace(grouping, "")
    number = f"{whole}.{fraction}" if separator else whole
    if not _PLAIN_NUMBER.fullmatch(number):
        raise CellError(f"'{raw}' is not a number")
    try:
        return Decimal(number)
    except InvalidOperation as exc:  # the pattern should make this unreachable
        raise CellError(f"'{raw}' is not a number") from exc


def detect_decimal_comma(values: list[str], delimiter: str | None) -> bool:
    """Whether the file writes decimals with a comma, from the numbers' own marks.

    A mark followed by other than three digits, or the later of two marks, can only be a decimal
    mark. With no such number ("1,234" or whole numbers only) the semicolon decides: spreadsheet
    programs write semicolon files exactly where the comma is the decimal mark.
    """
    votes = 0
    for raw in values:
        comma, point = raw.rfind(","), raw.rfind(".")
        if comma >= 0 and point >= 0:
            votes += 1 if comma > point else -1
        elif comma >= 0 and raw.count(",") == 1 and len(raw) - comma - 1 != 3:
            votes += 1
        elif point >= 0 and raw.count(".") == 1 and len(raw) - point - 1 != 3:
            votes -= 1
    if votes:
        return votes > 0
    return delimiter == ";"


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?", re.ASCII)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_SLASHED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)


@lru_cache(maxsize=4096)  # a file repeats its few dates on every row
def parse_date(raw: str, fmt: str | None, slash_order: str | None) -> date:
    """An ISO, YYYYMMDD, DD.MM.YYYY or slashed date; ``fmt`` (strptime) replaces all but ISO.

    ISO stays readable under any ``fmt`` because workbook date cells arrive as ISO text.
    Slashed dates are day-first or month-first as ``slash_order`` ("dmy"/"mdy") says, which
    ``detect_slash_order`` learns from the file; a value neither settles is refused.
    """
    if match := _ISO_DATE.fullmatch(raw):
        return _make_date(raw, int(match[1]), int(match[2]), int(match[3]))
    if fmt is not None:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError as exc:
            raise CellError(f"'{raw}' is not a date in the form {fmt}") from exc
    if match := _COMPACT_DATE.fullmatch(raw):
        return _make_date(raw, int(match[1]), int(match[2]), int(match[3]))
    if match := _DOTTED_DATE.fullmatch(raw):
        return _make_date(raw, int(match[3]), int(match[2]), int(match[1]))
    if match := _SLASHED_DATE.fullmatch(raw):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        order = slash_order or ("dmy" if first > 12 else "mdy" if second > 12 or first == second
                                else None)
        if order is None:
            raise CellError(f"'{raw}' could be day/month or month/day; set date_format in the "
                            "customer's column map")
        return _make_date(raw, year, *((second, first) if order == "dmy" else (first, second)))
    raise CellError(f"'{raw}' is not a date (expected e.g. 2025-03-31, 31.03.2025 or 03/31/2025)")


def _make_date(raw: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise CellError(f"'{raw}' is not a valid date: {exc}") from exc


def detect_slash_order(values: Iterable[str]) -> str | None:
    """"dmy" or "mdy" when some slashed date settles it one way and none the other way."""
    day_first = month_first = False
    for raw in values:
        match = _SLASHED_DATE.fullmatch(raw)
        if match:
            day_first |= int(match[1]) > 12
            month_first |= int(match[2]) > 12
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return None


@lru_cache(maxsize=4096)  # the same items come back on many rows
def gtin14(raw: str) -> str:
    """A GTIN as 14 digits; also 9-11 digits, as spreadsheets drop a UPC's leading zeros.

    The check digit is verified: in a hand-made table a typo is likelier than in EDI.
    """
    if not (raw.isdigit() and raw.isascii() and 8 <= len(raw) <= 14):
        raise CellError(f"'{raw}' is not a GTIN (8 to 14 digits)")
    digits = raw.zfill(14)
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[12::-1]))
    if str((10 - total % 10) % 10) != digits[13]:
        raise CellError(f"'{raw}' is not a GTIN: its check digit is wrong")
    return digits
