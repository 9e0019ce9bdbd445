"""What processing a document produced, as ``ordergate ingest --json`` prints it.

Plain slotted dataclasses rather than pydantic models: a 10,000-order interchange makes
110,000 of them, and validating data we built ourselves a moment ago would cost more than
storing it. Orders are serialised through a pydantic TypeAdapter (Decimals as strings).

A report never holds every order of a large document: ``OrderReports`` counts them all and
keeps the first ones (and those that need a person) up to a bound, so that the memory of an
ingest does not grow with the interchange. Where every order must be printed (``--json``) each
one is written to a spool file as it is reported and streamed from there (``write_json``).
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import IO, Annotated, NamedTuple, TextIO

from pydantic import PlainSerializer

from ordergate.orders.model import OrderStatus
from ordergate.orders.prepared import (
    L_BUYER_PART,
    L_NUMBER,
    L_QUANTITY,
    L_REASON,
    L_SKU,
    L_STATUS,
    L_UNIT_PRICE,
    L_UOM,
)
from ordergate.orders.store import SavedOrder
from ordergate.wire import by_fields


class LineReport(NamedTuple):
    """A tuple: a report holds one per line of every order (100,000 for a large interchange),
    made straight from the stored row (``_line_report``, in C) and left alone by the cyclic
    collector once it has seen them; written as an object in the JSON."""

    line_number: int
    buyer_part: str | None
    sku: str | None
    quantity: Decimal
    uom: str | None
    unit_price: Decimal | None
    status: str
    reason: str | None = None


_line_values = itemgetter(L_NUMBER, L_BUYER_PART, L_SKU, L_QUANTITY, L_UOM, L_UNIT_PRICE, L_STATUS,
                          L_REASON)


def _line_report(line: tuple) -> LineReport:
    return tuple.__new__(LineReport, _line_values(line))


# JSON writes a NamedTuple as an array: each line goes out as an object with its field names.
LineJson = Annotated[LineReport, PlainSerializer(lambda line: line._asdict(), return_type=dict)]


@by_fields
@dataclass(slots=True)
class OrderReport:
    order_id: int | None
    po_number: str | None
    customer_id: str | None
    status: str
    hold_reasons: list[str] = field(default_factory=list)
    total: Decimal | None = None
    currency: str | None = None
    source_key: str | None = None
    lines: list[LineJson] = field(default_factory=list)

    @classmethod
    def from_saved(cls, saved: SavedOrder) -> "OrderReport":
        order = saved.order
        return cls(
            order_id=saved.order_id, po_number=order.po_number, customer_id=order.customer_id,
            status=saved.status, hold_reasons=list(saved.hold_reasons), total=order.total,
            currency=order.currency, source_key=order.source_key,
            lines=list(map(_line_report, order.lines)),
        )

    @classmethod
    def rejected(cls, po_number: str | None, customer_id: str | None, source_key: str,
                 reasons: list[str]) -> "OrderReport":
        return cls(order_id=None, po_number=po_number, customer_id=customer_id,
                   status=OrderStatus.REJECTED.value, hold_reasons=reasons, source_key=source_key)


# Orders a report keeps beyond its counts: the first ones, and those a person must look at
# (held, rejected) up to as many again. Past that they are counted, and spooled for --json.
KEPT_ORDERS = 1_000
_ATTENTION = frozenset((OrderStatus.HELD.value, OrderStatus.REJECTED.value))
_ORDER_INDENT = " " * 8  # where an order starts in ``write_json``'s output (indent 2)
_INDENT_BYTES = _ORDER_INDENT.encode()


class OrderReports:
    """The orders of one document's report: every one counted per status, the first
    ``KEPT_ORDERS`` kept (and held or rejected ones up to as many again), and, with a spool,
    every one written out as JSON for ``write_json``. Iterating gives the kept ones; ``len``
    and ``count`` give all."""

    __slots__ = ("_kept", "_counts", "_attention", "_spool", "_spooled")

    def __init__(self, orders: Iterable[OrderReport] = (), *, spool: bool = False) -> None:
        self._kept: list[OrderReport] = []
        self._counts: dict[str, int] = {}
        self._attention = 0
        self._spool: IO[bytes] | None = tempfile.TemporaryFile() if spool else None
        self._spooled = 0
        self.extend(orders)

    def append(self, order: OrderReport) -> None:
        status = order.status
        self._counts[status] = self._counts.get(status, 0) + 1
        if len(self._kept) < KEPT_ORDERS:
            self._kept.append(order)
        elif status in _ATTENTION and self._attention < KEPT_ORDERS:
            self._kept.append(order)
            self._attention += 1
        if self._spool is not None:
            self._spool.write((b",\n" if self._spooled else b"") + _order_json(order))
            self._spooled += 1

    def extend(self, orders: Iterable[OrderReport]) -> None:
        for order in orders:
            self.append(order)

    def __iter__(self) -> Iterator[OrderReport]:
        return iter(self._kept)

    def __getitem__(self, index):
        return self._kept[index]

    def mark(self) -> int:
        """Where the kept orders end now, for ``since``."""
        return len(self._kept)

    def since(self, mark: int) -> list[OrderReport]:
        """The orders kept after ``mark``: a mail's reply about its EDI attachment's orders
        lists these (all of them, up to the bound)."""
        return self._kept[mark:]

    def __len__(self) -> int:
        return sum(self._counts.values())

    def __bool__(self) -> bool:
        return bool(self._counts)

    def __repr__(self) -> str:
        return f"OrderReports({len(self)} orders, {len(self._kept)} kept)"

    def __eq__(self, other: object) -> bool:
        """Equal to a list of the same orders when every order is kept."""
        if isinstance(other, OrderReports):
            return self._counts == other._counts and self._kept == other._kept
        if isinstance(other, list):
            return self.omitted == 0 and self._kept == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def count(self, status: str) -> int:
        return self._counts.get(status, 0)

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    @property
    def spooled(self) -> bool:
        """Whether every order is written out for ``write_json_array``."""
        return self._spool is not None

    @property
    def omitted(self) -> int:
        """How many orders are counted but not kept."""
        return len(self) - len(self._kept)

    def write_json_array(self, out: TextIO) -> None:
        """The orders as the body of a JSON array, each at ``_ORDER_INDENT``: every one from the
        spool when there is one, else the kept ones."""
        if self._spool is not None:
            self._spool.flush()
            self._spool.seek(0)
            reader = io.TextIOWrapper(self._spool, encoding="ascii", newline="")
            shutil.copyfileobj(reader, out, 1024 * 1024)
            reader.detach()
            self._spool.seek(0, 2)
        else:
            out.write(b",\n".join(map(_order_json, self._kept)).decode("ascii"))

    def __getstate__(self):
        # A report may cross a process (a flow's result): what is kept goes, the spool does not.
        return {"kept": self._kept, "counts": self._counts, "attention": self._attention}

    def __setstate__(self, state) -> None:
        self._kept, self._counts = state["kept"], state["counts"]
        self._attention, self._spool, self._spooled = state["attention"], None, 0


def _order_json(order: OrderReport) -> bytes:
    """One order as ASCII JSON at ``_ORDER_INDENT``, as ``write_json`` nests it."""
    text = _order_adapter().dump_json(order, indent=2, ensure_ascii=True)
    return _INDENT_BYTES + text.replace(b"\n", b"\n" + _INDENT_BYTES)


MAX_PROBLEMS = 1_000  # problems a report keeps; a document of bad sets reports one per set


class Problems(list):
    """A document's problems, the first ``MAX_PROBLEMS`` of them kept and the rest counted
    (``omitted``): a file of 300,000 broken sets must not hold 300,000 sentences."""

    omitted = 0

    def append(self, problem: str) -> None:
        if len(self) < MAX_PROBLEMS:
            super().append(problem)
        else:
            self.omitted += 1

    def extend(self, problems: Iterable[str]) -> None:
        for problem in problems:
            self.append(problem)


@dataclass(slots=True)
class OutboundReport:
    kind: str
    path: str
    status: str = "pending"


@dataclass(slots=True)
class DocumentReport:
    path: str
    document_id: int | None
    format: str | None
    status: str  # processed | failed | duplicate | in_progress (another worker has it)
    error: str | None = None
    problems: list[str] = field(default_factory=Problems)
    orders: OrderReports = field(default_factory=OrderReports)
    outbound: list[OutboundReport] = field(default_factory=list)
    # How a person names the document where its path does not (a mail: sender and subject).
    title: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.orders, OrderReports):
            self.orders = OrderReports(self.orders)
        if not isinstance(self.problems, Problems):
            given, self.problems = self.problems, Problems()
            self.problems.extend(given)  # through the bound, unlike list's own constructor

    def __repr__(self) -> str:
        # Prefect logs a task's final state with its result: a line, not every order and line.
        return (f"DocumentReport(document {self.document_id}, {self.status}, "
                f"{len(self.orders)} orders)")


INTAKE_STATUSES = (OrderStatus.ACCEPTED, OrderStatus.HELD, OrderStatus.REJECTED,
                   OrderStatus.DUPLICATE)


@dataclass(slots=True)
class IngestReport:
    documents: list[DocumentReport] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"IngestReport({len(self.documents)} documents)"

    def order_counts(self) -> dict[str, int]:
        """Orders per status an intake gives (fulfilment's come later, never from a document)."""
        counts = {status.value: 0 for status in INTAKE_STATUSES}
        for document in self.documents:
            for status, count in document.orders.counts().items():
                counts[status] = counts.get(status, 0) + count
        return counts

    def to_json(self, indent: int | None = 2) -> str:
        out = io.StringIO()
        self.write_json(out, indent=indent)
        return out.getvalue()

    def write_json(self, out: TextIO, indent: int | None = 2) -> None:
        """The report as one JSON object, its orders streamed (from their spool when the
        documents have one): a 300,000-order interchange is never in memory as text.

        ASCII like json.dumps' default (the other --json outputs): a sender's escape sequence
        or bidi override is a \\u escape in the JSON, never a raw character on the terminal. A
        document whose orders were not all kept says how many are left out
        (``orders_omitted``)."""
        if indent is None:  # one line, for small reports: the kept orders only
            out.write(json.dumps({"documents": [
                _document_data(d, [_order_adapter().dump_python(o, mode="json") for o in d.orders],
                               streamed=False) for d in self.documents]}, ensure_ascii=True))
            return
        out.write('{\n  "documents": [')
        for number, document in enumerate(self.documents):
            head = json.dumps(_document_data(document, [], streamed=True), indent=2, ensure_ascii=True)
            before, after = head.split('\n  "orders": []', 1)
            out.write(",\n" if number else "\n")
            out.write(_indented(before, "    "))
            if document.orders:
                out.write('\n      "orders": [\n')
                document.orders.write_json_array(out)
                out.write("\n      ]")
            else:
                out.write('\n      "orders": []')
            out.write(_indented(after, "    ", first=False))
        out.write("\n  ]\n}" if self.documents else "]\n}")


def _document_data(document: DocumentReport, orders: list, *, streamed: bool) -> dict:
    data = {"path": document.path, "document_id": document.document_id, "format": document.format,
            "status": document.status, "error": document.error, "problems": document.problems,
            "orders": orders,
            "outbound": [{"kind": o.kind, "path": o.path, "status": o.status}
                         for o in document.outbound],
            "title": document.title}
    if getattr(document.problems, "omitted", 0):
        data["problems_omitted"] = document.problems.omitted
    left_out = 0 if streamed and document.orders.spooled else document.orders.omitted
    if left_out:
        data["orders_omitted"] = left_out
    return data


def _indented(text: str, prefix: str, first: bool = True) -> str:
    lines = text.split("\n")
    return "\n".join((prefix + line) if (i or first) else line for i, line in enumerate(lines))


@cache
def _order_adapter():
    from pydantic import TypeAdapter

    return TypeAdapter(OrderReport)
