"""EDIFACT ORDRSP (D96A) purchase order response: what we will do with each line of one order.

BGM+231 with 1225: 29 accepted without amendment, 4 change (some lines not accepted or
re-priced), 27 not accepted (no line accepted, or a duplicate PO). UN D96A also has 30
"accepted, with amendment in detail section", but EANCOM's ORDRSP allows only 4/27/29 and
most of our EDIFACT partners are EANCOM retailers, so 4 it is. Per line: LIN with 1229 (5
accepted without amendment, 7 not accepted; 3 "changed" arrives with the price checks, when
the rows carry both prices),
PIA with our SKU (SA) and their item number (IN), QTY+21 as ordered and QTY+113 as we will
deliver, FTX+AAI with the reason a line is not accepted, PRI+AAA net. Segment order follows
the D96A message structure (LIN, PIA, QTY, FTX, then the PRI group).
"""

from __future__ import annotations

import re
import textwrap
from datetime import date
from decimal import Decimal

from pydifact.segments import Segment

from ordergate.orders.model import SalesOrder
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
from ordergate.sinks.edifact.envelope import (
    OutMessage,
    built_segment,
    segment,
    text_fits,
    write_ahead,
    written_for,
)

DOCUMENT = "231"  # 1001 purchase order response
ACCEPTED, CHANGED, NOT_ACCEPTED = "29", "4", "27"  # BGM 1225
LINE_ACCEPTED, LINE_CHANGED, LINE_NOT_ACCEPTED = "5", "3", "7"  # LIN 1229
ORDERED, TO_DELIVER, BACKORDERED = "21", "113", "83"  # QTY 6063
BACKORDERED_LINE = "backordered"
TEXT_WIDTH, TEXT_PARTS = 70, 5  # FTX 4440 an..70, up to five


def build_ordrsp(order: PreparedOrder, order_id: int, message_reference: int, today: date, *,
                 association_code: str | None = None, syntax_id: str | None = None) -> OutMessage:
    """The ORDRSP for a stored order, read from the rows the store wrote (BGM 1004 is our
    order id); ``association_code`` e.g. "EAN005" for EANCOM partners. Lines written ahead
    for ``syntax_id`` (the interchange's) are used when they are still the order's."""
    lines = order.lines
    not_accepted = sum(1 for line in lines if line[L_STATUS] not in SHIPPING_LINES)
    changed = sum(1 for line in lines if line[L_STATUS] != ACCEPTED_LINE)
    if lines and not_accepted == len(lines):
        function = NOT_ACCEPTED
    elif changed:
        function = CHANGED
    else:
        function = ACCEPTED
    message = OutMessage(reference=message_reference, message_type="ORDRSP", version="D",
                         release="96A", association_code=association_code,
                         segments=_heading(order, str(order_id), function, today))
    written = None if syntax_id is None else (lines_written_ahead(order, written_for(syntax_id))
                                              or _plain_lines(lines, syntax_id))
    if written is None:
        message.segments += _line_segments(lines)
    else:
        message.tail, message.tail_count = written.text, written.count
        message.tail_written_for = written.writer
    return message


def write_lines_ahead(order: PreparedOrder, syntax_id: str) -> PreparedOrder:
    """``order`` with its ORDRSP lines (LIN to CNT) written as ``render_interchange`` will
    write them for ``syntax_id``, unless a value needs fitting to its character set."""
    written = _plain_lines(order.lines, syntax_id)
    if written is None:
        segments = _line_segments(order.lines)
        text = write_ahead(segments, syntax_id)
        if text is None:
            return order
        written = WrittenLines(order.lines, written_for(syntax_id), text, len(segments))
    return order._replace(ack_lines=written)


# A value holding one of these (REPLY_CHARACTERS' separators and release character) needs
# escaping: such lines go through the segments and the serializer.
_SERVICE = re.compile(r"[+:?'\n]")


