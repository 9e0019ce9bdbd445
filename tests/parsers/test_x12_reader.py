"""The X12 reader: delimiters, layout variants, envelopes, every problem code, streaming."""

from __future__ import annotations

import mmap
import random
from pathlib import Path
import tracemalloc

import pytest

from benchmarks.gen_850 import generate_850_interchange
from ordergate.errors import ParseError
from ordergate.parsers.x12 import reader as x12
from ordergate.parsers.x12.reader import decode_x12, iter_x12, read_delimiters
from ordergate.parsers.x12.types import (
    Delimiters,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    TransactionSet,
    X12Problem,
)


def isa(control: str = "000000001", *, elem: str = "*", comp: str = ">", term: str = "~",
        version: str = "00401", isa11: str = "U", sender: str = "SENDER", receiver: str = "RECEIVER") -> str:
    fields = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", receiver.ljust(15),
              "240101", "1200", isa11, version, control, "0", "P", comp]
    return elem.join(fields) + term


def interchange(*segments: str, control: str = "000000001", sep: str = "~\n") -> str:
    """An ISA with '*' '>' '~' and then ``segments`` (written with '*'), each ending with ``sep``."""
    return isa(control, term="~") + "\n" + "".join(s + sep for s in segments)


def order(control: str = "0001", *body: str, count: int | None = None, se_control: str | None = None) -> list[str]:
    body = body or ("BEG*00*SA*PO-1**20240101", "PO1*1*2*EA*3.5**VP*SKU-1")
    n = len(body) + 2 if count is None else count
    return [f"ST*850*{control}", *body, f"SE*{n}*{control if se_control is None else se_control}"]


def group(*sets: list[str], control: str = "1", ge_count: int | None = None,
          ge_control: str | None = None) -> list[str]:
    n = len(sets) if ge_count is None else ge_count
    return [f"GS*PO*SENDER*RECEIVER*20240101*1200*{control}*X*004010",
            *(s for st in sets for s in st), f"GE*{n}*{control if ge_control is None else ge_control}"]


def simple(*groups: list[str], iea: str = "IEA*{n}*000000001") -> str:
    return interchange(*(s for g in groups for s in g), iea.format(n=len(groups)))


def events(data: str | bytes) -> list:
    return list(iter_x12(data))


def of(kind: type, evs: list) -> list:
    return [e for e in evs if isinstance(e, kind)]


def problems(evs: list) -> list[X12Problem]:
    return [p for e in evs if isinstance(e, (TransactionSet, GroupEnd, InterchangeEnd)) for p in e.problems]


def codes(evs: list) -> list[tuple[str, str]]:
    return [(p.level, p.code) for p in problems(evs)]


# --------------------------------------------------------------------------- decoding
def test_decode_drops_bom_and_reads_utf8() -> None:
    assert decode_x12("\ufeffISA*Zürich".encode()) == "ISA*Zürich"


def test_decode_falls_back_to_latin1_instead_of_raising() -> None:
    assert decode_x12("ISA*Zürich".encode("latin-1")) == "ISA*Zürich"


# --------------------------------------------------------------------------- delimiters
def test_read_delimiters_standard_isa() -> None:
    text = isa() + "GS*PO"
    delims, end = read_delimiters(text)
    assert delims == Delimiters(element="*", component=">", repetition=None, segment="~")
    assert end == 106 and text[end:] == "GS*PO"


def test_read_delimiters_from_an_offset() -> None:
    text = "junk" + isa()
    assert read_delimiters(text, 4) == (Delimiters("*", ">", None, "~"), 110)


@pytest.mark.parametrize(("version", "isa11", "expected"), [
    ("00501", "^", "^"), ("00402", "!", "!"), ("00401", "U", None), ("00401", "^", None),
    ("00501", "U", None),
])
def test_repetition_separator_only_from_00402_and_not_alphanumeric(version, isa11, expected) -> None:
    delims, _ = read_delimiters(isa(version=version, isa11=isa11))
    assert delims.repetition == expected


