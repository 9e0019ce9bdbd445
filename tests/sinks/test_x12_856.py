"""The 856 ship notice, written into a full interchange and read back with our own X12 reader:
the HL tree (S, O, P, I), what each level says, the counts, and one golden file.

The golden (samples/expected/x12_856.edi) is compared byte for byte; after a deliberate change
run once with ORDERGATE_UPDATE_GOLDEN=1 (the test rewrites it and fails, saying so), read the
diff, and run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.orders.model import Address, ReplyAddress
from ordergate.parsers.x12 import (
    Segment,
    TransactionSet,
    write_interchange,
)
from ordergate.sinks.x12 import (
    SHIP_NOTICE_GROUP,
    build_856,
    reply_group,
    reply_interchange,
)
from tests.kit.golden import match_golden_bytes
from tests.kit.x12 import clean_sets, one

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "samples" / "expected" / "x12_856.edi"
NOW = datetime(2026, 12, 1, 8, 15)
SHIPPED = date(2026, 11, 30)  # the day before the notice: BSN03 and DTM*011 must differ
ORDERED = date(2026, 11, 20)
REPLY = ReplyAddress(partner_qualifier="ZZ", partner_id="ACMEBUY", our_qualifier="ZZ",
                     our_id="ORDERGATE", partner_app_code="ACMEBUY", our_app_code="ORDERGATE")
SSCC_1 = "003456789012345670"  # check digits valid (GS1 mod 10)
SSCC_2 = "003456789012345687"
# The description holds our segment terminator, element and component separators, a line break.
AWKWARD = "Hex bolt ~ M8*40 > zinc\nbox of 100"


def _line(number: int, sku: str, quantity: str, ordered: str | None = None,
          total: str | None = None, **fields) -> ShippedLine:
    """Line ``number`` shipping ``quantity`` of ``ordered`` (default: all of it), ``total``
    shipped on the line so far (default: this quantity)."""
    ordered, total = Decimal(ordered or quantity), Decimal(total or quantity)
    return ShippedLine(line_number=number, sku=sku, quantity=Decimal(quantity), ordered=ordered,
                       shipped_total=total, open_quantity=ordered - total, **fields)


def _notice(lines: tuple[ShippedLine, ...], **fields) -> ShipmentNotice:
    values = dict(shipment_id=7, order_id=42, customer_id="ACME", po_number="4500012345",
                  carrier="UPSN", tracking_number="1Z999AA10123456784", ship_date=SHIPPED,
                  po_date=ORDERED, lines=lines,
                  ship_to=Address(name="ACME Distribution Center", code="0042",
                                  code_qualifier="92", street=["1 Main Street", "Dock 4"],
                                  city="Springfield", state="IL", postal_code="62701",
                                  country="US"),
                  ship_from=Address(name="Ordergate Warehouse", street=["9 Depot Road"],
                                    city="Columbus", state="OH", postal_code="43004"))
    values.update(fields)
    return ShipmentNotice(**values)


# Line 1 (buyer part, a U.P.C.) split over two packages; line 2 (only our SKU, with a
# description full of delimiters) and line 3 (an EAN-13, a vendor part, a decimal quantity)
# in the second.
PACKED = _notice((
    _line(1, "HW-1001", "6", "12", total="6", buyer_line_id="001", buyer_part="ACME-55",
          gtin="00012345678905", package_id=SSCC_1),
    _line(1, "HW-1001", "4", "12", total="10", buyer_line_id="001", buyer_part="ACME-55",
          gtin="00012345678905", package_id=SSCC_2),
    _line(2, "HW-2002", "3", package_id=SSCC_2, description=AWKWARD),
    _line(3, "HW-3003", "2.5", "5", uom="KG", buyer_line_id="003", vendor_part="V-3003",
          gtin="04006381333931", package_id=SSCC_2),
))
# No package known: the same kind of lines, and a GTIN-14 case code.
LOOSE = _notice((
    _line(1, "HW-1001", "12", buyer_line_id="1", buyer_part="ACME-55"),
    _line(2, "HW-2002", "3"),
    _line(3, "HW-4004", "1", gtin="10012345678902"),
), shipment_id=8)


# --------------------------------------------------------------------------- reading back
@dataclass
class Level:
    """One HL and the segments of its level, up to the next HL (or CTT)."""

    id: str
    parent: str
    code: str
    child_code: str
    segments: list[Segment] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    def first(self, tag: str, *qualifier: str) -> Segment:
        found = [s for s in self.segments if s[0] == tag and s[1:1 + len(qualifier)] == list(qualifier)]
        assert len(found) == 1, (tag, qualifier, self.segments)
        return found[0]


# What may hang under what in structure 0001 (a level may be skipped, never reversed).
ALLOWED_CHILDREN = {"": {"S"}, "S": {"O"}, "O": {"P", "I"}, "P": {"I"}, "I": set()}


def hl_tree(segments: list[Segment]) -> dict[str, Level]:
    """The HL levels of one set (ST..SE), after checking the tree as X12 defines it: HL01
    numbered 1, 2, 3… in order; HL02 empty for the first level and otherwise an earlier HL01
    that is still open (HL loops nest, so a child follows its parent's other descendants); the
    level codes in S → O → P → I order; HL04 1 exactly when children follow."""
    levels: dict[str, Level] = {}
    path: list[Level] = []
    current: Level | None = None
    for seg in segments[1:-1]:
        if seg[0] == "HL":
            own, parent, code, child_code = (seg + [""] * 5)[1:5]
            assert own == str(len(levels) + 1), f"HL01 {own} out of sequence"
            assert not parent or parent in levels, f"HL {own} names {parent}, not an earlier HL01"
            while path and path[-1].id != parent:
                path.pop()
            assert (path[-1].id if path else "") == parent, f"HL {own}: parent {parent} is closed"
            assert code in ALLOWED_CHILDREN[path[-1].code if path else ""], f"HL {own}: {code}"
            current = levels[own] = Level(own, parent, code, child_code)
            if path:
                path[-1].children.append(own)
            path.append(current)
        elif seg[0] == "CTT":
            current = None
        elif current is not None:
            current.segments.append(seg)
    for level in levels.values():
        assert level.child_code == ("1" if level.children else "0"), f"HL {level.id} HL04"
    return levels


def read_sets(text: str) -> list[TransactionSet]:
    return clean_sets(text, SHIP_NOTICE_GROUP)


def interchange(*notices: ShipmentNotice, **options) -> str:
    transactions = [build_856(notice, number, NOW, **options)
                    for number, notice in enumerate(notices, start=1)]
    group = reply_group(REPLY, SHIP_NOTICE_GROUP, 3, transactions)
    return write_interchange(reply_interchange(REPLY, 9, [group], timestamp=NOW))


def items(levels: dict[str, Level], parent: str) -> list[Level]:
    return [levels[i] for i in levels[parent].children if levels[i].code == "I"]


def product_ids(lin: Segment) -> dict[str, str]:
    """LIN02/03, 04/05…: qualifier → id."""
    return dict(zip(lin[2::2], lin[3::2]))


def shipped(lines) -> dict[str, Decimal]:
    """What the notice says shipped, per item (its VP: vendor part, else our SKU)."""
    total: dict[str, Decimal] = {}
    for line in lines:
        key = line.vendor_part or line.sku
        total[key] = total.get(key, Decimal(0)) + line.quantity
    return total


def sn102(levels: list[Level]) -> dict[str, Decimal]:
    """What the 856's item levels say shipped (SN102), per item (LIN's VP)."""
    total: dict[str, Decimal] = {}
    for level in levels:
        key = product_ids(level.first("LIN"))["VP"]
        total[key] = total.get(key, Decimal(0)) + Decimal(level.first("SN1")[2])
    return total


def check_set(tx: TransactionSet, notice: ShipmentNotice) -> dict[str, Level]:
    """What every 856 must say of ``notice``, whatever its packages: the checks shared by the
    tests below. Returns the HL tree."""
    segments = tx.segments
    assert tx.set_id == "856" and segments[0][:2] == ["ST", "856"]
    assert segments[-1] == ["SE", str(len(segments)), tx.control_number]
    assert segments[1][0] == "BSN"
    levels = hl_tree(segments)
    codes = [level.code for level in levels.values()]
    assert codes.count("S") == 1 and codes.count("O") == 1
    shipment, order = levels["1"], levels["2"]
    assert (shipment.code, order.code, order.parent) == ("S", "O", "1")
    # Shipment level: carrier, bill of lading, tracking number, ship date.
    assert shipment.first("TD5")[1:4] == ["B", "2", notice.carrier]
    assert shipment.first("REF", "BM")[2] == segments[1][2]  # our shipment number, as in BSN02
    assert shipment.first("REF", "CN")[2] == notice.tracking_number
    assert shipment.first("DTM", "011")[2] == notice.ship_date.strftime("%Y%m%d")
    # Order level: the PO.
    assert order.first("PRF")[1] == notice.po_number
    # Every item level: LIN, SN1 with the line's units; the quantities add up to the notice's.
    item_levels = [level for level in levels.values() if level.code == "I"]
    assert len(item_levels) == len(notice.lines)
    for level in item_levels:
        assert [s[0] for s in level.segments][:2] == ["LIN", "SN1"]
    assert sn102(item_levels) == shipped(notice.lines)
    # CTT01 counts the HL segments; CTT02 is the hash total of SN102.
    hl_count = sum(1 for s in segments if s[0] == "HL")
    ctt = one(segments, "CTT")
    assert ctt[1] == str(hl_count) == str(len(levels))
    assert segments[-2] == ctt
    return levels


# --------------------------------------------------------------------------- the tests
def _hls(*hls: str) -> list[Segment]:
    return [["ST", "856", "0001"], *(hl.split("*") for hl in hls), ["SE", str(len(hls) + 2), "0001"]]


@pytest.mark.parametrize(("hls", "wrong"), [
    (("HL*1**S*1", "HL*3*1*O*0"), "out of sequence"),
    (("HL*1**S*1", "HL*2*3*O*0"), "not an earlier HL01"),
    (("HL*1**S*1", "HL*2*1*P*0"), "HL 2: P"),  # a pack straight under the shipment
    (("HL*1**S*1", "HL*2*1*O*1", "HL*3*2*I*1", "HL*4*3*P*0"), "HL 4: P"),  # pack under item
    (("HL*1**S*1", "HL*2*1*O*1", "HL*3*2*P*1", "HL*4*3*I*0", "HL*5*2*P*1", "HL*6*3*I*0"),
     "parent 3 is closed"),  # an item of the first pack after the second began
    (("HL*1**S*1", "HL*2*1*O*0", "HL*3*2*I*0"), "HL 2 HL04"),
    (("HL*1**S*1", "HL*2*1*O*1", "HL*3*2*I*1"), "HL 3 HL04"),
])
def test_the_tree_check_finds_each_kind_of_broken_tree(hls: tuple[str, ...], wrong: str) -> None:
    with pytest.raises(AssertionError, match=wrong):
        hl_tree(_hls(*hls))
    assert hl_tree(_hls("HL*1**S*1", "HL*2*1*O*1", "HL*3*2*P*1", "HL*4*3*I*0", "HL*5*2*I*0"))


def test_a_packed_shipment_reads_back_as_shipment_order_packs_items() -> None:
    [tx] = read_sets(interchange(PACKED, ship_from_id=("92", "WH-1")))
    levels = check_set(tx, PACKED)
    assert tx.segments[1] == ["BSN", "00", "07", "20261201", "0815", "0001"]
    # One pack per SSCC, under the order, each with its MAN (the SSCC with its AI "00").
    packs = [level for level in levels.values() if level.code == "P"]
    assert [p.parent for p in packs] == ["2", "2"]
    assert [p.first("MAN") for p in packs] == [["MAN", "GM", "00" + SSCC_1], ["MAN", "GM", "00" + SSCC_2]]
    # Items only under packs; each pack holds the quantities of the lines in its package.
    assert all(levels[level.parent].code == "P" for level in levels.values() if level.code == "I")
    for pack, sscc in zip(packs, (SSCC_1, SSCC_2)):
        assert sn102(items(levels, pack.id)) == shipped(
            line for line in PACKED.lines if line.package_id == sscc)
    # Line 1 is split: an item in each pack, each shipping its part of the 12 ordered.
    first, second = items(levels, packs[0].id)[0], items(levels, packs[1].id)[0]
    assert first.first("SN1") == ["SN1", "001", "6", "EA", "6", "12", "EA"]
    assert second.first("SN1") == ["SN1", "001", "4", "EA", "10", "12", "EA"]
    shipment = levels["1"]
    assert shipment.first("TD1")[1:3] == ["", "2"]  # lading quantity: two packages
    assert levels["2"].first("PRF") == ["PRF", "4500012345", "", "", "20261120"]
    # 8 HL (S, O, two P, four I); hash 6 + 4 + 3 + 25 (2.5 without its decimal point).
    assert tx.segments[-2] == ["CTT", "8", "38"]


def test_items_carry_the_identifiers_the_po_used() -> None:
    [tx] = read_sets(interchange(PACKED))
    levels = hl_tree(tx.segments)
    lins = [level.first("LIN") for level in levels.values() if level.code == "I"]
    # LIN01 is the PO's line id; BP, then VP (the PO's vendor part, else our SKU), then the GTIN:
    # UP for a 12-digit U.P.C., EN for a 13-digit EAN.
    assert lins[0] == ["LIN", "001", "BP", "ACME-55", "VP", "HW-1001", "UP", "012345678905"]
    assert lins[2] == ["LIN", "", "VP", "HW-2002"]  # only our SKU, no PO line id
    assert lins[3] == ["LIN", "003", "VP", "V-3003", "EN", "4006381333931"]
    sn1 = [level.first("SN1") for level in levels.values() if level.code == "I"]
    assert sn1[3] == ["SN1", "003", "2.5", "KG", "2.5", "5", "KG"]
    [tx] = read_sets(interchange(LOOSE))
    lins = [level.first("LIN") for level in hl_tree(tx.segments).values() if level.code == "I"]
    assert lins[2] == ["LIN", "", "VP", "HW-4004", "UK", "10012345678902"]  # a GTIN-14


def test_a_description_holding_delimiters_stays_one_pid_segment() -> None:
    [tx] = read_sets(interchange(PACKED))
    levels = hl_tree(tx.segments)
    described = [level for level in levels.values() if level.code == "I"][2]
    assert [s[0] for s in described.segments] == ["LIN", "SN1", "PID"]
    pid = described.first("PID")
    assert pid[:5] == ["PID", "F", "", "", ""] and len(pid) == 6
    # Each delimiter became a space; the line break was one run of white space.
    assert pid[5] == "Hex bolt   M8 40   zinc box of 100"
    # The items before and after it are untouched.
    assert [product_ids(level.first("LIN"))["VP"] for level in levels.values() if level.code == "I"] == [
        "HW-1001", "HW-1001", "HW-2002", "V-3003"]


def test_a_long_description_is_cut_to_pid05() -> None:
    notice = _notice((_line(1, "HW-1001", "1", description="x" * 200),), ship_to=None)
    [tx] = read_sets(interchange(notice))
    assert one(tx.segments, "PID")[5] == "x" * 80


def test_without_packages_items_hang_under_the_order() -> None:
    [tx] = read_sets(interchange(LOOSE))
    levels = check_set(tx, LOOSE)
    assert [level.code for level in levels.values()] == ["S", "O", "I", "I", "I"]
    assert [level.parent for level in levels.values()] == ["", "1", "2", "2", "2"]
    assert not any(s[0] == "MAN" for s in tx.segments)
    assert levels["1"].first("TD1")[1:3] == ["", "3"]  # lading quantity: three lines
    assert tx.segments[1][5] == "0001"  # the structure stays 0001 without its pack level


def test_a_loose_line_beside_packed_ones_hangs_under_the_order() -> None:
    notice = replace(PACKED, lines=(*PACKED.lines, _line(4, "HW-5005", "1")))
    [tx] = read_sets(interchange(notice))
    levels = check_set(tx, notice)
    loose = [level for level in levels.values() if level.code == "I" and level.parent == "2"]
    assert [product_ids(level.first("LIN"))["VP"] for level in loose] == ["HW-5005"]
    assert levels["1"].first("TD1")[2] == "2"  # the packages still count the lading


def test_several_notices_in_one_group_each_read_back_whole() -> None:
    sets = read_sets(interchange(PACKED, LOOSE, PACKED))
    assert [tx.control_number for tx in sets] == ["0001", "0002", "0003"]
    for tx, notice in zip(sets, (PACKED, LOOSE, PACKED)):
        check_set(tx, notice)


def test_parties_ship_to_and_ship_from() -> None:
    [tx] = read_sets(interchange(PACKED, ship_from_id=("92", "WH-1")))
    shipment = hl_tree(tx.segments)["1"]
    after = shipment.segments[[s[:2] for s in shipment.segments].index(["N1", "ST"]):]
    assert after == [
        ["N1", "ST", "ACME Distribution Center", "92", "0042"],
        ["N3", "1 Main Street", "Dock 4"],
        ["N4", "Springfield", "IL", "62701", "US"],
        ["N1", "SF", "Ordergate Warehouse", "92", "WH-1"],
        ["N3", "9 Depot Road"],
        ["N4", "Columbus", "OH", "43004"],
    ]
    # The PO's own qualifier for its ship-to code is echoed (UL: a GLN).
    gln = replace(PACKED, ship_to=Address(name="Store 12", code="0614141000012", code_qualifier="UL"),
                  ship_from=None)
    [tx] = read_sets(interchange(gln))
    shipment = hl_tree(tx.segments)["1"]
    assert shipment.first("N1", "ST") == ["N1", "ST", "Store 12", "UL", "0614141000012"]
    assert not any(s[:2] == ["N1", "SF"] for s in shipment.segments)


def test_what_the_notice_does_not_know_is_left_out() -> None:
    notice = _notice((_line(1, "HW-1001", "2"),), ship_to=None, ship_from=None, po_date=None,
                     tracking_number="", carrier=" ")
    [tx] = read_sets(interchange(notice))
    levels = hl_tree(tx.segments)
    shipment = levels["1"]
    assert [s[0] for s in shipment.segments] == ["TD1", "REF", "DTM"]
    assert shipment.first("REF", "BM") == ["REF", "BM", "07"]
    assert levels["2"].first("PRF") == ["PRF", "4500012345"]
    # A ship-to with neither a name nor a code has no N1 to give.
    [tx] = read_sets(interchange(replace(notice, ship_to=Address(name="*~", city="Springfield"))))
    assert not any(s[0] in ("N1", "N3", "N4") for s in tx.segments)


def test_bsn_time_comes_from_a_datetime_and_is_0000_for_a_date() -> None:
    assert build_856(LOOSE, 1, NOW).segments[0][3:5] == ["20261201", "0815"]
    assert build_856(LOOSE, 1, NOW.date()).segments[0][3:5] == ["20261201", "0000"]


@pytest.mark.parametrize(("package", "marks"), [
    (SSCC_1, ["GM", "00" + SSCC_1]),  # SSCC-18: its AI in front
    ("00" + SSCC_1, ["GM", "00" + SSCC_1]),  # given with its AI already
    ("CTN-0001", ["CA", "CTN-0001"]),  # not an SSCC: a shipper-assigned case number
])
def test_man_names_each_package(package: str, marks: list[str]) -> None:
    notice = _notice((_line(1, "HW-1001", "1", package_id=package),))
    [tx] = read_sets(interchange(notice))
    assert one(tx.segments, "MAN")[1:] == marks


def test_golden_856() -> None:
    """The packed notice as a partner receives it, byte for byte; checked like the rest."""
    text = interchange(PACKED, LOOSE, ship_from_id=("92", "WH-1"))
    data = text.encode("utf-8")
    for tx, notice in zip(read_sets(text), (PACKED, LOOSE)):
        check_set(tx, notice)
    match_golden_bytes(data, GOLDEN)
