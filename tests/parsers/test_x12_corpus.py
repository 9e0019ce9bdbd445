"""The X12 reader against real third-party samples (../shared/corpus, or $ORDERGATE_CORPUS).

Every file must either raise ParseError or yield events, never anything else; every 850 file
must yield an 850; the problems reported are exactly the ones listed here, each checked by
hand against the file. Without the corpus the tests skip, except in strict mode (tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import mmap
import re

import pytest

from ordergate.errors import ParseError
from ordergate.parsers.x12 import reader as x12
from ordergate.parsers.x12.reader import iter_x12
from ordergate.parsers.x12.types import (
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    TransactionSet,
    X12Problem,
)
from tests.kit.corpus import CORPUS
from tests.kit.strict import require

X12 = CORPUS / "x12"


def _files(folder: str, suffixes: tuple[str, ...] | None) -> list[str]:
    directory = X12 / folder
    if not directory.is_dir():
        return []
    return sorted(f"{folder}/{p.name}" for p in directory.iterdir()
                  if p.is_file() and (suffixes is None or p.suffix.lower() in suffixes))


ORDERS = _files("850", (".edi", ".txt", ".x12"))
OTHERS = _files("other", None)


def require_corpus() -> None:
    require(False, f"X12 corpus not found at {X12} (set ORDERGATE_CORPUS to its folder)")


def read(name: str) -> bytes:
    if not X12.is_dir():
        require_corpus()
    return (X12 / name).read_bytes()


def events(name: str) -> list:
    return list(iter_x12(read(name)))


def of(kind: type, evs: list) -> list:
    return [e for e in evs if isinstance(e, kind)]


def problems(evs: list) -> list[X12Problem]:
    return [p for e in evs if isinstance(e, (TransactionSet, GroupEnd, InterchangeEnd)) for p in e.problems]


# (level, code, position) of every problem a file has, in event order; all other files have none.
EXPECTED_PROBLEMS: dict[str, list[tuple[str, str, int]]] = {
    # The sample's IEA02 is 000000001 but its ISA13 is 000000055.
    "850/edinet__x12.850.edi": [("interchange", "001", 15)],
    "850/edinet__x12.850a.edi": [("interchange", "001", 54)],
    # ISA ends "*T*~" + LF with every line ending "~": ISA16 left out, "~" is the terminator (027).
    # Line 23 "DTM*038*20190309" lacks its "~", so it runs into the next PO1: 86 segments where
    # SE01 says 87 (4). Both sets use ST02 0001 (23).
    "850/edinet__x12.850.issue135.edi": [("transaction", "4", 88), ("transaction", "23", 89),
                                         ("interchange", "027", 1)],
    # SE*17 but ST..SE holds 12 segments.
    "other/edinet__x12.832.edi": [("transaction", "4", 14)],
    # An ISA and nothing else.
    "other/gtlx12__no-iea-trailer.edi": [("interchange", "023", 2)],
    "other/gtlx12__trimmed-isa-heading.edi": [("interchange", "023", 2)],
    # GS and GE*1 with no transaction set between them.
    "other/gtlx12__no-matching-st-count.edi": [("group", "5", 3)],
    # "N1*BY*RETAILER*92*1129" lacks its "~" and runs into N3: 9 segments, SE01 says 10.
    "other/oopx12__ORD__860_Example1.txt": [("transaction", "4", 11)],
    # IEA02 00001660 against ISA13 000016680.
    "other/oopx12__ORD__865_FromTyco.txt": [("interchange", "001", 20)],
    # Both files stop in the middle of a transaction set.
    "other/vgix12__truncated.edi": [("transaction", "2", 6), ("group", "3", 6), ("interchange", "023", 6)],
    "other/vscodex12__odd-separator_837.edi": [("transaction", "2", 47), ("group", "3", 47),
                                               ("interchange", "023", 47)],
}
# Files that are not readable X12 at all, and a word the ParseError must contain.
EXPECTED_PARSE_ERRORS = {
    "other/gtlx12__inconsistent-element-separator-isa-heading.edi": "element separator",
}


# --------------------------------------------------------------------------- every file
@pytest.mark.parametrize("name", ORDERS + OTHERS or [None])
def test_every_file_yields_events_or_a_parse_error(name: str | None) -> None:
    if name is None:
        require_corpus()
    try:
        evs = events(name)
    except ParseError as exc:
        assert name in EXPECTED_PARSE_ERRORS, f"unexpected ParseError: {exc}"
        assert EXPECTED_PARSE_ERRORS[name] in str(exc) and exc.position is not None
        return
    assert name not in EXPECTED_PARSE_ERRORS
    assert isinstance(evs[0], InterchangeHeader) and isinstance(evs[-1], InterchangeEnd)
    assert len(of(InterchangeHeader, evs)) == len(of(InterchangeEnd, evs))
    assert len(of(GroupHeader, evs)) == len(of(GroupEnd, evs))
    found = problems(evs)
    for problem in found:
        assert problem.position and problem.position >= 1 and problem.segment_id and problem.message
        assert problem.interchange_control
    assert [(p.level, p.code, p.position) for p in found] == EXPECTED_PROBLEMS.get(name, []), \
        [str(p) for p in found]


@pytest.mark.parametrize("name", [n for n in ORDERS + OTHERS if n not in EXPECTED_PARSE_ERRORS] or [None])
def test_chunk_boundaries_never_change_what_is_read(name: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if name is None:
        require_corpus()
    whole = events(name)
    for size in (1, 40):
        monkeypatch.setattr(x12, "CHUNK_SIZE", size)
        assert events(name) == whole, size


@pytest.mark.parametrize("name", ORDERS or [None])
def test_every_850_file_yields_an_850(name: str | None) -> None:
    if name is None:
        require_corpus()
    sets = of(TransactionSet, events(name))
    assert any(s.set_id == "850" for s in sets)
    for s in sets:
        assert s.segments[0][:2] == ["ST", s.set_id]
        assert s.segments[-1][0] == "SE" or any(p.code == "2" for p in s.problems)


def sanity_counts() -> dict[str, tuple[int, int, int, str]]:
    """#ISA/#GS/#ST and set ids per file from the corpus's own sanity scan (made without our reader)."""
    report = CORPUS / "SANITY_REPORT.md"
    if not report.is_file():
        return {}
    rows = re.findall(r"^\| x12/(\S+) \| yes \|.*\| (\d+)/(\d+)/(\d+) \| ([^|]*) \|", report.read_text(), re.M)
    return {name: (int(i), int(g), int(s), sets.strip()) for name, i, g, s, sets in rows}


