"""850 → SalesOrder: our samples, hand-built edge cases, and every 850 in the shared corpus."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ordergate.errors import ParseError
from ordergate.mappings.x12_850 import TransactionRejected, map_850
from ordergate.orders.model import Purpose
from ordergate.parsers.x12.reader import iter_x12
from ordergate.parsers.x12.types import TransactionSet
from tests.kit.corpus import CORPUS as SHARED_CORPUS
from tests.kit.corpus import outcome_matches
from tests.kit.strict import require

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "x12"
CORPUS = SHARED_CORPUS / "x12" / "850"


def sets_of(data: bytes | str) -> list[TransactionSet]:
    return [e for e in iter_x12(data) if isinstance(e, TransactionSet)]


def mapped(ts: TransactionSet):
    return map_850(ts, partner_id="x12:ZZ:TEST", customer_id="ACME", source_key="k", channel="test")


def envelope(*segments: str) -> str:
    body = "".join(s + "~\n" for s in segments)
    count = len(segments) + 2
    return ("ISA*00*          *00*          *ZZ*ACMEBUY        *ZZ*ORDERGATE      *261120*0930*U*00401*000000001*0*P*>~\n"
            "GS*PO*ACMEBUY*ORDERGATE*20261120*0930*1*X*004010~\n"
            f"ST*850*0001~\n{body}SE*{count}*0001~\nGE*1*1~\nIEA*1*000000001~\n")


def test_sample_order_maps_every_field():
    (ts,) = sets_of((SAMPLES / "acme_4500012345.edi").read_bytes())
    order = mapped(ts)
    assert (order.po_number, order.po_date, order.purpose, order.currency) == (
        "4500012345", date(2026, 11, 20), Purpose.ORIGINAL, "USD")
    assert order.requested_date == date(2026, 12, 1) and order.references == {"DP": "042"}
    assert order.ship_to.name == "Acme Hardware Store 17" and order.ship_to.code == "ST017"
    assert order.ship_to.street == ["1200 Industrial Parkway", "Dock 4"]
    assert (order.ship_to.city, order.ship_to.state, order.ship_to.postal_code, order.ship_to.country) == (
        "Springfield", "IL", "62701", "US")
    assert order.bill_to.code == "AP01"
    first, second, third = order.lines
    assert (first.vendor_part, first.buyer_part, first.quantity, first.uom, first.unit_price) == (
        "HW-1001", "ACME-55012", Decimal("10"), "CS", Decimal("16.50"))
    assert first.description == "HEX BOLT M8X40"
    assert second.gtin == "00071234000029"  # UPC-A as GTIN-14
    assert third.buyer_part == "ACME-60200" and third.vendor_part is None
    assert order.warnings == []


def test_ctt_mismatch_is_a_warning_not_a_rejection():
    ts, = sets_of(envelope("BEG*00*SA*PO9**20260101", "PO1*1*5*EA*2.00**VP*A", "PO1*2*5*EA*2.00**VP*B",
                           "CTT*3*11"))
    order = mapped(ts)
    assert len(order.lines) == 2
    assert any("CTT01 says 3" in w for w in order.warnings)
    assert any("hash total 11" in w for w in order.warnings)


@pytest.mark.parametrize("segment, element, ref, code", [
    ("PO1*1*ONE*EA*2.00**VP*A", 2, "330", "6"),
    ("PO1*1*5*EA*2,00**VP*A", 4, "212", "6"),
    ("PO1*1**EA*2.00**VP*A", 2, "330", "1"),
])
def test_bad_po1_element_rejects_with_ak3_ak4_detail(segment, element, ref, code):
    ts, = sets_of(envelope("BEG*00*SA*PO9**20260101", "PO1*1*1*EA*1**VP*Z", segment))
    with pytest.raises(TransactionRejected) as info:
        mapped(ts)
    (problem,) = info.value.problems
    assert info.value.po_number == "PO9"
    assert (problem.segment_id, problem.segment_position_in_set, problem.segment_code) == ("PO1", 4, "8")
    assert (problem.element_position, problem.element_ref, problem.element_code) == (element, ref, code)
    assert problem.position == 6  # ISA=1, GS=2, ST=3, BEG=4, PO1=5, bad PO1=6
    assert problem.transaction_control == "0001" and problem.interchange_control == "000000001"


def test_bad_date_and_missing_beg_are_rejected():
    ts, = sets_of(envelope("BEG*00*SA*PO9**20261345", "PO1*1*1*EA*1**VP*Z"))
    with pytest.raises(TransactionRejected) as info:
        mapped(ts)
    assert info.value.problems[0].element_code == "8"
    ts, = sets_of(envelope("PO1*1*1*EA*1**VP*Z"))
    with pytest.raises(TransactionRejected, match="BEG"):
        mapped(ts)


def test_purpose_codes_and_six_digit_dates():
    ts, = sets_of(envelope("BEG*01*SA*PO9**971231", "PO1*1*1*EA*1**VP*Z"))
    order = mapped(ts)
    assert order.purpose is Purpose.CANCEL and order.po_date == date(1997, 12, 31)


# What each corpus file gives today, one entry per 850 in it: "maps", or why the set is
# turned down ("rejected: <fragment of the 855/997 reason>", "envelope: <fragment>" for a set
# whose envelope the 997 rejects), or "unreadable: <fragment>" for a file the reader refuses.
# A file not listed here, or an outcome that changes, fails: a change in what we accept must be
# a decision written down here, not something a test lets through either way.
CORPUS_OUTCOMES: dict[str, list[str]] = {
    "ediengine__850.Composite.SLN.OK.edi": ["maps"],
    "ediengine__850.OK.edi": ["maps"],
    # The file's name promises syntax-note errors; they are in elements the mapping does not read.
    "ediengine__850.SyntaxNotes.ERR.edi": ["maps"],
    "edinet__x12.850.edi": ["maps"],
    "edinet__x12.850.issue135.edi": [
        "envelope: SE01 says 87 segments but the transaction set has 86",
        "envelope: ST02 0001 is already used by an earlier transaction set of group 1",
    ],
    "edinet__x12.850a.edi": ["maps"],
    "nodex12__850.edi": ["maps"],
    "nodex12__850_2.edi": ["maps"],
    "nodex12__850_3.edi": ["maps"],
    "nodex12__850_fat.edi": ["maps", "maps"],
    "oboe__5-850.x12": ["maps"],
    "oopx12__Example1_PGWGlass.txt": ["maps"],
    "oopx12__Example2_Adobe_TLP.txt": ["maps"],
    "oopx12__Example3_Adobe_CLP.txt": ["maps"],
    "oopx12__Example4_Adobe_ShrinkWrapped.txt": ["maps"],
    "oopx12__From_aojuk.txt": ["maps"],
    "staedi__invoice810_po850_dual.edi": ["maps"],
    "stedistarter__sample_850_008020.edi": ["maps"],
    "vgix12__po_850.edi": ["maps"],
    "x12types__004010_850.edi": ["maps"],
}


def corpus_names() -> list[str]:
    """The table's files and whatever else the corpus holds, so a new file cannot slip by."""
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file()} if CORPUS.is_dir() else set()
    return sorted(on_disk | set(CORPUS_OUTCOMES))


