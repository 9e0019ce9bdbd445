"""Warehouse shipment confirmations as CSV: ``ordergate shipments import`` and files dropped
into ``ORDERGATE_HOME/inbox/shipments/``.

Columns (header names in any case and order): ``order_id`` — or ``customer_id`` and
``po_number`` — then ``line_number``, ``quantity``, ``carrier``, ``tracking_number``,
``ship_date`` (YYYY-MM-DD) and optionally ``package_id`` (an SSCC-18, check digit verified).
The rows of one order and tracking number are one shipment. A bad row fails its shipment,
named by file, line and field; the other shipments go in. Shipments are recorded in batches,
each batch with its notices in one transaction, and an order + tracking number recorded
before is reported as a duplicate: importing the same file again ships nothing twice.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, select, tuple_

from ordergate.documents import RawDocument
from ordergate.errors import DocumentError
from ordergate.fulfilment.shipping import ShipLine, ShipmentRequest
from ordergate.fulfilment.sscc import normalise_sscc, sscc_problem
from ordergate.orders.numbers import quantity_from_text
from ordergate.orders.store import FAILED, PROCESSED, finish_document, store_document
from ordergate.parsers.csv_rows import spanning_problem
from ordergate.processing.pipeline import collector_paused
from ordergate.processing.report import DocumentReport
from ordergate.processing.shipments import Shipped, ship_in
from ordergate.settings import Settings
from ordergate.store import tables as t
from ordergate.store.ids import parse_id

MAX_FILE_BYTES = 50 * 1024 * 1024
BATCH = 500  # shipments per transaction
REQUIRED = ("line_number", "quantity", "carrier", "tracking_number", "ship_date")
OPTIONAL = ("order_id", "customer_id", "po_number", "package_id")


class ShipmentFileError(DocumentError):
    """The file as a whole cannot be read (no header, missing columns, not text)."""


@dataclass(slots=True)
class FileShipment:
    """One shipment of the file: the rows it came from and what became of it."""

    rows: list[int]
    order_ref: str  # as the file named the order, for messages
    tracking_number: str
    order_id: int | None = None
    problems: list[str] = field(default_factory=list)
    shipped: Shipped | None = None

    @property
    def status(self) -> str:
        return "refused" if self.problems else (self.shipped.result.status if self.shipped else "refused")

    @property
    def error(self) -> str | None:
        if self.problems:
            return "; ".join(self.problems)
        result = self.shipped.result if self.shipped else None
        return f"{result.request.source}: {result.reason}" if result and result.reason else None


@dataclass(slots=True)
class _Row:
    line: int
    order: tuple  # ("id", 12) or ("po", customer, po)
    line_number: int
    quantity: Decimal
    carrier: str
    tracking: str
    ship_date: date
    package: str | None

    def order_text(self) -> str:
        if self.order[0] == "id":
            return f"order {self.order[1]}"
        return f"customer {self.order[1]} PO {self.order[2]}"


def import_shipments(engine: Engine, settings: Settings, content: bytes, name: str, *,
                     actor: str, now: datetime) -> list[FileShipment]:
    # A large file makes millions of short-lived objects (rows, notices, 856 segments) that
    # reference counting frees; walking them in the cyclic collector was a fifth of the time.
    with collector_paused():
        return _import(engine, settings, content, name, actor=actor, now=now)


def _import(engine: Engine, settings: Settings, content: bytes, name: str, *, actor: str,
            now: datetime) -> list[FileShipment]:
    rows, shipments = _read(content, name)
    with engine.connect() as conn:
        _resolve_orders(conn, name, shipments, rows)
    ready = [s for s in shipments if not s.problems]
    for start in range(0, len(ready), BATCH):
        batch = ready[start:start + BATCH]
        with engine.begin() as conn:
            outcomes = ship_in(conn, settings, [_request(s, rows, name) for s in batch],
                               actor=actor, now=now)
        for shipment, outcome in zip(batch, outcomes):
            shipment.shipped = outcome
    return shipments


def _request(shipment: FileShipment, rows: dict[int, _Row], name: str) -> ShipmentRequest:
    first = rows[shipment.rows[0]]
    lines = tuple(ShipLine(rows[n].line_number, rows[n].quantity, rows[n].package)
                  for n in shipment.rows)
    where = f"{name} line{'s' if len(shipment.rows) > 1 else ''} " + \
        ", ".join(str(n) for n in shipment.rows)
    return ShipmentRequest(order_id=shipment.order_id, carrier=first.carrier,
                           tracking_number=first.tracking, ship_date=first.ship_date,
                           source=where, lines=lines)


def _read(content: bytes, name: str) -> tuple[dict[int, _Row], list[FileShipment]]:
    if len(content) > MAX_FILE_BYTES:
        raise ShipmentFileError(f"{name} is {len(content):,} bytes; at most {MAX_FILE_BYTES:,} "
                                f"are read")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    if "\x00" in text:
        raise ShipmentFileError(f"{name} is not a text file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ShipmentFileError(f"{name} is empty") from None
    except csv.Error as exc:
        raise ShipmentFileError(f"{name} line 1: {exc}") from None
    columns = {cell.strip().lower(): index for index, cell in enumerate(header)}
    missing = [column for column in REQUIRED if column not in columns]
    if "order_id" not in columns and not {"customer_id", "po_number"} <= set(columns):
        missing.insert(0, "order_id (or customer_id and po_number)")
    if missing:
        raise ShipmentFileError(f"{name} line 1: the header has no column {', '.join(missing)} "
                                f"(columns: order_id or customer_id + po_number, line_number, "
                                f"quantity, carrier, tracking_number, ship_date, package_id)")
    rows: dict[int, _Row] = {}
    groups: dict[tuple, FileShipment] = {}
    broken: list[FileShipment] = []
    wanted = [(column, index) for column, index in columns.items() if column in REQUIRED + OPTIONAL]
    width = max(index for _, index in wanted) + 1
    memo = _Memo()
    fast = _fast_row(columns, width, memo)
    line = reader.line_num
    try:
        for cells in reader:
            first, line = line + 1, reader.line_num
            done = fast(cells, line)
            if done is not None:
                row, key = done
                shipment = groups.get(key)
                if shipment is None:
                    shipment = groups[key] = FileShipment([], row.order_text(), row.tracking)
                shipment.rows.append(line)
                rows[line] = row
                continue
            if not any(cell.strip() for cell in cells):
                continue
            spanning = spanning_problem(name, first, line, cells)
            if spanning:
                broken.append(FileShipment([line], f"the rows of lines {first}-{line}", "",
                                           problems=[spanning]))
                continue
            if len(cells) >= width:  # the usual row: every column there
                value = {column: cells[index].strip() for column, index in wanted}
            else:
                value = {column: (cells[index].strip() if index < len(cells) else "")
                         for column, index in wanted}
            row, problems, key = _row(value, line, name, memo)
            shipment = groups.get(key) if key else None
            if shipment is None:
                shipment = FileShipment([], _order_text(value), value.get("tracking_number", ""))
                if key:
                    groups[key] = shipment
                else:
                    broken.append(shipment)
            shipment.rows.append(line)
            shipment.problems.extend(problems)
            if row is not None:
                rows[line] = row
    except csv.Error as exc:
        raise ShipmentFileError(f"{name} line {reader.line_num}: {exc}") from None
    return rows, list(groups.values()) + broken


def _fast_row(columns: dict[str, int], width: int, memo: _Memo):
    """The reading of a row with every column there and every value good, the usual row of a
    warehouse file: the cells read by position, no dict per row and no problem list. It gives
    (row, shipment key), or None for anything else, which ``_row`` then reads and explains."""
    order_at = columns.get("order_id")
    customer_at, po_at = columns.get("customer_id"), columns.get("po_number")
    package_at = columns.get("package_id")
    number_at, quantity_at = columns["line_number"], columns["quantity"]
    carrier_at, tracking_at, date_at = (columns["carrier"], columns["tracking_number"],
                                        columns["ship_date"])

    def read(cells: list[str], line: int) -> tuple[_Row, tuple] | None:
        if len(cells) < width:
            return None
        order_text = cells[order_at].strip() if order_at is not None else ""
        if order_text:
            order_id = parse_id(order_text)
            if order_id is None:
                return None
            order: tuple = ("id", order_id)
        elif customer_at is not None and po_at is not None:
            customer, po = cells[customer_at].strip(), cells[po_at].strip()
            if not customer or not po:
                return None
            order = ("po", customer, po)
        else:
            return None
        tracking, carrier = cells[tracking_at].strip(), cells[carrier_at].strip()
        number = cells[number_at].strip()
        if (not 0 < len(tracking) <= 60 or not 0 < len(carrier) <= 40 or not number.isdigit()
                or not 0 < int(number) < 100000):
            return None
        quantity = memo.quantity(cells[quantity_at].strip())
        ship_date = memo.ship_date(cells[date_at].strip())
        if quantity is None or ship_date is None:
            return None
        package = cells[package_at].strip() if package_at is not None else ""
        if package:
            problem, package = memo.package(package)
            if problem:
                return None
        return (_Row(line, order, int(number), quantity, carrier, tracking, ship_date,
                     package or None), (order, tracking))

    return read


def _order_text(value: dict[str, str]) -> str:
    if value.get("order_id"):
        return f"order {value['order_id']}"
    return f"customer {value.get('customer_id', '')} PO {value.get('po_number', '')}"


class _Memo:
    """What a file's repeated values were read as: a file of 100,000 rows names a few dozen
    quantities, a ship date or two and one package per few rows, so each is parsed (and an
    SSCC's check digit computed) once."""

    __slots__ = ("quantities", "dates", "packages")

    def __init__(self) -> None:
        self.quantities: dict[str, Decimal | None] = {}
        self.dates: dict[str, date | None] = {}
        self.packages: dict[str, tuple[str | None, str]] = {}  # text: (problem, normalised)

    def quantity(self, text: str) -> Decimal | None:
        try:
            return self.quantities[text]
        except KeyError:
            value = self.quantities[text] = _quantity(text)
            return value

    def ship_date(self, text: str) -> date | None:
        try:
            return self.dates[text]
        except KeyError:
            try:
                value = date.fromisoformat(text)
            except ValueError:
                value = None
            self.dates[text] = value
            return value

    def package(self, text: str) -> tuple[str | None, str]:
        try:
            return self.packages[text]
        except KeyError:
            value = self.packages[text] = (sscc_problem(text), normalise_sscc(text))
            return value


def _row(value: dict[str, str], line: int, name: str,
         memo: _Memo) -> tuple[_Row | None, list[str], tuple | None]:
    problems = []

    def bad(field_name: str, why: str) -> None:
        problems.append(f"{name} line {line}, field {field_name}: {why}")

    order: tuple | None = None
    if value.get("order_id"):
        order_id = parse_id(value["order_id"])
        if order_id is not None:
            order = ("id", order_id)
        else:
            bad("order_id", f"{value['order_id'][:40]!r} is not an order id")
    elif value.get("customer_id") and value.get("po_number"):
        order = ("po", value["customer_id"], value["po_number"])
    else:
        bad("order_id", "empty (give order_id, or customer_id and po_number)")
    tracking = value.get("tracking_number", "")
    if not tracking:
        bad("tracking_number", "empty")
    elif len(tracking) > 60:
        bad("tracking_number", "longer than 60 characters")
    carrier = value.get("carrier", "")
    if not carrier:
        bad("carrier", "empty")
    elif len(carrier) > 40:
        bad("carrier", "longer than 40 characters")
    number = value.get("line_number", "")
    if not number.isdigit() or not 0 < int(number) < 100000:
        bad("line_number", f"{number[:20]!r} is not a line number")
    quantity = memo.quantity(value.get("quantity", ""))
    if quantity is None:
        bad("quantity", f"{value.get('quantity', '')[:20]!r} is not a quantity above 0")
    ship_date = memo.ship_date(value.get("ship_date", ""))
    if ship_date is None:
        bad("ship_date", f"{value.get('ship_date', '')[:20]!r} is not a date (YYYY-MM-DD)")
    package = value.get("package_id") or None
    if package:
        problem, package = memo.package(package)
        if problem:
            bad("package_id", problem)
    key = (order, tracking) if order and tracking else None
    if problems:
        return None, problems, key
    return _Row(line, order, int(number), quantity, carrier, tracking, ship_date, package), [], key


def _quantity(text: str) -> Decimal | None:
    return quantity_from_text(text) if len(text) <= 20 else None


def _resolve_orders(conn: Connection, name: str, shipments: list[FileShipment],
                    rows: dict[int, _Row]) -> None:
    """Order ids for the shipments, from order_id or customer + PO number."""
    by_po = {rows[s.rows[0]].order[1:] for s in shipments
             if not s.problems and rows[s.rows[0]].order[0] == "po"}
    found: dict[tuple, int] = {}
    pairs = sorted(by_po)
    for start in range(0, len(pairs), 500):
        chunk = pairs[start:start + 500]
        for row in conn.execute(select(t.orders.c.id, t.orders.c.customer_id, t.orders.c.po_number)
                                .where(tuple_(t.orders.c.customer_id, t.orders.c.po_number).in_(chunk))):
            found[(row.customer_id, row.po_number)] = row.id
    for shipment in shipments:
        if shipment.problems:
            continue
        first = rows[shipment.rows[0]]
        if first.order[0] == "id":
            shipment.order_id = first.order[1]
        elif first.order[1:] in found:
            shipment.order_id = found[first.order[1:]]
        else:
            shipment.problems.append(f"{name} line {first.line}: there is no order of customer "
                                     f"{first.order[1]} with PO number {first.order[2]}")
        dates = {rows[n].ship_date for n in shipment.rows}
        carriers = {rows[n].carrier for n in shipment.rows}
        if len(dates) > 1 or len(carriers) > 1:
            shipment.problems.append(f"{name} lines {', '.join(map(str, shipment.rows))}: one "
                                     f"tracking number with more than one carrier or ship date")


SHIPMENTS_FOLDER = "shipments"  # inbox/shipments/: warehouse confirmations, not orders
SHIPMENTS_FORMAT = "shipments-csv"


def import_stored(engine: Engine, settings: Settings, raw: RawDocument, *, actor: str,
                  now: datetime) -> tuple[DocumentReport, list[FileShipment]]:
    """A shipment file that came through a channel (the drop folder): stored first like every
    document, then imported; the document ends processed, or failed naming the shipments that
    were refused (the others are in)."""
    stored = store_document(engine, raw)
    report = DocumentReport(path=raw.source_ref, document_id=stored.id, format=SHIPMENTS_FORMAT,
                            status=PROCESSED)
    shipments: list[FileShipment] = []
    try:
        shipments = import_shipments(engine, settings, raw.content, raw.name, actor=actor, now=now)
        refused = [s.error for s in shipments if s.status == "refused"]
        if refused:
            report.status = FAILED
            report.error = "; ".join(refused[:3]) + (f" (and {len(refused) - 3} more)"
                                                      if len(refused) > 3 else "")
    except DocumentError as exc:
        report.status, report.error = FAILED, str(exc)
    report.problems.extend(f"{s.order_ref} {s.tracking_number}: {s.status}" for s in shipments)
    shipped = [s.shipped.result.shipment_id for s in shipments if s.status == "shipped"]
    if shipped:  # invoiced at once, as ``ordergate shipments import`` does
        from ordergate.processing.invoices import invoice_shipped

        run, note = invoice_shipped(engine, settings, shipped, actor=actor, now=now)
        report.problems.extend([note] if note else [])
        report.problems.extend(f"shipment {n.shipment_id} not invoiced: {n.reason}"
                               for n in (run.not_invoiced if run else []))
    with engine.begin() as conn:
        finish_document(conn, stored.id, report.status, fmt=SHIPMENTS_FORMAT, error=report.error)
    return report, shipments


def shipment_summary(shipments: list[FileShipment]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for shipment in shipments:
        counts[shipment.status] += 1
    return dict(counts)
