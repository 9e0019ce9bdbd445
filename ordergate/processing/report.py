"""What processing a document produced, as ``ordergate ingest --json`` prints it."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from ordergate.orders.model import CheckedOrder, OrderStatus


class LineReport(BaseModel):
    line_number: int
    buyer_part: str | None
    sku: str | None
    quantity: Decimal
    uom: str | None
    unit_price: Decimal | None
    status: str
    reason: str | None = None


class OrderReport(BaseModel):
    order_id: int | None
    po_number: str | None
    customer_id: str | None
    status: str
    hold_reasons: list[str] = Field(default_factory=list)
    total: Decimal | None = None
    currency: str | None = None
    source_key: str | None = None
    lines: list[LineReport] = Field(default_factory=list)

    @classmethod
    def from_checked(cls, checked: CheckedOrder) -> "OrderReport":
        order = checked.order
        return cls(
            order_id=checked.order_id, po_number=order.po_number, customer_id=order.customer_id,
            status=checked.status.value, hold_reasons=checked.hold_reasons,
            total=checked.total, currency=order.currency, source_key=order.source_key,
            lines=[LineReport(line_number=line.line_number, buyer_part=line.buyer_part,
                              sku=outcome.sku, quantity=line.quantity, uom=line.uom,
                              unit_price=outcome.unit_price, status=outcome.status.value,
                              reason=outcome.reason)
                   for line, outcome in zip(order.lines, checked.lines)],
        )

    @classmethod
    def rejected(cls, po_number: str | None, customer_id: str | None, source_key: str,
                 reasons: list[str]) -> "OrderReport":
        return cls(order_id=None, po_number=po_number, customer_id=customer_id,
                   status=OrderStatus.REJECTED.value, hold_reasons=reasons, source_key=source_key)


class OutboundReport(BaseModel):
    kind: str
    path: str
    outbox_id: int | None = None
    status: str = "pending"


class DocumentReport(BaseModel):
    path: str
    document_id: int | None
    format: str | None
    status: str  # processed | failed | duplicate
    error: str | None = None
    problems: list[str] = Field(default_factory=list)
    orders: list[OrderReport] = Field(default_factory=list)
    outbound: list[OutboundReport] = Field(default_factory=list)


class IngestReport(BaseModel):
    documents: list[DocumentReport] = Field(default_factory=list)

    def order_counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in OrderStatus}
        for document in self.documents:
            for order in document.orders:
                counts[order.status] = counts.get(order.status, 0) + 1
        return counts