def outcomes(data: bytes) -> list[str]:
    """What each 850 in ``data`` gives, as "maps" or "<kind>: <message>"; every refusal must
    say where in the file the trouble is."""
    try:
        sets = [ts for ts in sets_of(data) if ts.set_id == "850"]
    except ParseError as exc:
        assert exc.position is not None or "ISA" in str(exc)
        return [f"unreadable: {exc}"]
    found = []
    for ts in sets:
        if ts.problems:  # envelope problems: the 997 rejects the set, positions are given
            assert all(p.position is not None for p in ts.problems)
            found.append("envelope: " + "; ".join(str(p) for p in ts.problems))
            continue
        try:
            order = mapped(ts)
        except TransactionRejected as exc:
            assert exc.problems and all(p.position and p.segment_id for p in exc.problems), str(exc)
            assert "position" in str(exc)
            found.append(f"rejected: {exc}")
            continue
        assert order.po_number and order.lines
        assert all(line.quantity is not None for line in order.lines)
        found.append("maps")
    return found


@pytest.mark.parametrize("name", corpus_names())
def test_every_corpus_850_gives_its_listed_outcome(name):
    require(CORPUS.is_dir(), f"the shared X12 corpus is missing at {CORPUS}")
    assert name in CORPUS_OUTCOMES, f"{name} is new in the corpus: list its outcome in CORPUS_OUTCOMES"
    path = CORPUS / name
    require(path.is_file(), f"corpus file {path} is missing")
    actual = outcomes(path.read_bytes())
    expected = CORPUS_OUTCOMES[name]
    assert len(actual) == len(expected) and all(map(outcome_matches, expected, actual)), (expected, actual)


def test_an_outcome_is_matched_by_kind_and_fragment():
    assert outcome_matches("maps", "maps") and not outcome_matches("maps", "rejected: maps")
    assert outcome_matches("envelope: SE01 says", "envelope: SE01 says 87 segments (position 88)")
    assert not outcome_matches("envelope: SE01 says", "rejected: SE01 says 87 segments")
    assert not outcome_matches("rejected: BEG", "maps")


def test_corpus_snack_order_reads_buyer_catalog_numbers_and_case_codes():
    path = CORPUS / "x12types__004010_850.edi"
    require(path.is_file(), f"corpus file {path} is missing")
    (ts,) = sets_of(path.read_bytes())
    order = mapped(ts)
    assert order.po_number == "A99999-01" and order.po_date == date(1997, 2, 14)
    assert order.requested_date == date(1997, 12, 19)
    assert len(order.lines) == 7 and order.lines[0].buyer_part == "000111111"
    assert order.lines[0].gtin == "00002840022222" and order.lines[0].buyer_line_id is None
    assert order.ship_to.name == "BUYSNACKS PORT" and order.ship_to.city == "ATHENS"
    assert sum(line.quantity for line in order.lines) == 207
