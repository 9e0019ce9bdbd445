"""X12 856 ship notice/manifest (004010): what one shipment of one order holds, as the buyer's
receiving reads it.

BSN05 is structure 0001 (shipment, order, pack, item). The HL tree: one shipment (S) holding
one order (O); under the order a pack (P) per package with its SSCC in MAN, and under each pack
an item (I) per order line in it. A shipment whose lines name no package leaves the pack level
out and hangs its items straight under the order (structure 0001 allows a level to be skipped),
and so does a line that is loose in a shipment whose other lines are packed. A line split over
two packages is an item in each.

Choices worth knowing:
- BSN03/BSN04 are when the notice was made (the standard's note on BSN03), not the ship date,
  which is DTM*011. A ``today`` given as a datetime gives BSN04 its time; a date gives 0000.
- BSN02 and REF*BM carry our shipment number: the shipment id, zero-padded to the two
  characters BSN02 needs at least.
- MAN*GM holds the SSCC with its application identifier "00" in front (20 digits), as GM says;
  a package id that is not an 18-digit SSCC goes as CA (shipper-assigned case number).
- LIN echoes the PO's identifiers: BP, then VP (the PO's vendor part, else our SKU), then the
  GTIN by its length once the leading zeros of its 14-digit form are dropped: UP for a 12-digit
  U.P.C. (two leading zeros), EN for a 13-digit EAN (one), UK for a GTIN-14. LIN01 and SN101
  are the PO's line id (PO101) when it sent one.
- SN104 is what has shipped on the line so far, this shipment included; SN105/SN106 what the
  line ordered.
- CTT01 counts the HL segments; CTT02 is the hash total of SN102 as X12 defines one (values
  summed without their decimal points, cut to the element's 10 digits on the left), given
  because many buyers check it.
- Free text (names, street, city, descriptions) is cut to its element's size, with runs of
  white space made one; the writer replaces any delimiter it holds by a space. A name or
  description with no letter or digit is left out rather than written empty.
"""

from __future__ import annotations

from datetime import date, datetime

from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.orders.numbers import quantity_text
from ordergate.parsers.x12 import OutTransaction
from ordergate.sinks.x12.elements import (
    DESCRIPTION_SIZE,
    hash_total,
    party,
    product_ids,
    shipment_number,
    text,
    yyyymmdd,
)

SHIP_NOTICE_GROUP = "SH"  # GS01 of a group of 856s
ORIGINAL = "00"  # BSN01 353 transaction set purpose
STRUCTURE = "0001"  # BSN05 1005: shipment, order, packaging, item
SHIPMENT, ORDER, PACK, ITEM = "S", "O", "P", "I"  # HL03 735
SSCC, CASE_NUMBER = "GM", "CA"  # MAN01 88
DEFAULT_UOM = "EA"


def build_856(notice: ShipmentNotice, st_control: int, today: date, *,
              ship_from_id: tuple[str, str] | None = None) -> OutTransaction:
    """The 856 for one shipment of one order (ST..SE, to go out in a group with GS01 "SH").

    ``ship_from_id`` is our (N103 qualifier, N104 id) as the ship-from party, when the partner
    knows us by one."""
    number = shipment_number(notice.shipment_id)  # BSN02 is 2 to 30 characters
    when = today.strftime("%H%M") if isinstance(today, datetime) else "0000"
    segments: list[list[str]] = [["BSN", ORIGINAL, number, yyyymmdd(today), when, STRUCTURE]]
    packages = notice.packages
    tree = _Tree(segments)
    shipment = tree.level(None, SHIPMENT, has_children=True)
    segments.append(["TD1", "", str(len(packages) or len(notice.lines))])
    carrier, tracking = notice.carrier.strip(), notice.tracking_number.strip()
    if carrier:  # TD503 must follow TD502
        # B: origin/delivery carrier (any mode); 2: the code is a SCAC.
        segments.append(["TD5", "B", "2", carrier])
    segments.append(["REF", "BM", number])
    if tracking:
        segments.append(["REF", "CN", tracking])
    segments.append(["DTM", "011", yyyymmdd(notice.ship_date)])
    if notice.ship_to is not None:
        segments += party("ST", notice.ship_to, None)
    if notice.ship_from is not None or ship_from_id is not None:
        segments += party("SF", notice.ship_from, ship_from_id)

    order = tree.level(shipment, ORDER, has_children=bool(notice.lines))
    segments.append(["PRF", notice.po_number, "", "", yyyymmdd(notice.po_date)])
    for package in packages:
        pack = tree.level(order, PACK, has_children=True)
        segments.append(["MAN", *_marks(package)])
        for line in notice.lines:
            if line.package_id == package:
                tree.level(pack, ITEM, has_children=False)
                segments += _item(line)
    for line in notice.lines:
        if not line.package_id:
            tree.level(order, ITEM, has_children=False)
            segments += _item(line)

    segments.append(["CTT", str(tree.count), hash_total(quantity_text(line.quantity)
                                                        for line in notice.lines)])
    return OutTransaction(set_id="856", control_number=st_control, segments=segments)


class _Tree:
    """HL segments numbered as they are written: HL01 from 1 in order, HL02 the parent's."""

    def __init__(self, segments: list[list[str]]) -> None:
        self.segments = segments
        self.count = 0

    def level(self, parent: str | None, code: str, *, has_children: bool) -> str:
        self.count += 1
        own = str(self.count)
        self.segments.append(["HL", own, parent or "", code, "1" if has_children else "0"])
        return own


def _item(line: ShippedLine) -> list[list[str]]:
    line_id = line.buyer_line_id or ""
    lin = ["LIN", line_id, *product_ids(line.buyer_part, line.vendor_part, line.sku, line.gtin)]
    uom = line.uom or DEFAULT_UOM
    segments = [lin, ["SN1", line_id, quantity_text(line.quantity), uom,
                      quantity_text(line.shipped_total), quantity_text(line.ordered), uom]]
    description = text(line.description, DESCRIPTION_SIZE)
    if description:
        segments.append(["PID", "F", "", "", "", description])
    return segments


def _marks(package: str) -> list[str]:
    if package.isascii() and package.isdigit():
        if len(package) == 18:
            return [SSCC, "00" + package]
        if len(package) == 20 and package.startswith("00"):
            return [SSCC, package]
    return [CASE_NUMBER, package]