def test_crlf_after_isa16_makes_lf_the_terminator() -> None:
    text = isa(term="\r\n") + "GS*PO"
    delims, end = read_delimiters(text)
    assert delims.segment == "\n"
    assert text[end:] == "GS*PO"


def test_control_character_delimiters() -> None:
    delims, _ = read_delimiters(isa(elem="\x1d", comp="@", term="\x1c"))
    assert (delims.element, delims.component, delims.segment) == ("\x1d", "@", "\x1c")


def test_multibyte_terminator() -> None:
    assert read_delimiters(isa(term="\u2026"))[0].segment == "\u2026"


def test_trimmed_isa_fields_are_tolerated() -> None:
    text = "ISA*00**00**ZZ*SENDER*ZZ*RECEIVER*240131*1100*U*00401*000011111*0*P*`~\nGS"
    delims, end = read_delimiters(text)
    assert (delims.component, delims.segment) == ("`", "~")
    assert text[end:] == "\nGS"


def test_nbsp_padding_is_stripped_from_isa_values() -> None:
    text = isa(sender="ACME" + "\xa0" * 11)
    header = events(text + "IEA*0*000000001~")[0]
    assert header.sender_id == "ACME"


def test_isa_wrapped_across_lines_is_read() -> None:
    text = isa()
    wrapped = text[:80] + "\n" + text[80:] + "\nIEA*0*000000001~"
    evs = events(wrapped)
    assert evs[0].isa[10] == "1200" and evs[0].control_number == "000000001"
    assert not problems(evs)


def test_space_padding_before_a_line_break_makes_the_line_break_the_terminator() -> None:
    text = isa(term=" \r\n") + "  GS*PO*A B*C D*20240101*1200*1*X*004010 \r\n" + "IEA*1*000000001"
    delims, _ = read_delimiters(text)
    assert delims.segment == "\n"
    gs = of(GroupHeader, events(text))[0]
    assert gs.sender_code == "A B" and gs.receiver_code == "C D"


