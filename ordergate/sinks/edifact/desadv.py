"""EDIFACT DESADV (D96A) despatch advice: what one shipment of one order holds, package by package.

Heading: BGM+351 numbered with our shipment id, DTM 137 (document) and 11 (despatch); segment
group 1 with RFF+ON and the PO's date (DTM 171), and RFF+CN with the tracking number; NAD
BY/SU/DP (group 2); TDT+20 with the carrier in C040 3127 (group 6). D96A has no reference
under TDT (group 6 is TDT, PCD and the LOC/DTM group 7), so the tracking number is a reference
of the whole message: 1153 CN, "carrier's reference number", assigned by the carrier to a
consignment.

Detail: the packing hierarchy (group 10). CPS+1 is the consignment; each package is
CPS+<n>+1 with PAC, PCI+33E and GIN+BJ with its SSCC (groups 11, 13 and 14), followed by the
lines packed in it (group 15: LIN, PIA, IMD, QTY 12 despatched and 21 ordered, and in group
16 RFF+ON naming the order line). Lines in no known package go under CPS+1, so a shipment
without packages is one CPS with all its lines. LIN 1082 is n..6 and numbers the LIN segments
of the message, since a line split over two packages has one in each; the order line it
belongs to is the RFF's 1156. Two codes are EANCOM's, which the retailers who ask for a
DESADV read and D96A's own lists lack: SRV (a GTIN) in LIN 7143, 33E (marked with an SSCC)
in PCI 4233.
"""

from __future__ import annotations

import textwrap
from datetime import date

from pydifact.segments import Segment

from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.orders.model import Address
from ordergate.orders.numbers import quantity_text
from ordergate.sinks.edifact.envelope import OutMessage, built_segment, segment

DOCUMENT, ORIGINAL = "351", "9"  # BGM 1001 despatch advice, 1225 original
DOCUMENT_DATE, DESPATCH_DATE, REFERENCE_DATE = "137", "11", "171"  # DTM 2005
ORDER, CARRIER_REFERENCE = "ON", "CN"  # RFF 1153
MAIN_CARRIAGE = "20"  # TDT 8051
CONSIGNMENT = "1"  # CPS 7164 of the shipment as a whole, the parent of every package
# PAC 7065 (UN/ECE Recommendation 21): "package", as the warehouse does not say whether a
# package is a carton or a pallet.
PACKAGE = "PK"
SSCC_MARKED, SSCC = "33E", "BJ"  # PCI 4233 (EANCOM), GIN 7405 serial shipping container code
GTIN = "SRV"  # LIN 7143 (EANCOM): GS1 global trade item number
OURS, THEIRS = "SA", "IN"  # PIA 7143 supplier's and buyer's article number
MAIN_ID, ADDITIONAL_ID = "5", "1"  # PIA 4347
DESPATCHED, ORDERED = "12", "21"  # QTY 6063
LINE_ITEMS = "2"  # CNT 6069 number of line items in the message
GLN_AGENCY = "9"  # 3055 GS1
# NAD: C080 five names, C059 four street lines of an..35; 3164 an..35, 3229 and 3251 an..9,
# 3207 an..3. IMD C273 two descriptions of an..35.
TEXT_WIDTH = 35
NAME_PARTS, STREET_PARTS, DESCRIPTION_PARTS = 5, 4, 2
CITY, SUBDIVISION, POSTCODE, COUNTRY = 35, 9, 9, 3
# Buyer, supplier, delivery party first, as EANCOM lists them; any other role after them.
_PARTY_ORDER = {"BY": 0, "SU": 1, "DP": 2}


def build_desadv(notice: ShipmentNotice, message_reference: int, today: date, *,
                 version: tuple[str, str] = ("D", "96A"),
                 association_code: str | None = None) -> OutMessage:
    """The DESADV for one shipment, dated ``today``. ``version`` is the (0052, 0054) of the
    order's message, so a partner gets the directory it ordered in; ``association_code``
    e.g. "EAN005" for EANCOM partners."""
    segments = _heading(notice, today)
    packed: dict[str, list[ShippedLine]] = {sscc: [] for sscc in notice.packages}
    loose = []
    for line in notice.lines:
        (packed[line.package_id] if line.package_id else loose).append(line)
    count = 0
    segments.append(built_segment("CPS", [CONSIGNMENT]))
    for line in loose:
        count += 1
        _add_line(segments, count, line, notice.po_number)
    for number, (sscc, lines) in enumerate(packed.items(), start=2):
        segments += [built_segment("CPS", [str(number), CONSIGNMENT]),
                     built_segment("PAC", ["1", "", PACKAGE]),
                     built_segment("PCI", [SSCC_MARKED]),
                     segment("GIN", SSCC, sscc)]
        for line in lines:
            count += 1
            _add_line(segments, count, line, notice.po_number)
    segments.append(built_segment("CNT", [[LINE_ITEMS, str(count)]]))
    return OutMessage(reference=message_reference, message_type="DESADV", version=version[0],
                      release=version[1], association_code=association_code, segments=segments)