@pytest.mark.parametrize("name", [n for n in ORDERS + OTHERS if n not in EXPECTED_PARSE_ERRORS] or [None])
def test_envelope_counts_agree_with_the_independent_sanity_scan(name: str | None) -> None:
    if name is None:
        require_corpus()
    expected = sanity_counts().get(name)
    require(expected is not None, f"the corpus's SANITY_REPORT.md has no counts for {name}")
    evs = events(name)
    sets = of(TransactionSet, evs)
    assert (len(of(InterchangeHeader, evs)), len(of(GroupHeader, evs)), len(sets)) == expected[:3]
    counted: dict[str, int] = {}
    for s in sets:
        counted[s.set_id] = counted.get(s.set_id, 0) + 1
    assert ",".join(f"{k} x{v}" for k, v in counted.items()) == expected[3]


# --------------------------------------------------------------------------- by hand
def test_node_x12_fat_has_two_interchanges() -> None:
    evs = events("850/nodex12__850_fat.edi")
    assert [h.control_number for h in of(InterchangeHeader, evs)] == ["000003438", "000003438"]
    sets = of(TransactionSet, evs)
    assert [(s.set_id, s.control_number, s.position) for s in sets] == [("850", "000000010", 3)] * 2
    assert [len([seg for seg in s.segments if seg[0] == "PO1"]) for s in sets] == [6, 6]
    assert of(InterchangeHeader, evs)[1].position == 38


def test_staedi_dual_has_two_groups_and_three_sets() -> None:
    evs = events("850/staedi__invoice810_po850_dual.edi")
    groups = of(GroupHeader, evs)
    assert [(g.functional_id, g.control_number, g.version) for g in groups] == [
        ("IN", "1", "004010"), ("PO", "165", "003010")]
    sets = of(TransactionSet, evs)
    assert [(s.set_id, s.control_number, s.group.functional_id) for s in sets] == [
        ("810", "000000001", "IN"), ("810", "000000002", "IN"), ("850", "000191240", "PO")]
    assert sets[2].segments[1] == ["BEG", "00", "NE", "S115921858", "1017760", "040317"]
    assert len(sets[2].segments) == 17
    assert [e.transaction_count for e in of(GroupEnd, evs)] == [2, 1]


def test_oboe_control_character_delimiters() -> None:
    evs = events("850/oboe__5-850.x12")
    header = evs[0]
    delims = header.delimiters
    assert (delims.element, delims.component, delims.repetition, delims.segment) == ("\x1d", "@", None, "\x1c")
    assert header.version == "00304"
    ts = of(TransactionSet, evs)[0]
    assert len(ts.segments) == 32 and ts.ok
    assert ["PID", "F", "", "", "", "4-BLUE BRITE LIQUID LAUNDRY [CTN (2X5L)]"] in ts.segments


def test_edinet_issue135_missing_isa16() -> None:
    evs = events("850/edinet__x12.850.issue135.edi")
    header = evs[0]
    assert header.delimiters.segment == "~" and header.isa[16] == ""
    first, second = of(TransactionSet, evs)
    assert first.segments[-1] == ["SE", "87", "0001"] and len(first.segments) == 86
    # the PO1 that lost its line break to the DTM before it
    assert ["DTM", "038", "20190309PO1", "30", "13892", "SF", "", "", "ST", "F07EXPLLO1224"] in first.segments
    assert [p.code for p in first.problems] == ["4"] and [p.code for p in second.problems] == ["23"]
    assert first.problems[0].message == "SE01 says 87 segments but the transaction set has 86"
    assert len(second.segments) == 95


