"""A checked order as the rows the store writes: what the prepare stage hands the store stage.

Parsing, mapping and checking (the prepare stage) can run in a second process while the
first one stores, so what crosses between them must be cheap to pickle: pydantic models cost
about 250 µs per 10-line order there and back, plain tuples about 40 µs. A ``PreparedOrder``
therefore carries the order's column values and one plain tuple per line in ``LINE_COLUMNS``
order (the ``order_lines`` row without its ids), and everything downstream (the store, the
855 and ORDRSP renderers, the ``--json`` report) reads those rows, so an acknowledgement
says exactly what was stored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from ordergate.orders.model import LINE_STATUS_VALUE, CheckedOrder
from ordergate.orders.numbers import stored_exactly

# order_lines columns a line tuple holds, in order (the store prepends order_id)
# quantity/uom are in our unit (converted where the partner profile gives a factor);
# unit_price is the price the line is sold at, po_unit_price what the PO said; ship_quantity
# is what stock allocation set aside (None until the store decides, or for a line not shipped).
LINE_COLUMNS = ("line_number", "buyer_line_id", "buyer_part", "vendor_part", "gtin", "sku",
                "description", "quantity", "uom", "unit_price", "status", "reason",
                "po_unit_price", "ship_quantity")
(L_NUMBER, L_BUYER_LINE_ID, L_BUYER_PART, L_VENDOR_PART, L_GTIN, L_SKU, L_DESCRIPTION,
 L_QUANTITY, L_UOM, L_UNIT_PRICE, L_STATUS, L_REASON, L_PO_UNIT_PRICE,
 L_SHIP_QUANTITY) = range(len(LINE_COLUMNS))
SHIPPING_LINES = frozenset({"accepted", "changed", "backordered"})
ACCEPTED_LINE = "accepted"
DESCRIPTION_LIMIT = 300  # order_lines.description


class WrittenLines(NamedTuple):
    """An acknowledgement's line segments, written as text while the order was prepared (in
    the prepare process, which has time to spare: the storing one is the bottleneck). They
    stand for exactly ``lines``: when the store changes an order (stock, credit), it gets a new
    lines tuple and the acknowledgement is written again from it."""

    lines: tuple[tuple, ...]  # the order's lines when written (compared by identity)
    writer: tuple  # the key of the writer (delimiters, version) that wrote them
    text: str
    count: int  # segments in ``text``


class PreparedOrder(NamedTuple):
    source_key: str
    channel: str
    format: str
    partner_id: str
    customer_id: str | None
    po_number: str
    po_date: date | None
    purpose: str
    currency: str | None
    requested_date: date | None
    status: str
    hold_reasons: tuple[str, ...]
    total: Decimal
    detail: str  # the canonical SalesOrder as JSON (with its reply address), for re-checks later
    lines: tuple[tuple, ...]  # LINE_COLUMNS values per line
    # (role, id) of the parties an acknowledgement names, e.g. ("BY", a GLN) for an ORDRSP
    parties: tuple[tuple[str, str], ...] = ()
    ack_lines: WrittenLines | None = None


def prepare_order(checked: CheckedOrder) -> PreparedOrder:
    order = checked.order
    status_value = LINE_STATUS_VALUE
    # An accepted order's shipping lines are expected to ship whole; stock allocation
    # (orders/allocation.py) lowers ship_quantity only where stock runs short. A held order
    # ships nothing until it is released.
    accepted = checked.status.value == "accepted"
    lines = []
    # Every line's row says exactly what the PO said (see DETAIL_WITHOUT_LINES); a held
    # order keeps its lines in the detail, as it is the one a release checks again.
    as_sent = accepted
    for line, outcome in zip(order.lines, checked.lines):
        quantity = line.quantity if outcome.quantity is None else outcome.quantity
        uom = outcome.uom or line.uom
        description = line.description
        if as_sent and (quantity is not line.quantity or uom != line.uom
                        or (description is not None and len(description) > DESCRIPTION_LIMIT)
                        or not stored_exactly(quantity) or not stored_exactly(line.unit_price)):
            as_sent = False
        status = status_value[outcome.status]
        lines.append((line.line_number, line.buyer_line_id, line.buyer_part, line.vendor_part,
                      line.gtin, outcome.sku, (description or "")[:DESCRIPTION_LIMIT] or None,
                      quantity, uom, outcome.unit_price, status, outcome.reason, line.unit_price,
                      quantity if accepted and status in SHIPPING_LINES else None))
    return PreparedOrder(
        order.source_key, order.channel, order.format, order.partner_id, order.customer_id,
        order.po_number, order.po_date, order.purpose.value, order.currency,
        order.requested_date, checked.status.value, tuple(checked.hold_reasons), checked.total,
        order.model_dump_json(exclude=DETAIL_WITHOUT_LINES if as_sent else DETAIL), tuple(lines))


# ``orders.detail`` leaves the lines out of an accepted order when ``order_lines`` holds them
# exactly as the PO had them (quantity and unit as sent, the PO's price in po_unit_price, the
# whole description, no value the columns would round): most orders. Their JSON was two thirds
# of what a large interchange wrote, and the lines were stored twice. Should such an order be
# held later (credit, stock) and released, ``reload.stored_sales_order`` puts them back.
DETAIL = frozenset({"document_id"})
DETAIL_WITHOUT_LINES = frozenset({"document_id", "lines"})


def lines_written_ahead(order: PreparedOrder, writer: tuple) -> WrittenLines | None:
    """``order.ack_lines`` when they were written for the very lines the order has now, by the
    writer ``writer`` names; else None (the caller writes them)."""
    ahead = order.ack_lines
    if ahead is not None and ahead.lines is order.lines and ahead.writer == writer:
        return ahead
    return None