def _heading(notice: ShipmentNotice, today: date) -> list[Segment]:
    # Our number and the dates are never empty; what the order and the warehouse said goes
    # through ``segment``, which leaves out what is empty.
    segments = [built_segment("BGM", [DOCUMENT, str(notice.shipment_id), ORIGINAL]),
                built_segment("DTM", [[DOCUMENT_DATE, _day(today), "102"]]),
                built_segment("DTM", [[DESPATCH_DATE, _day(notice.ship_date), "102"]]),
                segment("RFF", [ORDER, notice.po_number])]
    if notice.po_date:
        segments.append(built_segment("DTM", [[REFERENCE_DATE, _day(notice.po_date), "102"]]))
    if notice.tracking_number:
        segments.append(segment("RFF", [CARRIER_REFERENCE, notice.tracking_number]))
    segments += _parties(notice)
    if notice.carrier:
        segments.append(segment("TDT", MAIN_CARRIAGE, "", "", "", [notice.carrier]))
    return segments


def _parties(notice: ShipmentNotice) -> list[Segment]:
    """The parties the order named by id; the ship-to and ship-from addresses for a delivery
    party and a supplier it did not name."""
    nads = [(role, segment("NAD", role, [party_id, "", _agency(party_id)]))
            for role, party_id in notice.parties if role and party_id]
    named = {role for role, _ in nads}
    if "SU" not in named and notice.ship_from:
        nads.append(("SU", _address("SU", notice.ship_from)))
    if "DP" not in named and notice.ship_to:
        nads.append(("DP", _address("DP", notice.ship_to)))
    nads.sort(key=lambda nad: _PARTY_ORDER.get(nad[0], len(_PARTY_ORDER)))
    return [nad for _, nad in nads]


def _address(role: str, address: Address) -> Segment:
    code = address.code or ""
    street = [part for line in address.street for part in _wrapped(line, STREET_PARTS)]
    return segment("NAD", role, [code, "", _agency(code)], "",
                   _wrapped(address.name, NAME_PARTS), street[:STREET_PARTS],
                   _cut(address.city, CITY), _cut(address.state, SUBDIVISION),
                   _cut(address.postal_code, POSTCODE), _cut(address.country, COUNTRY))


def _add_line(segments: list[Segment], number: int, line: ShippedLine, po_number: str) -> None:
    # GTINs are stored as 14 digits; an EAN-13 goes out as the 13 the buyer knows.
    gtin = line.gtin
    if gtin and len(gtin) == 14 and gtin[0] == "0":
        gtin = gtin[1:]
    segments.append(built_segment("LIN", [str(number), "", [gtin, GTIN]] if gtin
                                  else [str(number)]))
    ours, theirs = line.sku or line.vendor_part, line.buyer_part
    ids = ([[ours, OURS]] if ours else []) + ([[theirs, THEIRS]] if theirs else [])
    if gtin and ids:  # the GTIN identifies the product; our and their numbers add to it
        segments.append(built_segment("PIA", [ADDITIONAL_ID, *ids]))
    elif ids:  # our number identifies it (theirs when we have none); theirs adds to it
        segments.append(built_segment("PIA", [MAIN_ID, ids[0]]))
        if len(ids) > 1:
            segments.append(built_segment("PIA", [ADDITIONAL_ID, ids[1]]))
    description = _wrapped(line.description, DESCRIPTION_PARTS)
    if description:
        segments.append(segment("IMD", "F", "", ["", "", "", *description]))
    unit = [line.uom] if line.uom else []
    segments.append(built_segment("QTY", [[DESPATCHED, quantity_text(line.quantity), *unit]]))
    segments.append(built_segment("QTY", [[ORDERED, quantity_text(line.ordered), *unit]]))
    segments.append(segment("RFF", [ORDER, po_number, line.buyer_line_id or str(line.line_number)]))


def _agency(party_id: str) -> str:
    # 13 digits is a GLN (agency 9, GS1); for anything else we cannot know who assigned it.
    return GLN_AGENCY if len(party_id) == 13 and party_id.isdigit() else ""


def _wrapped(text: str | None, parts: int) -> list[str]:
    # Cut at spaces only, as the ORDRSP's free text is: a cut at a hyphen comes back with a
    # space in it once the buyer's system joins the parts again.
    return textwrap.wrap(text or "", TEXT_WIDTH, break_on_hyphens=False)[:parts]


def _cut(text: str | None, width: int) -> str:
    return (text or "").strip()[:width]


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")