def test_oop_shrink_wrapped_space_padding_before_crlf() -> None:
    evs = events("850/oopx12__Example4_Adobe_ShrinkWrapped.txt")
    assert evs[0].delimiters.segment == "\n"
    ts = of(TransactionSet, evs)[0]
    assert ts.ok and len(ts.segments) == 18 and ts.control_number == "891325"
    assert ["N1", "BY", "SOLD TO Org Name", "ZZ", "038181483"] in ts.segments
    assert ts.segments[-1] == ["SE", "18", "891325"]


def test_oop_tilde_element_separator_and_star_terminator() -> None:
    evs = events("850/oopx12__Example3_Adobe_CLP.txt")
    assert (evs[0].delimiters.element, evs[0].delimiters.segment) == ("~", "*")
    ts = of(TransactionSet, evs)[0]
    assert ts.ok and ts.control_number == "114640004"
    assert ["N1", "BY", "SOLD TO", "91", "Sold To ID"] in ts.segments


def test_staedi_wrapped_at_80_columns() -> None:
    evs = events("other/staedi__ts210_80char.edi")
    assert evs[0].isa[10] == "0224"  # "022" + line break + "4"
    ts = of(TransactionSet, evs)[0]
    assert ts.ok and ts.control_number == "1305" and len(ts.segments) == 31
    assert ["N4", "WILKESBORO", "NC", "286977576", "US"] in ts.segments
    assert ["L5", "1", "PLT  PL FILM/SHEET 15-30P FOOD GRADE  156830-3 CLA"] in ts.segments


def test_ellipsis_terminator() -> None:
    evs = events("other/oopx12__ORD__856_Example3.txt")
    assert evs[0].delimiters.segment == "\u2026"
    assert of(TransactionSet, evs)[0].ok


def test_gtl_no_matching_st_count() -> None:
    evs = events("other/gtlx12__no-matching-st-count.edi")
    end = of(GroupEnd, evs)[0]
    assert end.transaction_count == 0 and not of(TransactionSet, evs)
    problem = end.problems[0]
    assert (problem.code, problem.bad_value, problem.group_control) == ("5", "1", "000001000")
    assert problem.message == "GE01 says 1 transaction sets but the group has 0"


def test_gtl_no_iea_trailer() -> None:
    evs = events("other/gtlx12__no-iea-trailer.edi")
    assert [type(e) for e in evs] == [InterchangeHeader, InterchangeEnd]
    assert "has no IEA trailer" in evs[1].problems[0].message


def test_gtl_trimmed_isa_is_read() -> None:
    header = events("other/gtlx12__trimmed-isa-heading.edi")[0]
    assert (header.sender_id, header.receiver_id, header.control_number) == ("SENDER", "RECEIVER", "000011111")
    assert header.delimiters.component == "`" and header.isa[2] == ""


def test_gtl_inconsistent_element_separator_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="element separator after 'ISA' is ' '"):
        iter_x12(read("other/gtlx12__inconsistent-element-separator-isa-heading.edi"))


def test_vgi_truncated_yields_what_it_can() -> None:
    evs = events("other/vgix12__truncated.edi")
    ts = of(TransactionSet, evs)[0]
    assert ts.set_id == "837" and [s[0] for s in ts.segments] == ["ST", "NM1", "CLM"]
    assert ts.problems[0].message == "transaction set 0001 has no SE trailer: the interchange ends first"


def test_edinet_nbsp_padded_isa_with_tabs() -> None:
    evs = events("850/edinet__x12.850a.edi")
    header = evs[0]
    assert (header.sender_id, header.receiver_id) == ("000123456", "TEST2")
    ts = of(TransactionSet, evs)[0]
    assert ts.ok and ts.segments[1] == ["BEG", "00", "SA", "4600000406", "", "20140724"]


@pytest.mark.parametrize("name", [n for n in ORDERS + OTHERS if n not in EXPECTED_PARSE_ERRORS] or [None])
def test_bytes_and_a_mapped_file_read_as_the_decoded_text(name: str | None, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path) -> None:
    """Bytes are decoded a chunk at a time and a mapped file window by window: what is read
    is what the whole decoded text gives (small windows, so that every search crosses some)."""
    if name is None:
        require_corpus()
    data = read(name)
    whole = list(iter_x12(x12.decode_x12(data)))
    monkeypatch.setattr(x12, "WINDOW", mmap.PAGESIZE)
    assert list(iter_x12(data)) == whole
    path = tmp_path / "mapped.edi"
    path.write_bytes(data)
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert list(iter_x12(mapped)) == whole
