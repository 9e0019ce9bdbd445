"""X12 855 purchase order acknowledgement: what we will do with each line of one order.

BAK02: AH received and on hold (only for partners that ask for it), AD accepted as sent, AC accepted with changes (a line rejected, repriced or partly
backordered), RD rejected with detail (no line ships), RJ rejected without detail (a duplicate
PO, or an order cancelled after it was accepted, its lines all IR). One PO1 per line (at the price we sell at, in our unit) with its ACKs: IA accepted (the quantity
that ships now), IC accepted with changes (our price, or converted to our unit), IB the
backordered rest, IR rejected. A line that is not
simply accepted carries its reason in REF*ZZ, since ACK has no free-text element.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from ordergate.orders.numbers import money_text, quantity_text
from ordergate.orders.prepared import (
    ACCEPTED_LINE,
    L_BUYER_LINE_ID,
    L_BUYER_PART,
    L_GTIN,
    L_NUMBER,
    L_QUANTITY,
    L_REASON,
    L_SHIP_QUANTITY,
    L_SKU,
    L_STATUS,
    L_UNIT_PRICE,
    L_UOM,
    L_VENDOR_PART,
    SHIPPING_LINES,
    PreparedOrder,
    WrittenLines,
    lines_written_ahead,
)
from ordergate.parsers.x12 import OutTransaction, SegmentWriter

ACCEPTED = "IA"  # ACK01: item accepted
CHANGED = "IC"  # item accepted, changes made (our price, or our unit of measure)
BACKORDERED = "IB"  # item backordered
REJECTED = "IR"  # item rejected
_ZERO = Decimal("0")


@lru_cache(maxsize=512)
def _yyyymmdd(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def build_855(order: PreparedOrder, order_id: int, st_control: int, today: date,
              writer: SegmentWriter | None = None) -> OutTransaction:
    """The 855 for one stored order, read from the rows the store wrote (BAK08 is our order id).

    With the ``writer`` of the interchange it goes into, an order whose lines are all simply
    accepted (most of a large batch) has them written straight to text."""
    lines = order.lines
    head: list[list[str]] = [
        # BAK04 is mandatory: the PO date, or the day we acknowledge when the PO had none.
        ["BAK", "00", _ack_type(order), order.po_number, _yyyymmdd(order.po_date or today), "", "",
         "", str(order_id), _yyyymmdd(today)],
    ]
    if order.currency:
        head.append(["CUR", "SE", order.currency])
    written = None if writer is None else (lines_written_ahead(order, writer.key)
                                           or _accepted_lines_text(lines, writer))
    if written is not None:
        return OutTransaction(set_id="855", control_number=st_control, segments=head,
                              tail=written.text, tail_count=written.count, tail_writer=writer)
    return OutTransaction(set_id="855", control_number=st_control, segments=head + _line_segments(lines))


def write_lines_ahead(order: PreparedOrder, writer: SegmentWriter) -> PreparedOrder:
    """``order`` with its 855 lines written for ``writer`` when they all ship as sent (the
    rest are written when the 855 is built)."""
    written = _accepted_lines_text(order.lines, writer)
    return order if written is None else order._replace(ack_lines=written)


def _ack_type(order: PreparedOrder) -> str:
    if order.status == "held":  # received, pending review: the lines' answer comes on release
        return "AH"
    if order.status == "cancelled":  # accepted before, withdrawn now: every line IR
        return "RJ"
    statuses = [line[L_STATUS] for line in order.lines]
    as_sent = statuses.count(ACCEPTED_LINE)
    if as_sent == len(statuses):
        return "AD"
    if as_sent or any(status in SHIPPING_LINES for status in statuses):
        return "AC"
    return "RD"


def _line_segments(lines: tuple[tuple, ...]) -> list[list[str]]:
    """PO1 and ACK (and REF for a reason) per line, then CTT: any line, as segment lists."""
    segments: list[list[str]] = []
    hash_total = _ZERO
    for line in lines:
        quantity = quantity_text(line[L_QUANTITY])
        uom = line[L_UOM] or "EA"
        po1 = ["PO1", line[L_BUYER_LINE_ID] or str(line[L_NUMBER]), quantity, uom,
               money_text(line[L_UNIT_PRICE]), ""]
        for qualifier, value in (("BP", line[L_BUYER_PART]), ("VP", line[L_SKU] or line[L_VENDOR_PART]),
                                 ("UK", line[L_GTIN])):
            if value:
                po1 += [qualifier, value]
        segments.append(po1)
        status = line[L_STATUS]
        ships = line[L_SHIP_QUANTITY]
        if ships is None or ships == line[L_QUANTITY]:
            ships, shipping = line[L_QUANTITY], quantity  # the usual case: no second formatting
        else:
            shipping = quantity_text(ships)
        if status == ACCEPTED_LINE:
            segments.append(["ACK", ACCEPTED, shipping, uom])
        elif status == "changed":
            segments.append(["ACK", CHANGED, shipping, uom])
        elif status == "backordered":
            if ships:  # nothing ships now: the backorder alone says it
                segments.append(["ACK", ACCEPTED, shipping, uom])
            segments.append(["ACK", BACKORDERED, quantity_text(line[L_QUANTITY] - ships), uom])
        else:
            segments.append(["ACK", REJECTED, "0", uom])
        if status != ACCEPTED_LINE and line[L_REASON]:
            segments.append(["REF", "ZZ", status.upper()[:30], line[L_REASON][:80]])
        hash_total += line[L_QUANTITY]
    segments.append(["CTT", str(len(lines)), quantity_text(hash_total)])
    return segments


def _accepted_lines_text(lines: tuple[tuple, ...], writer: SegmentWriter) -> WrittenLines | None:
    """What ``_line_segments`` gives, as ``writer`` would write it, when every line ships whole
    as the buyer sent it: one f-string per line, then the writer's checks on the whole text.
    None for anything else (another line status, a value the writer would have to clean):
    the segment lists handle it."""
    e, end = writer.element, writer.end
    parts = []
    separators = 2  # CTT's
    hash_total = _ZERO
    for line in lines:
        quantity = line[L_QUANTITY]
        ships = line[L_SHIP_QUANTITY]
        if line[L_STATUS] != ACCEPTED_LINE or (ships is not None and ships != quantity):
            return None
        number = quantity_text(quantity)
        uom = line[L_UOM] or "EA"
        price = money_text(line[L_UNIT_PRICE])
        ids = ""
        count = 5
        value = line[L_BUYER_PART]
        if value:
            ids, count = f"{e}BP{e}{value}", count + 2
        value = line[L_SKU] or line[L_VENDOR_PART]
        if value:
            ids, count = f"{ids}{e}VP{e}{value}", count + 2
        value = line[L_GTIN]
        if value:
            ids, count = f"{ids}{e}UK{e}{value}", count + 2
        line_id = line[L_BUYER_LINE_ID] or str(line[L_NUMBER])
        if ids:
            po1 = f"PO1{e}{line_id}{e}{number}{e}{uom}{e}{price}{e}{ids}"
        elif price:  # the writer drops trailing empty elements
            po1, count = f"PO1{e}{line_id}{e}{number}{e}{uom}{e}{price}", 4
        else:
            po1, count = f"PO1{e}{line_id}{e}{number}{e}{uom}", 3
        parts.append(f"{po1}{end}ACK{e}{ACCEPTED}{e}{number}{e}{uom}{end}")
        separators += count + 3
        hash_total += quantity
    parts.append(f"CTT{e}{len(lines)}{e}{quantity_text(hash_total)}{end}")
    text = "".join(parts)
    segments = 2 * len(lines) + 1
    return (WrittenLines(lines, writer.key, text, segments)
            if writer.is_plain(text, segments, separators) else None)


def build_duplicate_855(order: PreparedOrder, original_order_id: int, st_control: int,
                        today: date) -> OutTransaction:
    """RJ: this PO number was already received; the original order stands."""
    segments = [
        ["BAK", "00", "RJ", order.po_number, _yyyymmdd(order.po_date or today), "", "", "",
         str(original_order_id), _yyyymmdd(today)],
        ["REF", "ZZ", "DUPLICATE", f"PO {order.po_number} already received as order {original_order_id}"[:80]],
    ]
    return OutTransaction(set_id="855", control_number=st_control, segments=segments)