def _plain_lines(lines: tuple[tuple, ...], syntax_id: str) -> WrittenLines | None:
    """What ``_line_segments`` gives for lines that all ship as the buyer sent them, written
    straight to text (one f-string per line instead of five segments to build and serialize),
    as the serializer writes it for a reply in ``syntax_id``. None for anything else: another
    line status, a value to escape or to fit to the character set."""
    parts = []
    values = []  # what came from the buyer or the catalog, checked once for service characters
    count = 2  # UNS and CNT
    for line in lines:
        quantity = line[L_QUANTITY]
        ships = line[L_SHIP_QUANTITY]
        if line[L_STATUS] != ACCEPTED_LINE or (ships is not None and ships != quantity):
            return None
        line_id = line[L_BUYER_LINE_ID] or str(line[L_NUMBER])
        gtin = line[L_GTIN]
        if gtin and gtin[0] == "0":  # an EAN-13 goes back out as the 13 the buyer knows
            gtin = gtin[1:]
        ours, theirs = line[L_SKU] or line[L_VENDOR_PART], line[L_BUYER_PART]
        uom = line[L_UOM]
        unit = f":{uom}" if uom else ""
        ordered = quantity_text(quantity)
        text = f"LIN+{line_id}+{LINE_ACCEPTED}+{gtin}:EN'\n" if gtin else f"LIN+{line_id}+{LINE_ACCEPTED}'\n"
        if ours or theirs:
            text += f"PIA+{'1' if gtin else '5'}"
            if ours:
                text += f"+{ours}:SA"
            if theirs:
                text += f"+{theirs}:IN"
            text += "'\n"
            count += 1
        text += f"QTY+{ORDERED}:{ordered}{unit}'\nQTY+{TO_DELIVER}:{ordered}{unit}'\n"
        count += 3
        price = line[L_UNIT_PRICE]
        if price is not None:
            text += f"PRI+AAA:{money_text(price)}'\n"
            count += 1
        parts.append(text)
        values += (line_id, gtin or "", ours or "", theirs or "", uom or "")
    if _SERVICE.search("".join(values)):
        return None
    parts.append(f"UNS+S'\nCNT+2:{len(lines)}'\n")
    text = "".join(parts)
    return (WrittenLines(lines, written_for(syntax_id), text, count)
            if text_fits(text, syntax_id, count) else None)


def _line_segments(lines: tuple[tuple, ...]) -> list[Segment]:
    segments: list[Segment] = []
    for line in lines:
        _add_line(segments, line)
    segments += [built_segment("UNS", ["S"]), built_segment("CNT", [["2", str(len(lines))]])]
    return segments


def build_duplicate_ordrsp(order: PreparedOrder, original_order_id: int, message_reference: int,
                           today: date, *, association_code: str | None = None) -> OutMessage:
    """27 not accepted: this PO number was already received; the original order stands."""
    reason = (f"duplicate PO {order.po_number}: already received as order {original_order_id}, "
              f"which stands; this one is not accepted")
    segments = _heading(order, str(original_order_id), NOT_ACCEPTED, today, reason=reason)
    segments.append(built_segment("UNS", ["S"]))
    return OutMessage(reference=message_reference, message_type="ORDRSP", version="D",
                      release="96A", association_code=association_code, segments=segments)


def parties_of(order: SalesOrder) -> tuple[tuple[str, str], ...]:
    """Buyer, supplier and delivery party ids the ORDRSP's NAD segments name, for
    ``PreparedOrder.parties`` (the mapping keeps BY/SU ids in references as NAD:BY/NAD:SU)."""
    parties = [(role, order.references[f"NAD:{role}"]) for role in ("BY", "SU")
               if order.references.get(f"NAD:{role}")]
    if order.ship_to and order.ship_to.code:
        parties.append(("DP", order.ship_to.code))
    return tuple(parties)


