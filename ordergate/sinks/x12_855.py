"""X12 855 purchase order acknowledgement: what we will do with each line of one order.

BAK02: AH received and on hold (only for partners that ask for it), AD accepted as sent, AC accepted with changes (a line rejected, repriced or partly
backordered), RD rejected with detail (no line ships), RJ rejected without detail (a duplicate
PO). One PO1 per line (at the price we sell at, in our unit) with its ACKs: IA accepted (the quantity
that ships now), IC accepted with changes (our price, or converted to our unit), IB the
backordered rest, IR rejected. A line that is not
simply accepted carries its reason in REF*ZZ, since ACK has no free-text element.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from ordergate.orders.numbers import tidy_money, tidy_quantity
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
)
from ordergate.parsers.x12_writer import OutTransaction

ACCEPTED = "IA"  # ACK01: item accepted
CHANGED = "IC"  # item accepted, changes made (our price, or our unit of measure)
BACKORDERED = "IB"  # item backordered
REJECTED = "IR"  # item rejected


# A busy batch repeats the same quantities, prices and dates on thousands of lines: each is
# formatted once (the caches are bounded; Decimal("10") and Decimal("10.0") share an entry,
# which is right, as both print the same).
@lru_cache(maxsize=8192)
def _price(value: Decimal | None) -> str:
    return "" if value is None else format(tidy_money(value), "f")


@lru_cache(maxsize=8192)
def _number(value: Decimal | None) -> str:
    return "" if value is None else format(tidy_quantity(value), "f")


@lru_cache(maxsize=512)
def _yyyymmdd(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def build_855(order: PreparedOrder, order_id: int, st_control: int, today: date) -> OutTransaction:
    """The 855 for one stored order, read from the rows the store wrote (BAK08 is our order id)."""
    lines = order.lines
    statuses = [line[L_STATUS] for line in lines]
    as_sent = statuses.count(ACCEPTED_LINE)
    shipping = as_sent + sum(1 for status in statuses if status != ACCEPTED_LINE
                             and status in SHIPPING_LINES)
    if order.status == "held":  # received, pending review: the lines' answer comes on release
        ack_type = "AH"
    elif as_sent == len(lines):
        ack_type = "AD"
    elif shipping:
        ack_type = "AC"
    else:
        ack_type = "RD"
    segments: list[list[str]] = [
        # BAK04 is mandatory: the PO date, or the day we acknowledge when the PO had none.
        ["BAK", "00", ack_type, order.po_number, _yyyymmdd(order.po_date or today), "", "", "",
         str(order_id), _yyyymmdd(today)],
    ]
    if order.currency:
        segments.append(["CUR", "SE", order.currency])
    hash_total = Decimal("0")
    for line in lines:
        quantity = _number(line[L_QUANTITY])
        uom = line[L_UOM] or "EA"
        po1 = ["PO1", line[L_BUYER_LINE_ID] or str(line[L_NUMBER]), quantity, uom,
               _price(line[L_UNIT_PRICE]), ""]
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
            shipping = _number(ships)
        if status == ACCEPTED_LINE:
            segments.append(["ACK", ACCEPTED, shipping, uom])
        elif status == "changed":
            segments.append(["ACK", CHANGED, shipping, uom])
        elif status == "backordered":
            if ships:  # nothing ships now: the backorder alone says it
                segments.append(["ACK", ACCEPTED, shipping, uom])
            segments.append(["ACK", BACKORDERED, _number(line[L_QUANTITY] - ships), uom])
        else:
            segments.append(["ACK", REJECTED, "0", uom])
        if status != ACCEPTED_LINE and line[L_REASON]:
            segments.append(["REF", "ZZ", status.upper()[:30], line[L_REASON][:80]])
        hash_total += line[L_QUANTITY]
    segments.append(["CTT", str(len(lines)), _number(hash_total)])
    return OutTransaction(set_id="855", control_number=st_control, segments=segments)


def build_duplicate_855(order: PreparedOrder, original_order_id: int, st_control: int,
                        today: date) -> OutTransaction:
    """RJ: this PO number was already received; the original order stands."""
    segments = [
        ["BAK", "00", "RJ", order.po_number, _yyyymmdd(order.po_date or today), "", "", "",
         str(original_order_id), _yyyymmdd(today)],
        ["REF", "ZZ", "DUPLICATE", f"PO {order.po_number} already received as order {original_order_id}"[:80]],
    ]
    return OutTransaction(set_id="855", control_number=st_control, segments=segments)
