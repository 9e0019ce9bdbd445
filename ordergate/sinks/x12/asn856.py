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

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.orders.model import Address
from ordergate.orders.numbers import quantity_text
from ordergate.parsers.x12 import OutTransaction

SHIP_NOTICE_GROUP = "SH"  # GS01 of a group of 856s
ORIGINAL = "00"  # BSN01 353 transaction set purpose
STRUCTURE = "0001"  # BSN05 1005: shipment, order, packaging, item
SHIPMENT, ORDER, PACK, ITEM = "S", "O", "P", "I"  # HL03 735
SSCC, CASE_NUMBER = "GM", "CA"  # MAN01 88
DEFAULT_UOM = "EA"
# Maximum sizes (004010) of the free-text elements we fill.
NAME_SIZE, STREET_SIZE, CITY_SIZE, DESCRIPTION_SIZE = 60, 55, 30, 80  # N102, N301, N401, PID05
HASH_DIGITS = 10  # CTT02
# A letter or digit in any script: exactly the characters str.isalnum() accepts ([^\W_] is
# \w, which is isalnum() or "_", without "_"), found by one C-level scan.
_HAS_ALNUM = re.compile(r"[^\W_]").search


def build_856(notice: ShipmentNotice, st_control: int, today: date, *,
              ship_from_id: tuple[str, str] | None = None) -> OutTransaction:
    """The 856 for one shipment of one order (ST..SE, to go out in a group with GS01 "SH").

    ``ship_from_id`` is our (N103 qualifier, N104 id) as the ship-from party, when the partner
    knows us by one."""
    number = str(notice.shipment_id).zfill(2)  # BSN02 is 2 to 30 characters
    when = today.strftime("%H%M") if isinstance(today, datetime) else "0000"
    segments: list[list[str]] = [["BSN", ORIGINAL, number, _yyyymmdd(today), when, STRUCTURE]]
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
    segments.append(["DTM", "011", _yyyymmdd(notice.ship_date)])
    if notice.ship_to is not None:
        segments += _party("ST", notice.ship_to, None)
    if notice.ship_from is not None or ship_from_id is not None:
        segments += _party("SF", notice.ship_from, ship_from_id)

    order = tree.level(shipment, ORDER, has_children=bool(notice.lines))
    segments.append(["PRF", notice.po_number, "", "", _yyyymmdd(notice.po_date)])
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

    segments.append(["CTT", str(tree.count), _hash_total(quantity_text(line.quantity)
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
    lin = ["LIN", line_id]
    if line.buyer_part:
        lin += ("BP", line.buyer_part)
    vendor = line.vendor_part or line.sku
    if vendor:
        lin += ("VP", vendor)
    if line.gtin:
        for qualifier_and_value in _gtin(line.gtin):
            lin += qualifier_and_value
    uom = line.uom or DEFAULT_UOM
    segments = [lin, ["SN1", line_id, quantity_text(line.quantity), uom,
                      quantity_text(line.shipped_total), quantity_text(line.ordered), uom]]
    description = _text(line.description, DESCRIPTION_SIZE)
    if description:
        segments.append(["PID", "F", "", "", "", description])
    return segments


@lru_cache(maxsize=4096)  # a catalogue's GTINs recur on every order of them
def _gtin(gtin: str | None) -> tuple[tuple[str, str], ...]:
    """(qualifier, number) for a GTIN in any of its lengths; nothing for a value that is not
    one (no qualifier would say what it is)."""
    if not gtin or not gtin.isascii() or not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return ()
    full = gtin.zfill(14)
    if full.startswith("00"):
        return (("UP", full[2:]),)  # U.P.C. consumer package code (1-5-5-1); GTIN-8 padded
    if full.startswith("0"):
        return (("EN", full[1:]),)  # EAN (2-5-5-1)
    return (("UK", full),)  # U.P.C./EAN shipping container code (1-2-5-5-1)


def _marks(package: str) -> list[str]:
    if package.isascii() and package.isdigit():
        if len(package) == 18:
            return [SSCC, "00" + package]
        if len(package) == 20 and package.startswith("00"):
            return [SSCC, package]
    return [CASE_NUMBER, package]


def _party(role: str, address: Address | None, identified: tuple[str, str] | None) -> list[list[str]]:
    """N1 (with N3/N4 when the address has them) for ``role``; nothing when neither a name nor
    an id is known, since N1 needs one of them."""
    name = _text(address.name, NAME_SIZE) if address is not None else None
    if identified is not None:
        qualifier, code = identified
    elif address is not None and address.code:
        qualifier, code = address.code_qualifier or "92", address.code  # 92: assigned by buyer
    else:
        qualifier = code = ""
    if not name and not code:
        return []
    segments = [["N1", role, name or "", qualifier, code]]
    if address is None:
        return segments
    streets = [street for street in (_text(s, STREET_SIZE) for s in address.street) if street]
    for first in range(0, min(len(streets), 4), 2):  # N3 holds two lines, the N1 loop two N3s
        segments.append(["N3", *streets[first:first + 2]])
    place = [_text(address.city, CITY_SIZE) or "", address.state or "", address.postal_code or "",
             address.country or ""]
    if any(place):
        segments.append(["N4", *place])
    return segments


# Descriptions, names and streets recur across the shipments of a batch (the same products, the
# same stores): each distinct one is cleaned once.
@lru_cache(maxsize=4096)
def _text(value: str | None, size: int) -> str | None:
    if not value:
        return None
    text = " ".join(value.split())[:size].rstrip()
    return text if _HAS_ALNUM(text) else None


@lru_cache(maxsize=1024)  # the notice's date, ship dates and PO dates: a few per batch
def _yyyymmdd(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def _hash_total(quantities: Iterable[str]) -> str:
    """X12 hash total: the values' digits summed as whole numbers (decimal points and signs
    disregarded), truncated on the left to the element's size."""
    total = sum(int(text.replace(".", "").lstrip("-") or "0") for text in quantities)
    return str(total % 10 ** HASH_DIGITS)