@pytest.mark.parametrize(("text", "reason"), [
    ("ISA 00*", "element separator"),
    ("ISAA00A", "element separator"),
    ("ISA*00*          *00*          *ZZ*SENDER~", "not 16"),
    ("ISA*00**00**ZZ*SENDER*ZZ*RECEIVER*240131*1100*U*00401*000011111*0*P*>*", "also used"),
    ("ISA*00**00**ZZ*SENDER*ZZ*RECEIVER*240131*1100*U*00401*000011111*0*P*>G", "letter or digit"),
    ("ISA*00**00**ZZ*SENDER*ZZ*RECEIVER*240131*1100*U*00401*000011111*0*P*>", "ends before"),
    ("ISA*00**00**ZZ*SENDER*ZZ*RECEIVER*240131~\nGS*PO*A*B*20240101*1200*1*X*004010~", "before the GS"),
    ("ISA*00*a very long value that is no ISA field*00", "too long"),
    ("UNB+UNOC:3", "found 'UNB"),
])
def test_unreadable_isa_raises_parse_error_with_position(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        read_delimiters(text)
    assert reason in str(info.value)
    assert info.value.position == 1 and info.value.segment_id == "ISA"


def test_missing_isa16_with_tilde_terminated_lines() -> None:
    # ISA ends "*P*~" + LF and every segment ends "~" + LF: "~" is the terminator, not ISA16.
    head = isa(comp="~", term="\n")
    body = ("GS*PO*A*B*20240101*1200*1*X*004010~\nST*850*0001~\nBEG*00*SA*1**20240101~\nSE*3*0001~\n"
            "GE*1*1~\nIEA*1*000000001~\n")
    assert read_delimiters(head + body)[1] == len(head) - 1  # just after the "~"
    evs = events(head + body)
    header = evs[0]
    assert header.delimiters.segment == "~" and header.delimiters.component not in "*~"
    assert header.isa[16] == ""
    ts = of(TransactionSet, evs)[0]
    assert ts.segments[1] == ["BEG", "00", "SA", "1", "", "20240101"] and ts.ok
    assert codes(evs) == [("interchange", "027")]
    assert "ISA16" in problems(evs)[0].message


def test_component_separator_that_ends_a_line_as_an_element_is_kept() -> None:
    head = isa(elem=">", comp="+", term="\r\n", version="00501", isa11="^")
    text = head + "TA1>900000001>100624>1430>R>006>+\r\nIEA>0>000000001"
    evs = events(text)
    assert evs[0].delimiters == Delimiters(">", "+", "^", "\n")
    assert not problems(evs)


# --------------------------------------------------------------------------- not X12
@pytest.mark.parametrize("data", [b"UNB+UNOC:3+SENDER+RECEIVER'", b"", b"   \n", b"\xef\xbb\xbf%PDF-1.4"])
def test_data_that_is_not_x12_raises_at_once(data: bytes) -> None:
    with pytest.raises(ParseError, match="not an X12 interchange"):
        iter_x12(data)  # raised on the call, before any iteration


def test_unb_message_names_what_was_found() -> None:
    with pytest.raises(ParseError, match="expected ISA at the start, found 'UNB\\+UNOC"):
        iter_x12(b"UNB+UNOC:3+X")


# --------------------------------------------------------------------------- structure
def test_one_interchange_in_file_order() -> None:
    evs = events(simple(group(order("0001"), order("0002"))))
    assert [type(e).__name__ for e in evs] == [
        "InterchangeHeader", "GroupHeader", "TransactionSet", "TransactionSet", "GroupEnd", "InterchangeEnd"]
    header, gs, first, second, ge, iea = evs
    assert header.sender_id == "SENDER" and header.receiver_qualifier == "ZZ" and header.position == 1
    assert header.isa[2] == "" and header.version == "00401"
    assert gs.functional_id == "PO" and gs.control_number == "1" and gs.position == 2
    assert gs.interchange is header
    assert first.set_id == "850" and first.control_number == "0001" and first.position == 3
    assert first.segments == [["ST", "850", "0001"], ["BEG", "00", "SA", "PO-1", "", "20240101"],
                              ["PO1", "1", "2", "EA", "3.5", "", "VP", "SKU-1"], ["SE", "4", "0001"]]
    assert first.group is gs and second.position == 7
    assert ge.transaction_count == 2 and ge.group is gs
    assert iea.group_count == 1 and iea.interchange is header
    assert not problems(evs)


def test_several_groups_and_interchanges_with_their_own_delimiters() -> None:
    first = simple(group(order("0001"), control="1"), group(order("0002"), order("0003"), control="2"))
    second = (isa("000000002", elem="|", comp=":", term="\n", version="00501", isa11="^")
              + "GS|IN|A|B|20240101|1200|7|X|005010\nST|810|0001\nBIG|20240101|INV-1\nSE|3|0001\n"
              + "GE|1|7\nIEA|1|000000002\n")
    evs = events(first + second)
    headers = of(InterchangeHeader, evs)
    assert [h.control_number for h in headers] == ["000000001", "000000002"]
    assert headers[1].delimiters == Delimiters("|", ":", "^", "\n")
    assert headers[1].position == 1 + 18  # the first interchange has 18 segments
    sets = of(TransactionSet, evs)
    assert [(t.set_id, t.control_number, t.group.control_number) for t in sets] == [
        ("850", "0001", "1"), ("850", "0002", "2"), ("850", "0003", "2"), ("810", "0001", "7")]
    assert sets[3].segments[1] == ["BIG", "20240101", "INV-1"] and sets[3].position == 3
    assert [e.group_count for e in of(InterchangeEnd, evs)] == [2, 1]
    assert not problems(evs)


SEGMENTS = ["GS*PO*SENDER*RECEIVER*20240101*1200*1*X*004010", "ST*850*0001",
            "N1*ST*ACME WAREHOUSE 7*92*0007", "PO1*1*2*EA*3.5**VP*SKU-1", "SE*4*0001", "GE*1*1",
            "IEA*1*000000001"]


@pytest.mark.parametrize(("head_term", "layout"), [
    ("~", lambda segs: "~".join(segs) + "~"),
    ("~", lambda segs: "".join(s + "~\n" for s in segs)),
    ("~", lambda segs: "".join(s + "~\r\n" for s in segs)),
    ("~", lambda segs: "".join("\t  " + s + "  ~ \r\n\n" for s in segs) + "\n\n  "),
    ("\n", lambda segs: "\n".join(segs) + "\n"),
    ("\r\n", lambda segs: "\r\n".join(segs) + "\r\n"),
    ("\n", lambda segs: "".join("    " + s + "\n\n" for s in segs)),
    ("~", lambda segs: "~~".join(segs)),
], ids=["packed", "lf", "crlf", "indented", "lf-terminator", "crlf-terminator", "lf-indented", "empty-segments"])
def test_layout_variants_read_the_same(head_term, layout) -> None:
    text = "\ufeff\r\n  " + isa(term=head_term) + layout(SEGMENTS)
    evs = events(text)
    ts = of(TransactionSet, evs)[0]
    assert ts.segments == [["ST", "850", "0001"], ["N1", "ST", "ACME WAREHOUSE 7", "92", "0007"],
                           ["PO1", "1", "2", "EA", "3.5", "", "VP", "SKU-1"], ["SE", "4", "0001"]]
    assert ts.position == 3
    assert not problems(evs)


def test_wrapped_at_80_columns_removes_the_line_breaks() -> None:
    text = isa() + "~".join(SEGMENTS) + "~"
    wrapped = "\n".join(text[i:i + 80] for i in range(0, len(text), 80))
    evs = events(wrapped)
    assert of(TransactionSet, evs)[0].segments[1] == ["N1", "ST", "ACME WAREHOUSE 7", "92", "0007"]
    assert not problems(evs)


def test_bytes_and_str_give_the_same_events() -> None:
    text = simple(group(order("0001", "N1*ST*MÜNCHEN*92*1")))
    from_bytes = of(TransactionSet, events(text.encode("utf-8")))[0]
    assert from_bytes.segments[1] == ["N1", "ST", "MÜNCHEN", "92", "1"]
    assert from_bytes.segments == of(TransactionSet, events(text))[0].segments


def test_isa_inside_data_does_not_start_an_interchange() -> None:
    evs = events(simple(group(order("0001", "N1*ST*VISA*92*ISA", "PID*F****ISA*X"))))
    assert len(of(InterchangeHeader, evs)) == 1 and not problems(evs)


def test_ta1_and_interchange_services_segments_outside_groups_are_fine() -> None:
    evs = events(interchange("TA1*000000050*200229*1200*A*000", "ISB*1", *group(order()), "IEA*1*000000001"))
    assert len(of(TransactionSet, evs)) == 1 and not problems(evs)


def test_ta1_only_interchange_counted_in_iea01_is_tolerated() -> None:
    assert not problems(events(interchange("TA1*000000050*200229*1200*A*000", "IEA*1*000000001")))
    assert not problems(events(interchange("TA1*000000050*200229*1200*A*000", "IEA*0*000000001")))


def test_control_numbers_compare_as_numbers_in_group_and_interchange_trailers() -> None:
    evs = events(simple(group(order(), control="0042", ge_control="42"), iea="IEA*{n}*1"))
    assert not problems(evs)


# --------------------------------------------------------------------------- transaction problems
def only_problem(evs: list) -> X12Problem:
    found = problems(evs)
    assert len(found) == 1, found
    return found[0]


def test_se_missing_when_next_st_comes_first_code_2() -> None:
    broken = order("0001")[:-1]
    evs = events(simple(group(broken, order("0002"))))
    first, second = of(TransactionSet, evs)
    p = only_problem(evs)
    assert first.problems == [p] and second.ok
    assert (p.level, p.code, p.segment_id, p.position) == ("transaction", "2", "SE", 6)
    assert p.segment_position_in_set == 4 and p.transaction_control == "0001"
    assert p.group_control == "1" and p.interchange_control == "000000001"
    assert "ST at position 6 came first" in p.message
    assert first.segments == [["ST", "850", "0001"], ["BEG", "00", "SA", "PO-1", "", "20240101"],
                              ["PO1", "1", "2", "EA", "3.5", "", "VP", "SKU-1"]]


@pytest.mark.parametrize("came", ["GE", "IEA"])
def test_se_missing_when_group_or_interchange_ends_code_2(came: str) -> None:
    segs = order("0001")[:-1]
    if came == "GE":
        text = interchange("GS*PO*S*R*20240101*1200*1*X*004010", *segs, "GE*1*1", "IEA*1*000000001")
    else:
        text = interchange("GS*PO*S*R*20240101*1200*1*X*004010", *segs, "IEA*1*000000001")
    evs = events(text)
    ts = of(TransactionSet, evs)[0]
    assert [p.code for p in ts.problems] == ["2"]
    assert f"{came} at position 6 came first" in ts.problems[0].message
    if came == "IEA":
        assert codes(evs) == [("transaction", "2"), ("group", "3")]


def test_se02_differs_from_st02_code_3() -> None:
    evs = events(simple(group(order("0001", se_control="0009"))))
    p = only_problem(evs)
    assert (p.level, p.code, p.position, p.segment_id, p.bad_value) == ("transaction", "3", 6, "SE", "0009")
    assert p.segment_position_in_set == 4
    assert p.message == "SE02 '0009' does not match ST02 '0001'"


@pytest.mark.parametrize(("count", "wording"), [(12, "SE01 says 12 segments but the transaction set has 4"),
                                                ("X", "SE01 says X segments"), ("", "SE01 (number of included")])
def test_se01_count_wrong_code_4(count, wording) -> None:
    evs = events(simple(group(order("0001", count=count))))
    p = only_problem(evs)
    assert (p.level, p.code, p.position, p.segment_id) == ("transaction", "4", 6, "SE")
    assert wording in p.message


@pytest.mark.parametrize(("st", "code", "element_code"), [
    ("ST**0001", "6", "1"), ("ST*85X*0001", "6", "7"), ("ST*8500*0001", "6", "7"),
    ("ST*850", "7", "1"), ("ST*850*01", "7", "4"), ("ST*850*0123456789", "7", "5"),
])
def test_invalid_st01_or_st02_codes_6_and_7(st: str, code: str, element_code: str) -> None:
    control = st.split("*")[2] if st.count("*") == 2 else ""
    text = interchange("GS*PO*S*R*20240101*1200*1*X*004010", st, "BEG*00*SA*1**20240101",
                       f"SE*3*{control}", "GE*1*1", "IEA*1*000000001")
    p = only_problem(events(text))
    assert (p.level, p.code, p.position, p.segment_id) == ("transaction", code, 3, "ST")
    assert p.segment_position_in_set == 1 and p.segment_code == "8"
    assert p.element_position == (1 if code == "6" else 2) and p.element_code == element_code


def test_duplicate_st02_within_a_group_code_23() -> None:
    evs = events(simple(group(order("0001"), order("0002"), order("0001"))))
    sets = of(TransactionSet, evs)
    assert sets[0].ok and sets[1].ok
    p = only_problem(evs)
    assert sets[2].problems == [p]
    assert (p.code, p.position, p.segment_id, p.transaction_control) == ("23", 11, "ST", "0001")


def test_same_st02_in_different_groups_is_fine() -> None:
    assert not problems(events(simple(group(order("0001"), control="1"), group(order("0001"), control="2"))))


def test_one_bad_set_does_not_sink_its_neighbours() -> None:
    evs = events(simple(group(order("0001"), order("0002", count=99), order("0003"))))
    assert [t.ok for t in of(TransactionSet, evs)] == [True, False, True]
    assert codes(evs) == [("transaction", "4")]


# --------------------------------------------------------------------------- group problems
def test_ge_missing_code_3() -> None:
    text = interchange("GS*PO*S*R*20240101*1200*1*X*004010", *order(), "IEA*1*000000001")
    evs = events(text)
    end = of(GroupEnd, evs)[0]
    assert [(p.level, p.code, p.position, p.segment_id) for p in end.problems] == [("group", "3", 7, "GE")]
    assert end.transaction_count == 1 and of(TransactionSet, evs)[0].ok


def test_ge_missing_when_next_gs_comes_first_code_3() -> None:
    text = interchange("GS*PO*S*R*20240101*1200*1*X*004010", *order(),
                       *group(order(), control="2"), "IEA*2*000000001")
    evs = events(text)
    ends = of(GroupEnd, evs)
    assert [p.code for p in ends[0].problems] == ["3"] and not ends[1].problems
    assert "GS at position 7 came first" in ends[0].problems[0].message


def test_ge02_differs_from_gs06_code_4() -> None:
    p = only_problem(events(simple(group(order(), control="5", ge_control="6"))))
    assert (p.level, p.code, p.position, p.segment_id, p.group_control) == ("group", "4", 7, "GE", "5")
    assert p.message == "GE02 '6' does not match GS06 '5'"


def test_ge01_count_wrong_code_5() -> None:
    p = only_problem(events(simple(group(order(), ge_count=3))))
    assert (p.level, p.code, p.position, p.bad_value) == ("group", "5", 7, "3")
    assert p.message == "GE01 says 3 transaction sets but the group has 1"


def test_gs06_not_numeric_code_6() -> None:
    p = only_problem(events(simple(group(order(), control="A1"))))
    assert (p.level, p.code, p.position, p.segment_id) == ("group", "6", 2, "GS")


# --------------------------------------------------------------------------- interchange problems
def test_iea02_differs_from_isa13_code_001() -> None:
    p = only_problem(events(simple(group(order()), iea="IEA*{n}*000000002")))
    assert (p.level, p.code, p.position, p.segment_id, p.interchange_control) == (
        "interchange", "001", 8, "IEA", "000000001")
    assert p.message == "IEA02 '000000002' does not match ISA13 '000000001'"


def test_iea01_count_wrong_code_021() -> None:
    p = only_problem(events(simple(group(order()), iea="IEA*2*000000001")))
    assert (p.level, p.code, p.position) == ("interchange", "021", 8)
    assert p.message == "IEA01 says 2 functional groups but the interchange has 1"


def test_iea_missing_at_end_of_file_code_023() -> None:
    text = interchange(*group(order()))
    evs = events(text)
    assert isinstance(evs[-1], InterchangeEnd)
    p = only_problem(evs)
    assert (p.level, p.code, p.position, p.segment_id) == ("interchange", "023", 8, "IEA")
    assert "the file ends after position 7" in p.message


def test_iea_missing_before_next_isa_code_023_and_next_interchange_read() -> None:
    text = interchange(*group(order())) + simple(group(order())).replace("000000001", "000000002")
    evs = events(text)
    ends = of(InterchangeEnd, evs)
    assert [p.code for p in ends[0].problems] == ["023"] and not ends[1].problems
    assert "next ISA" in ends[0].problems[0].message
    assert len(of(TransactionSet, evs)) == 2


def test_truncated_file_yields_what_it_can() -> None:
    text = interchange("GS*PO*S*R*20240101*1200*1*X*004010", "ST*850*0001") + "BEG*00*SA*1*"
    evs = events(text)
    ts = of(TransactionSet, evs)[0]
    assert ts.segments == [["ST", "850", "0001"], ["BEG", "00", "SA", "1", ""]]
    assert codes(evs) == [("transaction", "2"), ("group", "3"), ("interchange", "023")]
    assert all(p.position == 5 for p in problems(evs))


def test_segments_outside_a_transaction_set_code_024() -> None:
    text = interchange("GS*PO*S*R*20240101*1200*1*X*004010", "N1*ST*LOST", "N3*STREET", *order(),
                       "GE*1*1", "IEA*1*000000001")
    evs = events(text)
    p = only_problem(evs)
    assert (p.level, p.code, p.position, p.segment_id, p.group_control) == ("interchange", "024", 3, "N1", "1")
    assert p.message == "2 segments from 'N1' at position 3 on are outside any transaction set"
    assert of(TransactionSet, evs)[0].ok


def test_garbage_after_the_last_iea_code_024_but_trailing_whitespace_is_fine() -> None:
    clean = simple(group(order()))
    assert not problems(events(clean + "\n\r\n  \t\n"))
    evs = events(clean + "garbage here\n")
    p = only_problem(evs)
    assert (p.code, p.position, p.segment_id) == ("024", 9, "garbage here")
    assert "after the IEA trailer" in p.message
    assert of(InterchangeEnd, evs)[0].problems == [p]


@pytest.mark.parametrize(("segments", "message"), [
    (["ST*850*0001", "SE*2*0001"], "outside any functional group"),
    (["SE*2*0001"], "ends no transaction set"),
    (["GE*0*1"], "ends no functional group"),
])
def test_control_structure_errors_code_022(segments: list[str], message: str) -> None:
    evs = events(interchange(*segments, "IEA*0*000000001"))
    p = only_problem(evs)
    assert (p.level, p.code, p.position) == ("interchange", "022", 2)
    assert message in p.message
    assert not of(TransactionSet, evs)  # a set outside a group is not handed on


def test_unreadable_second_isa_is_a_problem_not_an_exception() -> None:
    text = simple(group(order())) + "ISA*00*broken~"
    evs = events(text)
    assert len(of(InterchangeHeader, evs)) == 1
    p = only_problem(evs)
    assert (p.code, p.position, p.segment_id) == ("024", 9, "ISA") and "cannot be read" in p.message


def test_problem_str_is_readable() -> None:
    p = only_problem(events(simple(group(order("0001", count=12)))))
    assert str(p) == ("SE01 says 12 segments but the transaction set has 4 "
                      "(segment SE, position 6, ISA13 000000001, GS06 1, ST02 0001)")


def test_mutated_input_never_raises_anything_but_parse_error() -> None:
    base = simple(group(order("0001"), order("0002")), group(order("0003"), control="2"))
    rng = random.Random(7)
    alphabet = "*~>^\n\r ISAGSTEI0123"
    for _ in range(400):
        chars = list(base)
        for _ in range(rng.randrange(1, 6)):
            at = rng.randrange(len(chars))
            action = rng.randrange(3)
            if action == 0:
                del chars[at]
            elif action == 1:
                chars.insert(at, rng.choice(alphabet))
            else:
                chars[at] = rng.choice(alphabet)
        try:
            evs = events("".join(chars))
        except ParseError:
            continue
        assert isinstance(evs[0], InterchangeHeader) and isinstance(evs[-1], InterchangeEnd)


# --------------------------------------------------------------------------- chunks and streaming
def test_chunk_size_does_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (simple(group(order("0001"), order("0002", count=9), order("0003")[:-1]),
                   group(order("0004"), control="2", ge_count=5))
            + "N1*AFTER~\n" + simple(group(order("0005"))).replace("000000001", "000000002"))
    whole = events(text)
    assert len(of(TransactionSet, whole)) == 5 and problems(whole)
    for size in (1, 7, 50, 200):
        monkeypatch.setattr(x12, "CHUNK_SIZE", size)
        assert events(text) == whole, size


@pytest.fixture(scope="module")
def big_text() -> str:
    return generate_850_interchange(6000, lines_per_order=10).decode("ascii")  # about 6 MB


def test_big_interchange_is_read_in_chunks_with_bounded_memory(big_text: str) -> None:
    text = big_text
    assert len(text) > 5 * x12.CHUNK_SIZE
    tracemalloc.start()
    try:
        sets = 0
        for event in iter_x12(text):
            sets += isinstance(event, TransactionSet)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sets == 6000
    # Split all at once, 6 MB of segments take well over 60 MB; a chunk's worth is far less.
    assert peak < 30_000_000, peak


def test_first_event_arrives_before_the_input_is_read(big_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = big_text
    split_so_far = []
    real_split = x12._split_chunk

    def counting_split(chunk: str, term: str, elem: str):
        split_so_far.append(len(chunk))
        return real_split(chunk, term, elem)

    monkeypatch.setattr(x12, "_split_chunk", counting_split)
    it = iter_x12(text)
    first_set = next(e for e in it if isinstance(e, TransactionSet))
    assert first_set.control_number == "0001"
    assert 0 < sum(split_so_far) <= x12.CHUNK_SIZE + 2000 < len(text) / 4
    assert sum(1 for e in it if isinstance(e, TransactionSet)) == 5999
    assert sum(split_so_far) == len(text) - 106  # everything after the ISA, once


# ------------------------------------------------------------------ bytes and mapped files
def _big_interchange(sets: int) -> bytes:
    head = (b"ISA*00*          *00*          *ZZ*ACME           *ZZ*ORDERGATE      *240301*0930*U*"
            b"00401*000000001*0*P*>~GS*PO*ACME*ORDERGATE*20240301*0930*1*X*004010~")
    body = b"".join(b"ST*850*%04d~BEG*00*SA*PO%06d**20240301~" % (n % 10000, n)
                    + b"PO1*1*10*EA*1.5**VP*" + b"X" * 900 + b"~SE*4*%04d~" % (n % 10000)
                    for n in range(1, sets + 1))
    return head + body + b"GE*%d*1~IEA*1*000000001~" % sets


def _rss_file_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1])
    raise AssertionError("no RssFile in /proc/self/status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_mapped_interchange_is_read_without_keeping_its_pages(tmp_path):
    """A 50 MB file read through mmap: the pages behind the reader are given back, so the
    process never maps much more than a few windows of it at once."""
    path = tmp_path / "big.edi"
    path.write_bytes(_big_interchange(50_000))
    size = path.stat().st_size
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        before = _rss_file_kb()
        peak, sets = 0, 0
        for event in iter_x12(mapped):
            if isinstance(event, TransactionSet):
                sets += 1
                if sets % 500 == 0:
                    peak = max(peak, _rss_file_kb() - before)
    assert sets == 50_000
    assert size > 45 * 1024 * 1024 and peak * 1024 < 4 * x12.WINDOW, (peak, size)


def test_bytes_that_are_not_utf8_are_read_as_latin1_and_a_bom_is_skipped():
    text = ("ISA*00*          *00*          *ZZ*ACME           *ZZ*ORDERGATE      *240301*0930*U*"
            "00401*000000001*0*P*>~GS*PO*ACME*ORDERGATE*20240301*0930*1*X*004010~"
            "ST*850*0001~BEG*00*SA*PO-\u00e9**20240301~SE*3*0001~GE*1*1~IEA*1*000000001~")
    for data in (text.encode("latin-1"), b"\xef\xbb\xbf" + text.encode("utf-8"),
                 b" \r\n" + text.encode("utf-8")):
        [tx] = [e for e in iter_x12(data) if isinstance(e, TransactionSet)]
        assert tx.segments[1][3] == "PO-\u00e9" and not tx.problems


def test_a_utf8_head_that_is_not_ascii_is_read_as_whole_text():
    # a multi-byte character inside the fixed-width ISA: its width counts in characters
    text = ("ISA*00*          *00*          *ZZ*ACM\u00c9           *ZZ*ORDERGATE      *240301*0930*U*"
            "00401*000000001*0*P*>~GS*PO*ACME*ORDERGATE*20240301*0930*1*X*004010~"
            "ST*850*0001~BEG*00*SA*PO-1**20240301~SE*3*0001~GE*1*1~IEA*1*000000001~")
    assert list(iter_x12(text.encode("utf-8"))) == list(iter_x12(text))
