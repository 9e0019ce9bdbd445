"""The canonical sales order every channel's mapping produces, and the outcome of checking it.

Pydantic models with ``Decimal`` money and ``date`` dates. Mappings build a ``SalesOrder``;
checks return a ``CheckedOrder`` (the order plus its status, hold reasons and per-line
outcomes) which the store persists and the acknowledgement sinks render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from ordergate.statuses import LineStatus, OrderStatus

# Enum.value is a descriptor call; code that touches every line of 10,000 orders looks the
# plain string up here instead.
LINE_STATUS_VALUE = {status: status.value for status in LineStatus}


class Purpose(str, Enum):
    ORIGINAL = "original"
    CANCEL = "cancel"
    REPLACE = "replace"
    CHANGE = "change"
    CONFIRMATION = "confirmation"
    DUPLICATE = "duplicate"
    OTHER = "other"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid", use_enum_values=False)


class Address(_Model):
    name: str | None = None
    code: str | None = None  # the partner's location code (N103/N104)
    code_qualifier: str | None = None
    street: list[str] = Field(default_factory=list)
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class OrderLine(_Model):
    line_number: int
    buyer_line_id: str | None = None  # PO101, echoed back in the 855
    buyer_part: str | None = None
    vendor_part: str | None = None
    gtin: str | None = None
    description: str | None = None
    quantity: Decimal
    uom: str | None = None
    unit_price: Decimal | None = None
    # Where the line sits in its source document (segment position), for error messages.
    source_position: int | None = None


class SalesOrder(_Model):
    """One purchase order as the customer sent it, channel-independent."""

    document_id: int | None = None
    source_key: str  # unique within its document, e.g. "000000001/1/0001" (ISA13/GS06/ST02)
    channel: str
    format: str  # "x12-850", ...
    partner_id: str  # the sender as the channel identifies it, e.g. "x12:ZZ:ACMEBUY"
    customer_id: str | None = None
    po_number: str
    po_date: date | None = None
    purpose: Purpose = Purpose.ORIGINAL
    order_type: str | None = None
    currency: str | None = None
    requested_date: date | None = None
    references: dict[str, str] = Field(default_factory=dict)
    ship_to: Address | None = None
    bill_to: Address | None = None
    lines: list[OrderLine] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    # Problems the mapping found that are not fatal (e.g. a CTT hash total mismatch): holds.
    warnings: list[str] = Field(default_factory=list)
    reply_to: "ReplyAddress | None" = None
    # Set when the channel could not prove who sent the order (a mail no server of ours
    # authenticated): why not. A hold until a person has checked with the customer.
    sender_unverified: str | None = None


# The check results are built by our own code from already-validated orders, tens of
# thousands at a time: slotted dataclasses, not pydantic models, so nothing is validated twice.
@dataclass(slots=True)
class LineOutcome:
    line_number: int
    sku: str | None = None
    status: LineStatus = LineStatus.ACCEPTED
    reason: str | None = None
    unit_price: Decimal | None = None
    # In our unit of measure when the partner profile converts theirs (CS of 12 -> EA).
    quantity: Decimal | None = None
    uom: str | None = None


@dataclass(slots=True)
class CheckedOrder:
    """A sales order after the checks: what the store writes and the 855 tells."""

    order: SalesOrder
    status: OrderStatus
    hold_reasons: list[str] = field(default_factory=list)
    lines: list[LineOutcome] = field(default_factory=list)
    # What the accepted lines are worth, set by the checks (rejected lines will not ship).
    total: Decimal = Decimal("0")
    # Set by the store: the id of the new order, or of the original for a duplicate.
    order_id: int | None = None


SHIPPING_LINE_STATUSES = (LineStatus.ACCEPTED, LineStatus.CHANGED, LineStatus.BACKORDERED)


def accepted_total(order: SalesOrder, outcomes: list[LineOutcome]) -> Decimal:
    total = Decimal("0")
    for line, outcome in zip(order.lines, outcomes):
        if outcome.status not in SHIPPING_LINE_STATUSES:
            continue
        price = outcome.unit_price if outcome.unit_price is not None else line.unit_price
        quantity = outcome.quantity if outcome.quantity is not None else line.quantity
        if price is not None:
            total += price * quantity
    return total


class ReplyAddress(_Model):
    """Where acknowledgements for an order go, as the partner addressed us."""

    standard: str = "x12"
    partner_qualifier: str
    partner_id: str
    our_qualifier: str
    our_id: str
    partner_app_code: str  # their GS02
    our_app_code: str  # their GS03
    interchange_version: str = "00401"
    group_version: str = "004010"


SalesOrder.model_rebuild()
