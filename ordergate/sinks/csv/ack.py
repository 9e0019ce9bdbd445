"""CSV order acknowledgement: what became of each line of the POs in one dropped order file.

The answer to a CSV/XLSX order file is a CSV the customer's spreadsheet or ERP can read back:
one row per order line with our order id, the SKU we resolved, the price we will charge and the
line's status, plus one row per PO of the file that got no order (a file refused whole is one
row without a PO number). Statuses are written as the store holds them, so a status added
later ("backordered", "changed") needs no change here.

Pure: rows in, bytes out. Queuing the file in the outbox is the intake's job.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ordergate.orders.model import LineStatus, OrderStatus
from ordergate.orders.numbers import tidy_money, tidy_quantity
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
from ordergate.sinks.csv_safe import safe_writer

ACK_COLUMNS = ("po_number", "order_id", "line_number", "sku", "buyer_part", "quantity", "uom",
               "unit_price", "status", "reason")
HELD = OrderStatus.HELD.value
DUPLICATE = OrderStatus.DUPLICATE.value
REJECTED = OrderStatus.REJECTED.value
# Lines refused on their own account keep their status in a held order; every other line waits.
_REFUSED_LINES = frozenset({LineStatus.UNKNOWN_ITEM.value, LineStatus.REJECTED.value})


@dataclass(frozen=True, slots=True)
class AckRow:
    po_number: str
    order_id: int | None
    line_number: int | None
    sku: str | None
    buyer_part: str | None
    quantity: Decimal | None
    uom: str | None
    unit_price: Decimal | None
    status: str
    reason: str | None = None


def rows_for_order(saved: SavedOrder) -> list[AckRow]:
    """One row per line of a stored (or duplicate) order.

    A line's own status stands, except where the order's status says more: every line of a
    duplicate PO is "duplicate" (nothing of it will ship), and a line of a held order that was
    not refused itself is "held" with the order's reasons first, so the customer is not told a
    waiting line is confirmed. A line's own reason that is one of the order's (a price outside
    tolerance is both) is said once.
    """
    order = saved.order
    order_reasons = "; ".join(saved.hold_reasons) or None
    rows = []
    for line in order.lines:
        status, reason = line[L_STATUS], line[L_REASON]
        if saved.status == DUPLICATE:
            status, reason = DUPLICATE, order_reasons
        elif saved.status == HELD and status not in _REFUSED_LINES:
            status, reason = HELD, _reasons_once(saved.hold_reasons, reason)
        rows.append(AckRow(po_number=order.po_number, order_id=saved.order_id,
                           line_number=line[L_NUMBER], sku=line[L_SKU],
                           buyer_part=line[L_BUYER_PART], quantity=line[L_QUANTITY],
                           uom=line[L_UOM], unit_price=line[L_UNIT_PRICE], status=status,
                           reason=reason))
    return rows


def row_for_rejected_po(po_number: str, reason: str) -> AckRow:
    """A PO of the file that got no order: one row, without lines, saying why. ``po_number`` is
    "" for a file that could not be read as orders at all."""
    return AckRow(po_number=po_number, order_id=None, line_number=None, sku=None, buyer_part=None,
                  quantity=None, uom=None, unit_price=None, status=REJECTED, reason=reason)


def render_csv_ack(rows: Iterable[AckRow]) -> bytes:
    """UTF-8, comma-separated, a header row, CRLF line ends (RFC 4180); empty cells for None;
    cells a spreadsheet would run as a formula start with "'" (``sinks.csv_safe``)."""
    buffer = io.StringIO(newline="")
    writer = safe_writer(buffer, lineterminator="\r\n")
    writer.writerow(ACK_COLUMNS)
    for row in rows:
        writer.writerow((row.po_number, _text(row.order_id), _text(row.line_number),
                         row.sku or "", row.buyer_part or "", _amount(tidy_quantity(row.quantity)),
                         row.uom or "", _amount(tidy_money(row.unit_price)), row.status,
                         row.reason or ""))
    return buffer.getvalue().encode("utf-8")


def _reasons_once(order_reasons: tuple[str, ...] | list[str], line_reason: str | None) -> str | None:
    """The order's reasons, then the parts of the line's reason not already among them (the
    checks join a line's reasons with "; ", and a hold on the line is also an order reason)."""
    reasons = list(dict.fromkeys(order_reasons))
    if line_reason:
        reasons += [part for part in line_reason.split("; ") if part and part not in reasons]
    return "; ".join(reasons) or None


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _amount(value: Decimal | None) -> str:
    # format "f": never "1E+3", which a spreadsheet or a strict reader would misread
    return "" if value is None else format(value, "f")
