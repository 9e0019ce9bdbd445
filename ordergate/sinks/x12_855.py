"""X12 855 purchase order acknowledgement: what we will do with each line of one order.

BAK02: AD accepted as sent, AC accepted with changes (some lines rejected), RD rejected with
detail (no line accepted), RJ rejected without detail (a duplicate PO). One PO1 + ACK per line;
a rejected line carries its reason in REF*ZZ, since ACK has no free-text element.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ordergate.orders.numbers import tidy_money, tidy_quantity
from ordergate.orders.model import CheckedOrder, LineStatus, OrderStatus, SalesOrder
from ordergate.parsers.x12_writer import OutTransaction

ACCEPTED = "IA"  # ACK01: item accepted
REJECTED = "IR"  # item rejected


def _price(value: Decimal | None) -> str:
    return "" if value is None else format(tidy_money(value), "f")


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(tidy_quantity(value), "f")


def _yyyymmdd(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def _po1(order: SalesOrder, index: int, sku: str | None, price: Decimal | None) -> list[str]:
    line = order.lines[index]
    seg = ["PO1", line.buyer_line_id or str(line.line_number), _number(line.quantity),
           line.uom or "EA", _price(price), ""]
    for qualifier, value in (("BP", line.buyer_part), ("VP", sku or line.vendor_part),
                             ("UK", line.gtin)):
        if value:
            seg += [qualifier, value]
    return seg


def build_855(checked: CheckedOrder, st_control: int, today: date) -> OutTransaction:
    order = checked.order
    rejected = sum(1 for line in checked.lines if line.status is not LineStatus.ACCEPTED)
    if rejected == 0:
        ack_type = "AD"
    elif rejected < len(checked.lines):
        ack_type = "AC"
    else:
        ack_type = "RD"
    segments: list[list[str]] = [
        # BAK04 is mandatory: the PO date, or the day we acknowledge when the PO had none.
        ["BAK", "00", ack_type, order.po_number, _yyyymmdd(order.po_date or today), "", "", "",
         str(checked.order_id or ""), _yyyymmdd(today)],
    ]
    if order.currency:
        segments.append(["CUR", "SE", order.currency])
    hash_total = Decimal("0")
    for index, outcome in enumerate(checked.lines):
        line = order.lines[index]
        segments.append(_po1(order, index, outcome.sku, outcome.unit_price))
        accepted = outcome.status is LineStatus.ACCEPTED
        segments.append(["ACK", ACCEPTED if accepted else REJECTED,
                         _number(line.quantity if accepted else Decimal("0")), line.uom or "EA"])
        if not accepted and outcome.reason:
            segments.append(["REF", "ZZ", outcome.status.value.upper()[:30], outcome.reason[:80]])
        hash_total += line.quantity
    segments.append(["CTT", str(len(checked.lines)), _number(hash_total)])
    return OutTransaction(set_id="855", control_number=st_control, segments=segments)


def build_duplicate_855(order: SalesOrder, original_order_id: int, st_control: int,
                        today: date) -> OutTransaction:
    """RJ: this PO number was already received; the original order stands."""
    segments = [
        ["BAK", "00", "RJ", order.po_number, _yyyymmdd(order.po_date or today), "", "", "",
         str(original_order_id), _yyyymmdd(today)],
        ["REF", "ZZ", "DUPLICATE", f"PO {order.po_number} already received as order {original_order_id}"[:80]],
    ]
    return OutTransaction(set_id="855", control_number=st_control, segments=segments)


def is_acknowledged_now(checked: CheckedOrder) -> bool:
    """Which orders get their 855 at once: every stored order for now (holds included,
    with the unknown lines rejected), duplicates with an RJ."""
    return checked.status in (OrderStatus.ACCEPTED, OrderStatus.HELD, OrderStatus.DUPLICATE)