def _heading(order: PreparedOrder, number: str, function: str, today: date, *,
             reason: str | None = None) -> list[Segment]:
    # Our number and the dates are never empty; the partner's values go through ``segment``.
    segments = [built_segment("BGM", [DOCUMENT, number[:35], function]),
                built_segment("DTM", [["137", today.strftime("%Y%m%d"), "102"]])]
    if reason:
        segments.append(_ftx(reason))
    segments.append(segment("RFF", ["ON", order.po_number]))
    if order.po_date:
        segments.append(built_segment("DTM", [["171", order.po_date.strftime("%Y%m%d"), "102"]]))
    for role, party_id in order.parties:
        # 13 digits is a GLN (agency 9, GS1); for anything else we cannot know who assigned it.
        agency = "9" if len(party_id) == 13 and party_id.isdigit() else ""
        if role and party_id:
            segments.append(built_segment("NAD", [role, [party_id, "", agency] if agency
                                                  else party_id]))
        else:  # only a hand-made PreparedOrder lacks either
            segments.append(segment("NAD", role, [party_id, "", agency]))
    if order.currency:
        segments.append(built_segment("CUX", [["2", order.currency, "9"]]))
    return segments


def _add_line(segments: list[Segment], line: tuple) -> None:
    # Ten thousand orders make half a million of these segments, so they are built directly
    # (``built_segment``) from values that are already what ``segment`` would make of them:
    # every value below is a non-empty str, and empty ones are left out as it would.
    status = line[L_STATUS]
    accepted = status in SHIPPING_LINES  # as sent, with our price, or partly backordered
    # GTINs are stored as 14 digits; an EAN-13 goes back out as the 13 the buyer knows.
    gtin = line[L_GTIN]
    if gtin and gtin[0] == "0":
        gtin = gtin[1:]
    lin = [line[L_BUYER_LINE_ID] or str(line[L_NUMBER]),
           LINE_ACCEPTED if status == ACCEPTED_LINE else LINE_CHANGED if accepted else LINE_NOT_ACCEPTED]
    if gtin:
        lin.append([gtin, "EN"])
    segments.append(built_segment("LIN", lin))
    ours, theirs = line[L_SKU] or line[L_VENDOR_PART], line[L_BUYER_PART]
    if ours or theirs:
        # 4347: 5 when PIA carries the product's only identification, 1 when LIN has a GTIN.
        pia = ["1" if gtin else "5"]
        if ours:
            pia.append([ours, "SA"])
        if theirs:
            pia.append([theirs, "IN"])
        segments.append(built_segment("PIA", pia))
    ordered = _quantity(line[L_QUANTITY])
    # What ships now: the allocation when stock was checked, else all of an accepted line.
    shipping = line[L_SHIP_QUANTITY] if line[L_SHIP_QUANTITY] is not None else line[L_QUANTITY]
    delivering = _quantity(shipping) if accepted else "0"
    uom = line[L_UOM]
    unit = [uom] if uom else []
    segments.append(built_segment("QTY", [[ORDERED, ordered, *unit]]))
    segments.append(built_segment("QTY", [[TO_DELIVER, delivering, *unit]]))
    if status == BACKORDERED_LINE:
        segments.append(built_segment("QTY", [[BACKORDERED, _quantity(line[L_QUANTITY] - shipping),
                                               *unit]]))
    if status != ACCEPTED_LINE and line[L_REASON]:
        segments.append(_ftx(line[L_REASON]))
    price = line[L_UNIT_PRICE]
    if price is not None:
        segments.append(built_segment("PRI", [["AAA", money_text(price)]]))


def _ftx(text: str) -> Segment:
    # Cut at spaces only: a reason names item numbers like 'INI-ZZ-9', and a cut at their
    # hyphen comes back as "INI- ZZ-9" once the buyer's system joins the parts with a space.
    parts = textwrap.wrap(text, TEXT_WIDTH, break_on_hyphens=False)[:TEXT_PARTS] or [""]
    return segment("FTX", "AAI", "", "", parts)


def _quantity(value: Decimal) -> str:
    return quantity_text(value)
