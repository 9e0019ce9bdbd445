"""EDIFACT DESADV: built from shipment notices, sent in an interchange as replies are, and read
back with pydifact and with the reader the inbound side uses (which checks the UNT counts).

The expected segments follow the D96A DESADV segment table (UNTDID D.96A, DESADV rev. 5):
BGM 1001 351 despatch advice, DTM 2005 137/11/171, RFF 1153 ON/CN, TDT 8051 20 with C040 in
its fifth element, CPS 7164/7166, PAC C202 in its third element, PCI 4233, GIN 7405 BJ, LIN
C212 in its third element, PIA 4347 1/5, IMD C273 7008 in its fourth and fifth components,
QTY 6063 12/21, CNT 6069 2; EANCOM's SRV (LIN 7143) and 33E (PCI 4233).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydifact.segmentcollection import Interchange
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.orders.model import Address
from ordergate.parsers.edifact import InterchangeEnd, Message, iter_edifact
from ordergate.sinks.edifact import EdifactReply, build_desadv, render_interchange
from ordergate.sinks.edifact.envelope import REPLY_CHARACTERS
from ordergate.sinks.edifact.serializer import FastSerializer
from tests.kit.edifact import only_message_segments, segment_rows, unh_to_unt
from tests.kit.golden import match_golden_bytes

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "samples" / "expected" / "edifact_desadv.edi"
WHEN = datetime(2026, 11, 23, 9, 30)
TODAY = date(2026, 11, 23)
REPLY = EdifactReply(our_id="4012345000009", our_qualifier="14", partner_id="5412345000013",
                     partner_qualifier="14")
# SSCC-18s and a GTIN-13 with their GS1 check digits.
SSCC_A, SSCC_B = "340123450000000017", "340123450000000024"
GTIN = "04012345000016"  # as stored: 14 digits


def shipped(line_number: int, sku: str, quantity: str, ordered: str, **fields) -> ShippedLine:
    return ShippedLine(line_number=line_number, sku=sku, quantity=Decimal(quantity),
                       ordered=Decimal(ordered), shipped_total=Decimal(quantity),
                       open_quantity=Decimal(ordered) - Decimal(quantity), **fields)


# Line 10 of the PO split over both packages, line 3 without a GTIN but with the buyer's part
# number, line 2 in kilograms with a description.
PACKED = (
    shipped(1, "JS-2001", "6", "10", uom="PCE", buyer_line_id="10", buyer_part="INI-4711",
            gtin=GTIN, package_id=SSCC_A),
    shipped(3, "OF-3001", "3", "3", buyer_part="INI-9", package_id=SSCC_A),
    shipped(1, "JS-2001", "4", "10", uom="PCE", buyer_line_id="10", buyer_part="INI-4711",
            gtin=GTIN, package_id=SSCC_B),
    shipped(2, "HW-1002", "2.5", "5", uom="KGM", description="Hex bolts M8", package_id=SSCC_B),
)


def notice(**changes) -> ShipmentNotice:
    fields = dict(
        shipment_id=77, order_id=42, customer_id="INITECH", po_number="PO-4711",
        carrier="UPSN", tracking_number="1Z999AA10123456784", ship_date=date(2026, 11, 22),
        po_date=date(2026, 11, 20), lines=PACKED,
        parties=(("BY", "5412345000013"), ("SU", "4012345000009"), ("DP", "5412345000020")))
    fields.update(changes)
    return ShipmentNotice(**fields)


def render(shipment: ShipmentNotice, reply: EdifactReply = REPLY, **options) -> bytes:
    message = build_desadv(shipment, 1, TODAY, **options)
    return render_interchange(reply, 9001, [message], timestamp=WHEN, break_lines=True)


def read(data: bytes, codec: str = "latin-1") -> list[Segment]:
    return only_message_segments(data, "DESADV", codec)


rows = segment_rows
unt_count = unh_to_unt


def packing(segments: list[Segment]) -> list[dict]:
    """The CPS groups in order: hierarchy, package (PAC, PCI, GIN) and the LIN groups in it."""
    groups: list[dict] = []
    line: dict | None = None
    for s in segments:
        if s.tag == "CPS":
            parent = s.elements[1] if len(s.elements) > 1 else None
            groups.append({"id": s.elements[0], "parent": parent, "pac": None, "pci": None,
                           "sscc": None, "lines": []})
            line = None
        elif s.tag == "PAC":
            groups[-1]["pac"] = s.elements
        elif s.tag == "PCI":
            groups[-1]["pci"] = s.elements[0]
        elif s.tag == "GIN":
            assert s.elements[0] == "BJ"
            groups[-1]["sscc"] = s.elements[1]
        elif s.tag == "LIN":
            gtin = s.elements[2] if len(s.elements) > 2 else None
            line = {"number": s.elements[0], "gtin": gtin, "pia": [], "imd": None, "qty": {},
                    "rff": None}
            groups[-1]["lines"].append(line)
        elif s.tag == "PIA":
            line["pia"].append(s.elements)
        elif s.tag == "IMD":
            line["imd"] = s.elements
        elif s.tag == "QTY":
            line["qty"][s.elements[0][0]] = s.elements[0][1:]
        elif s.tag == "RFF" and line is not None:
            line["rff"] = s.elements[0]
    return groups


def lins(segments: list[Segment]) -> list[dict]:
    return [line for group in packing(segments) for line in group["lines"]]


# ---------------------------------------------------------------- the whole message
def test_desadv_with_packages_segment_by_segment():
    data = render(notice(), association_code="EAN005")
    assert rows(read(data)) == [
        ["BGM", "351", "77", "9"],
        ["DTM", ["137", "20261123", "102"]],
        ["DTM", ["11", "20261122", "102"]],
        ["RFF", ["ON", "PO-4711"]],
        ["DTM", ["171", "20261120", "102"]],
        ["RFF", ["CN", "1Z999AA10123456784"]],
        ["NAD", "BY", ["5412345000013", "", "9"]],
        ["NAD", "SU", ["4012345000009", "", "9"]],
        ["NAD", "DP", ["5412345000020", "", "9"]],
        ["TDT", "20", "", "", "", "UPSN"],
        ["CPS", "1"],
        ["CPS", "2", "1"],
        ["PAC", "1", "", "PK"],
        ["PCI", "33E"],
        ["GIN", "BJ", SSCC_A],
        ["LIN", "1", "", ["4012345000016", "SRV"]],
        ["PIA", "1", ["JS-2001", "SA"], ["INI-4711", "IN"]],
        ["QTY", ["12", "6", "PCE"]],
        ["QTY", ["21", "10", "PCE"]],
        ["RFF", ["ON", "PO-4711", "10"]],
        ["LIN", "2"],
        ["PIA", "5", ["OF-3001", "SA"]],
        ["PIA", "1", ["INI-9", "IN"]],
        ["QTY", ["12", "3"]],
        ["QTY", ["21", "3"]],
        ["RFF", ["ON", "PO-4711", "3"]],
        ["CPS", "3", "1"],
        ["PAC", "1", "", "PK"],
        ["PCI", "33E"],
        ["GIN", "BJ", SSCC_B],
        ["LIN", "3", "", ["4012345000016", "SRV"]],
        ["PIA", "1", ["JS-2001", "SA"], ["INI-4711", "IN"]],
        ["QTY", ["12", "4", "PCE"]],
        ["QTY", ["21", "10", "PCE"]],
        ["RFF", ["ON", "PO-4711", "10"]],
        ["LIN", "4"],
        ["PIA", "5", ["HW-1002", "SA"]],
        ["IMD", "F", "", ["", "", "", "Hex bolts M8"]],
        ["QTY", ["12", "2.5", "KGM"]],
        ["QTY", ["21", "5", "KGM"]],
        ["RFF", ["ON", "PO-4711", "2"]],
        ["CNT", ["2", "4"]],
    ]
    assert unt_count(data) == (44, 44)


def test_the_interchange_reads_back_through_pydifact():
    data = render(notice(), association_code="EAN005")
    assert data.startswith(b"UNA:+.? '\nUNB+UNOC:3+4012345000009:14+5412345000013:14+"
                           b"261123:0930+9001++DESADV'\nUNH+1+DESADV:D:96A:UN:EAN005'\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interchange = Interchange.from_str(data.decode("latin-1"))
    assert interchange.control_reference == "9001"
    assert interchange.extra_header_elements[:2] == ["", "DESADV"]  # 0026 application reference
    [message] = interchange.get_messages()
    assert message.reference_number == "1"
    assert message.identifier == ["DESADV", "D", "96A", "UN", "EAN005"]
    # pydifact keeps no UNZ; the reader reads it.
    [end] = [e for e in iter_edifact(data) if isinstance(e, InterchangeEnd)]
    assert end.segment.elements == ["1", "9001"] and end.message_count == 1


def test_every_package_holds_exactly_its_lines_with_their_sscc():
    shipment = notice()
    groups = packing(read(render(shipment)))
    assert groups[0] == {"id": "1", "parent": None, "pac": None, "pci": None, "sscc": None,
                         "lines": []}
    packages = groups[1:]
    assert [g["sscc"] for g in packages] == list(shipment.packages) == [SSCC_A, SSCC_B]
    for number, group in enumerate(packages, start=2):
        assert (group["id"], group["parent"]) == (str(number), "1")
        assert (group["pac"], group["pci"]) == (["1", "", "PK"], "33E")
        expected = [line for line in shipment.lines if line.package_id == group["sscc"]]
        assert [(line["pia"][0][1][0], line["qty"]["12"][0]) for line in group["lines"]] == [
            (line.sku, str(line.quantity)) for line in expected]


def test_shipped_quantities_per_order_line_add_up_and_cnt_counts_the_lins():
    shipment = notice()
    segments = read(render(shipment))
    found = lins(segments)
    assert [line["number"] for line in found] == ["1", "2", "3", "4"]
    cnt = [s for s in segments if s.tag == "CNT"]
    assert rows(cnt) == [["CNT", ["2", str(len(found))]]]
    shipped_per_line: dict[str, Decimal] = {}
    for line in found:
        assert line["rff"][:2] == ["ON", "PO-4711"]
        shipped_per_line[line["rff"][2]] = (shipped_per_line.get(line["rff"][2], Decimal(0))
                                            + Decimal(line["qty"]["12"][0]))
    expected: dict[str, Decimal] = {}
    for line in shipment.lines:
        key = line.buyer_line_id or str(line.line_number)
        expected[key] = expected.get(key, Decimal(0)) + line.quantity
    assert shipped_per_line == expected == {"10": Decimal(10), "3": Decimal(3), "2": Decimal("2.5")}


def test_a_shipment_without_packages_is_one_cps_with_all_its_lines():
    loose = tuple(replace(line, package_id=None) for line in PACKED)
    data = render(notice(lines=loose))
    segments = read(data)
    assert [s.tag for s in segments].count("CPS") == 1
    assert not [s for s in segments if s.tag in ("PAC", "PCI", "GIN")]
    [group] = packing(segments)
    assert group["id"] == "1" and group["parent"] is None
    assert [(line["number"], line["qty"]["12"]) for line in group["lines"]] == [
        ("1", ["6", "PCE"]), ("2", ["3"]), ("3", ["4", "PCE"]), ("4", ["2.5", "KGM"])]
    assert rows(segments[-1:]) == [["CNT", ["2", "4"]]]
    count, counted = unt_count(data)
    assert count == counted == len(segments) + 2


def test_lines_in_no_known_package_go_under_the_consignment():
    lines = (replace(PACKED[1], package_id=None), PACKED[0])
    groups = packing(read(render(notice(lines=lines))))
    assert [(g["id"], g["parent"], g["sscc"], [line["number"] for line in g["lines"]])
            for g in groups] == [("1", None, None, ["1"]), ("2", "1", SSCC_A, ["2"])]
    assert groups[0]["lines"][0]["pia"] == [["5", ["OF-3001", "SA"]], ["1", ["INI-9", "IN"]]]


# ---------------------------------------------------------------- line identification
def test_line_identification_with_and_without_gtin():
    lines = (
        shipped(1, "JS-2001", "1", "1", gtin=GTIN),  # GTIN only: our SKU as additional id
        shipped(2, "JS-2002", "1", "1", gtin="4012345000023"),  # 13 digits stay 13
        shipped(3, "", "1", "1", vendor_part="V-3"),  # no SKU: our vendor part number
        shipped(4, "", "1", "1", buyer_part="INI-4"),  # only the buyer's number
        shipped(5, "", "1", "1", gtin="00012345678905"),  # a UPC-A: a 13-digit EAN with a 0
    )
    found = lins(read(render(notice(lines=lines))))
    assert [(line["gtin"], line["pia"]) for line in found] == [
        (["4012345000016", "SRV"], [["1", ["JS-2001", "SA"]]]),
        (["4012345000023", "SRV"], [["1", ["JS-2002", "SA"]]]),
        (None, [["5", ["V-3", "SA"]]]),
        (None, [["5", ["INI-4", "IN"]]]),
        (["0012345678905", "SRV"], []),
    ]


def test_quantities_as_a_person_writes_them():
    lines = (shipped(1, "A", "12.0000", "24.5000", uom="PCE"), shipped(2, "B", "0.2500", "1"))
    found = lins(read(render(notice(lines=lines))))
    assert [line["qty"] for line in found] == [{"12": ["12", "PCE"], "21": ["24.5", "PCE"]},
                                                {"12": ["0.25"], "21": ["1"]}]


def test_a_long_description_is_cut_at_spaces_into_two_parts():
    text = "Stainless steel hex bolts M8 x 40 with washers and self-locking nuts, box of 100"
    found = lins(read(render(notice(lines=(shipped(1, "A", "1", "1", description=text),)))))
    imd = found[0]["imd"]
    assert imd[:2] == ["F", ""] and imd[2][:3] == ["", "", ""]
    parts = imd[2][3:]
    assert len(parts) == 2 and all(len(p) <= 35 for p in parts)
    assert parts == ["Stainless steel hex bolts M8 x 40", "with washers and self-locking nuts,"]
    assert text.startswith(" ".join(parts))


# ---------------------------------------------------------------- parties and transport
def test_nad_from_the_addresses_when_the_order_named_no_delivery_party_or_supplier():
    ship_to = Address(name="Initech Distribution Centre South", code="STORE-12",
                      street=["1 Main St", "Dock 4"], city="Springfield", state="IL",
                      postal_code="62701", country="US")
    ship_from = Address(name="Ordergate Warehouse", street=["5 Depot Road"], city="Hamburg",
                        postal_code="20095", country="DE")
    segments = read(render(notice(parties=(("BY", "5412345000013"),), ship_to=ship_to,
                                  ship_from=ship_from)))
    assert rows([s for s in segments if s.tag == "NAD"]) == [
        ["NAD", "BY", ["5412345000013", "", "9"]],
        ["NAD", "SU", "", "", "Ordergate Warehouse", "5 Depot Road", "Hamburg", "", "20095", "DE"],
        ["NAD", "DP", "STORE-12", "", "Initech Distribution Centre South", ["1 Main St", "Dock 4"],
         "Springfield", "IL", "62701", "US"],
    ]


def test_parties_the_order_named_win_over_the_addresses():
    ship_to = Address(name="Somewhere else", city="Elsewhere")
    segments = read(render(notice(ship_to=ship_to, ship_from=ship_to, parties=(
        ("DP", "5412345000020"), ("SU", "SUPPLIER-7"), ("BY", "5412345000013")))))
    assert rows([s for s in segments if s.tag == "NAD"]) == [
        ["NAD", "BY", ["5412345000013", "", "9"]],
        ["NAD", "SU", "SUPPLIER-7"],  # not a GLN: no agency we could name
        ["NAD", "DP", ["5412345000020", "", "9"]],
    ]


def test_a_ship_to_with_a_gln_and_long_names_fits_the_nad():
    ship_to = Address(code="5412345000020", name="The Initech Corporation Regional Distribution "
                      "Centre for the Southern Counties", street=["Building 7, Industrial Estate "
                      "North, Gate 3 (deliveries between 6 and 14 only)"], city="Springfield",
                      postal_code="62701-12345", country="USA")
    [nad] = [s for s in read(render(notice(parties=(), ship_to=ship_to))) if s.tag == "NAD"]
    assert nad.elements[:3] == ["DP", ["5412345000020", "", "9"], ""]
    names, street = nad.elements[3], nad.elements[4]
    assert all(len(part) <= 35 for part in names + street)
    assert " ".join(names) == ship_to.name and " ".join(street) == ship_to.street[0]
    assert nad.elements[5:] == ["Springfield", "", "62701-123", "USA"]  # 3251 an..9


def test_no_carrier_reference_transport_or_po_date_when_unknown():
    segments = read(render(notice(carrier="", tracking_number="", po_date=None)))
    assert not [s for s in segments if s.tag == "TDT"]
    assert rows(segments[:5]) == [
        ["BGM", "351", "77", "9"],
        ["DTM", ["137", "20261123", "102"]],
        ["DTM", ["11", "20261122", "102"]],
        ["RFF", ["ON", "PO-4711"]],
        ["NAD", "BY", ["5412345000013", "", "9"]],
    ]


def test_version_and_association_code_come_from_the_caller():
    data = render(notice())
    assert b"\nUNH+1+DESADV:D:96A:UN'\n" in data
    data = render(notice(), version=("D", "01B"), association_code="EAN007")
    [message] = [e for e in iter_edifact(data) if isinstance(e, Message)]
    assert message.identifier == "DESADV:D:01B:UN:EAN007"


# ------------------------------------------------------- text from the buyer and the warehouse
AWKWARD = "A+B:C'D?E"


def awkward_notice() -> ShipmentNotice:
    """Every value the order or the warehouse gave holding the service characters."""
    lines = (shipped(1, "SKU" + AWKWARD, "1", "2", uom="P?C", buyer_part="BP" + AWKWARD,
                     buyer_line_id="1'2", gtin="40123+5000016", description="Bolt 5' + nut: 1?",
                     package_id="SSCC" + AWKWARD),)
    return notice(po_number="PO" + AWKWARD, tracking_number="TRK" + AWKWARD,
                  carrier="UP:S", lines=lines, parties=(("BY", "GLN" + AWKWARD),),
                  ship_to=Address(name="Shop 'n' Go + Co", street=["Unit 4: Yard?"],
                                  city="St. John's"))


def test_delimiters_in_every_value_are_released_and_read_back():
    awkward = AWKWARD
    data = render(awkward_notice())
    assert b"RFF+ON:POA?+B?:C?'D??E'" in data
    segments = read(data)
    by_tag: dict[str, list[Segment]] = {}
    for s in segments:
        by_tag.setdefault(s.tag, []).append(s)
    assert by_tag["RFF"][0].elements == [["ON", "PO" + awkward]]
    assert by_tag["RFF"][1].elements == [["CN", "TRK" + awkward]]
    assert by_tag["RFF"][2].elements == [["ON", "PO" + awkward, "1'2"]]
    assert rows(by_tag["NAD"]) == [
        ["NAD", "BY", "GLN" + awkward],
        ["NAD", "DP", "", "", "Shop 'n' Go + Co", "Unit 4: Yard?", "St. John's"]]
    assert by_tag["TDT"][0].elements == ["20", "", "", "", "UP:S"]
    assert by_tag["GIN"][0].elements == ["BJ", "SSCC" + awkward]
    assert by_tag["LIN"][0].elements == ["1", "", ["40123+5000016", "SRV"]]
    assert by_tag["PIA"][0].elements == ["1", ["SKU" + awkward, "SA"], ["BP" + awkward, "IN"]]
    assert by_tag["IMD"][0].elements == ["F", "", ["", "", "", "Bolt 5' + nut: 1?"]]
    assert by_tag["QTY"][0].elements == [["12", "1", "P?C"]]
    count, counted = unt_count(data)
    assert count == counted == len(segments) + 2


@pytest.mark.parametrize("shipment", [notice(), awkward_notice()], ids=["plain", "awkward"])
def test_the_fast_serializer_writes_what_pydifact_writes(shipment: ShipmentNotice):
    """The segments built directly (``built_segment``) are ones pydifact writes the same way."""
    segments = build_desadv(shipment, 1, TODAY).framed()
    fast = FastSerializer(REPLY_CHARACTERS).serialize(segments, break_lines=True)
    assert fast == Serializer(REPLY_CHARACTERS).serialize(segments, break_lines=True)


def test_text_the_character_set_cannot_carry_is_fitted_to_it():
    reply = replace(REPLY, syntax_id="UNOA")
    lines = (shipped(1, "a-1", "1", "1", description="Schrauben für Holz, groß"),)
    data = render(notice(lines=lines, ship_to=Address(name="Café Zürich", city="Zürich"),
                         parties=()), reply=reply)
    data.decode("ascii")
    segments = read(data, "ascii")
    found = lins(segments)
    assert found[0]["imd"][2][3:] == ["SCHRAUBEN FUR HOLZ, GROSS"]
    assert found[0]["pia"] == [["5", ["A-1", "SA"]]]
    assert [s.elements for s in segments if s.tag == "NAD"] == [
        ["DP", "", "", "CAFE ZURICH", "", "ZURICH"]]


def test_line_breaks_in_warehouse_text_never_end_a_segment():
    lines = (shipped(1, "A", "1", "1", description="two\nlines"),)
    data = render(notice(lines=lines, tracking_number="1Z\r\n99"))
    segments = read(data)
    assert [s.elements for s in segments if s.tag == "RFF"][1] == [["CN", "1Z  99"]]
    assert lins(segments)[0]["imd"][2][3:] == ["two lines"]


# ---------------------------------------------------------------- golden file
def test_the_desadv_matches_its_golden_file():
    """samples/expected/edifact_desadv.edi: the message of the first test, as queued (with line
    breaks). With ORDERGATE_UPDATE_GOLDEN=1 a differing file is rewritten and the test fails in
    that run: the new file is only trusted once someone has read the diff."""
    actual = render(notice(), association_code="EAN005")
    match_golden_bytes(actual, GOLDEN)
    read(GOLDEN.read_bytes())  # and the file itself is a sound interchange
