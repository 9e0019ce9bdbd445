"""What processing a document produced, as ``ordergate ingest --json`` prints it.

Plain slotted dataclasses rather than pydantic models: a 10,000-order interchange makes
110,000 of them, and validating data we built ourselves a moment ago would cost more than
storing it. ``to_json`` serialises through a pydantic TypeAdapter (Decimals as strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Annotated, NamedTuple

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
    problems: list[str] = field(default_factory=list)
    orders: list[OrderReport] = field(default_factory=list)
    outbound: list[OutboundReport] = field(default_factory=list)
    # How a person names the document where its path does not (a mail: sender and subject).
    title: str | None = None

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
            for order in document.orders:
                counts[order.status] = counts.get(order.status, 0) + 1
        return counts

    def to_json(self, indent: int | None = 2) -> str:
        # ASCII like json.dumps' default (the other --json outputs): a sender's escape sequence
        # or bidi override is a \u escape in the JSON, never a raw character on the terminal
        return _adapter().dump_json(self, indent=indent, ensure_ascii=True).decode("ascii")


@cache
def _adapter():
    from pydantic import TypeAdapter

    return TypeAdapter(IngestReport)
