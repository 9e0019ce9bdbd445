"""The X12 writer: fixed-width ISA, envelopes and counts, cleaning of values, round trips."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from benchmarks.gen_850 import generate_850_interchange
from ordergate.parsers.x12.reader import iter_x12
from ordergate.parsers.x12.types import (
    Delimiters,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    TransactionSet,
)
from ordergate.parsers.x12.writer import (
    OutGroup,
    OutInterchange,
    OutTransaction,
    write_interchange,
)

WHEN = datetime(2024, 7, 4, 8, 5)
PLAIN = Delimiters(element="*", component=">", repetition=None, segment="~")


def make(*groups: OutGroup, **kwargs) -> OutInterchange:
    fields = {"sender": ("ZZ", "ORDERGATE"), "receiver": ("01", "123456789"), "control_number": 42,
              "timestamp": WHEN, **kwargs}
    return OutInterchange(groups=list(groups), **fields)


def po_group(*transactions: OutTransaction, control: int = 7, version: str = "004010") -> OutGroup:
    return OutGroup(functional_id="PO", sender_code="ORDERGATE", receiver_code="BUYER",
                    control_number=control, version=version, transactions=list(transactions))


def tx(control: int = 1, *segments: list[str]) -> OutTransaction:
    return OutTransaction(set_id="855", control_number=control,
                          segments=list(segments) or [["BAK", "00", "AC", "PO-1", "20240704"]])


def lines(text: str) -> list[str]:
    return text.splitlines()


def read_back(text: str) -> list:
    events = list(iter_x12(text))
    found = [p for e in events if isinstance(e, (TransactionSet, GroupEnd, InterchangeEnd)) for p in e.problems]
    assert not found, [str(p) for p in found]
    return events


# --------------------------------------------------------------------------- layout
def test_isa_is_106_characters_with_padded_fixed_width_fields() -> None:
    isa = lines(write_interchange(make(po_group(tx()))))[0]
    assert len(isa) == 106
    assert isa == ("ISA*00*          *00*          *ZZ*ORDERGATE      *01*123456789      "
                   "*240704*0805*U*00401*000000042*0*P*>~")
    widths = [len(v) for v in isa[:-1].split("*")[1:]]
    assert widths == [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]


def test_whole_interchange_with_counts_and_control_numbers() -> None:
    text = write_interchange(make(po_group(tx(1), tx(23456, ["BAK", "00", "AC", "PO-2", "20240704"],
                                                    ["N1", "ST", "DOCK 4"]))))
    assert lines(text)[1:] == [
        "GS*PO*ORDERGATE*BUYER*20240704*0805*7*X*004010~",
        "ST*855*0001~", "BAK*00*AC*PO-1*20240704~", "SE*3*0001~",
        "ST*855*23456~", "BAK*00*AC*PO-2*20240704~", "N1*ST*DOCK 4~", "SE*4*23456~",
        "GE*2*7~",
        "IEA*1*000000042~",
    ]
    assert text.endswith("~\n")


def test_version_00501_puts_the_repetition_separator_in_isa11() -> None:
    delims = Delimiters(element="*", component=":", repetition="^", segment="~")
    isa = lines(write_interchange(make(po_group(tx()), delimiters=delims, version="00501")))[0]
    assert isa.split("*")[11:13] == ["^", "00501"] and isa.endswith("*:~")


def test_default_delimiters_before_00402_write_u() -> None:
    isa = write_interchange(make(po_group(tx())))[:106]
    assert isa.split("*")[11] == "U"


def test_usage_ack_requested_and_st03() -> None:
    t = OutTransaction(set_id="997", control_number=5, segments=[["AK1", "PO", "7"]],
                       implementation_ref="005010X231A1")
    text = write_interchange(make(po_group(t), usage="T", ack_requested="1"))
    isa = lines(text)[0].split("*")
    assert isa[14:16] == ["1", "T"]
    assert "ST*997*0005*005010X231A1~" in lines(text)


def test_trailing_empty_elements_are_dropped() -> None:
    text = write_interchange(make(po_group(tx(1, ["PO1", "1", "2", "EA", "", "", "", ""], ["N9", "", "", ""]))))
    assert "PO1*1*2*EA~" in lines(text) and "N9~" in lines(text)


def test_values_with_delimiters_are_cleaned_not_corrupting() -> None:
    seg = ["PID", "F", "", "", "", "BOLT 3*4~5>6 \r\nLONG  "]
    text = write_interchange(make(po_group(tx(1, seg))))
    assert "PID*F****BOLT 3 4 5 6   LONG~" in lines(text)
    sets = [e for e in read_back(text) if isinstance(e, TransactionSet)]
    assert sets[0].segments[1] == ["PID", "F", "", "", "", "BOLT 3 4 5 6   LONG"]


def test_repetition_separator_is_reserved_only_when_the_version_uses_it() -> None:
    seg = ["MSG", "A^B"]
    old = write_interchange(make(po_group(tx(1, seg))))
    new = write_interchange(make(po_group(tx(1, seg)), version="00501",
                                 delimiters=Delimiters("*", ":", "^", "~")))
    assert "MSG*A^B~" in lines(old) and "MSG*A B~" in lines(new)


def test_composite_elements_are_joined_with_the_component_separator() -> None:
    text = write_interchange(make(po_group(tx(1, ["SLN", "1", "", "I", "4", ("EA", "12", "")]))))
    assert "SLN*1**I*4*EA>12~" in lines(text)


def test_extra_segments_go_between_isa_and_gs() -> None:
    ta1 = ["TA1", "000000123", "240703", "1200", "A", "000"]
    text = write_interchange(make(po_group(tx()), extra_segments=[ta1]))
    assert lines(text)[1:3] == ["TA1*000000123*240703*1200*A*000~",
                                "GS*PO*ORDERGATE*BUYER*20240704*0805*7*X*004010~"]
    read_back(text)


def test_ta1_only_interchange() -> None:
    text = write_interchange(make(extra_segments=[["TA1", "000000123", "240703", "1200", "R", "006"]]))
    assert lines(text)[1:] == ["TA1*000000123*240703*1200*R*006~", "IEA*0*000000042~"]
    read_back(text)


def test_without_line_breaks_and_with_a_newline_terminator() -> None:
    assert "\n" not in write_interchange(make(po_group(tx()), line_break=False))
    nl = write_interchange(make(po_group(tx()), delimiters=Delimiters("*", ">", None, "\n")))
    assert "\n\n" not in nl and lines(nl)[2] == "ST*855*0001"


def test_timestamp_defaults_to_now() -> None:
    text = write_interchange(make(po_group(tx()), timestamp=None))
    year = datetime.now().year
    assert lines(text)[1].split("*")[4][:4] in {str(year), str(year + 1), str(year - 1)}


# --------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(("change", "message"), [
    ({"sender": ("ZZ", "A" * 16)}, "ISA06"),
    ({"sender": ("ZZZ", "A")}, "ISA05"),
    ({"receiver": ("ZZ", "")}, "ISA08"),
    ({"control_number": 0}, "ISA13"),
    ({"control_number": 1_000_000_000}, "ISA13"),
    ({"control_number": "42"}, "ISA13"),
    ({"version": "4010"}, "ISA12"),
    ({"usage": "PP"}, "ISA15"),
    ({"sender": ("ZZ", "A*B")}, "delimiter"),
    ({"version": "00501", "delimiters": PLAIN}, "repetition separator"),
    ({"delimiters": Delimiters("*", "*", None, "~")}, "must all differ"),
    ({"delimiters": Delimiters("A", ">", None, "~")}, "letter, digit or space"),
    ({"delimiters": Delimiters("*", ">", None, "~~")}, "one character"),
])
def test_envelope_values_that_do_not_fit_raise(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_interchange(make(po_group(tx()), **change))


@pytest.mark.parametrize(("group", "message"), [
    (OutGroup("PO", "A" * 16, "B", 1), "GS02"),
    (OutGroup("PO", "A~B", "BB", 1), "delimiter"),
    (OutGroup("PO", "AA", "BB", -1), "GS06"),
    (OutGroup("PO", "AA", "BB", 1, transactions=[OutTransaction("85", 1, [])]), "ST01"),
    (OutGroup("PO", "AA", "BB", 1, transactions=[OutTransaction("850", 10**9, [])]), "ST02"),
    (OutGroup("PO", "AA", "BB", 1, transactions=[OutTransaction("850", 1, [["", "X"]])]), "segment id"),
])
def test_group_and_transaction_values_that_do_not_fit_raise(group: OutGroup, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_interchange(make(group))


# --------------------------------------------------------------------------- round trips
ROUND_TRIP_DELIMITERS = [
    ("00401", Delimiters("*", ">", None, "~")),
    ("00401", Delimiters("|", ":", None, "~")),
    ("00501", Delimiters("*", ":", "^", "~")),
    ("00501", Delimiters("|", "\\", "^", "\n")),
    ("00401", Delimiters("\x1d", "@", None, "\x1c")),
    ("00401", Delimiters("~", ">", None, "*")),
]


@pytest.mark.parametrize(("version", "delims"), ROUND_TRIP_DELIMITERS, ids=repr)
@pytest.mark.parametrize("line_break", [True, False])
def test_round_trip_reads_back_identical_elements(version: str, delims: Delimiters, line_break: bool) -> None:
    segments = [["BAK", "00", "AC", "PO-1", "20240704"], ["N1", "ST", "DOCK 4", "92", "0004"],
                ["PO1", "1", "2", "EA", "9.95", "", "VP", "SKU-1"], ["CTT", "1"]]
    groups = [po_group(tx(1, *segments), tx(2, *segments[:2]), control=7, version="005010"),
              OutGroup("FA", "ORDERGATE", "BUYER", 8,
                       transactions=[OutTransaction("997", 3, [["AK1", "PO", "7"]])])]
    ic = make(*groups, delimiters=delims, version=version, line_break=line_break,
              extra_segments=[["TA1", "000000001", "240703", "1200", "A", "000"]])
    events = read_back(write_interchange(ic))

    header = events[0]
    assert isinstance(header, InterchangeHeader)
    assert header.delimiters == (delims if version >= "00402" else Delimiters(delims.element, delims.component,
                                                                                None, delims.segment))
    assert (header.sender_qualifier, header.sender_id) == ic.sender
    assert (header.receiver_qualifier, header.receiver_id) == ic.receiver
    assert header.control_number == "000000042" and header.version == version
    gs = [e for e in events if isinstance(e, GroupHeader)]
    assert [(g.functional_id, g.control_number, g.version) for g in gs] == [
        ("PO", "7", "005010"), ("FA", "8", "004010")]
    sets = [e for e in events if isinstance(e, TransactionSet)]
    assert [s.segments[1:-1] for s in sets] == [segments, segments[:2], [["AK1", "PO", "7"]]]
    assert [(s.set_id, s.control_number) for s in sets] == [("855", "0001"), ("855", "0002"), ("997", "0003")]
    assert events[-1].group_count == 2


def test_round_trip_of_random_values_including_delimiters() -> None:
    rng = random.Random(3)
    alphabet = "ABCxyz0189 .,-/#&'()*~>^|:\\\r\n\t"
    delims = Delimiters("*", ":", "^", "~")
    for _ in range(50):
        segments = [[rng.choice(["N1", "N3", "MSG", "REF", "PID"]),
                     *("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
                       for _ in range(rng.randrange(1, 8)))] for _ in range(rng.randrange(1, 10))]
        text = write_interchange(make(po_group(tx(1, *segments)), delimiters=delims, version="00501"))
        sets = [e for e in read_back(text) if isinstance(e, TransactionSet)]
        expected = [_cleaned(seg, "*:^~\r\n") for seg in segments]
        assert sets[0].segments[1:-1] == expected


def _cleaned(seg: list[str], reserved: str) -> list[str]:
    values = [seg[0], *("".join(" " if c in reserved else c for c in v).rstrip(" \t") for v in seg[1:])]
    while len(values) > 1 and not values[-1]:
        values.pop()
    return values


def test_generated_benchmark_interchange_reads_back_clean() -> None:
    data = generate_850_interchange(25, lines_per_order=3, isa_control=9, po_prefix="T")
    events = read_back(data.decode("ascii"))
    sets = [e for e in events if isinstance(e, TransactionSet)]
    assert len(sets) == 25 and all(s.set_id == "850" for s in sets)
    assert data[:106].decode().split("*")[13] == "000000009"
    first = sets[0].segments
    assert first[1][:4] == ["BEG", "00", "SA", "T00000001"]
    assert [s[0] for s in first] == ["ST", "BEG", "CUR", "REF", "DTM", "N1", "N3", "N4", "N1",
                                     "PO1", "PID", "PO1", "PID", "PO1", "PID", "CTT", "SE"]
    po1 = [s for s in first if s[0] == "PO1"]
    ctt = first[-2]
    assert ctt == ["CTT", "3", str(sum(int(s[2]) for s in po1))]
    assert po1[0][5:8] == ["", "VP", po1[0][7]] and po1[0][7].startswith("BENCH-")
    assert data == generate_850_interchange(25, lines_per_order=3, isa_control=9, po_prefix="T")


@pytest.mark.parametrize("line_break", [True, False])
def test_whole_transaction_fast_path_writes_what_segment_by_segment_writing_does(line_break: bool) -> None:
    """render_all checks a transaction's joined text once; it must never differ from render."""
    from ordergate.parsers.x12.writer import DEFAULT_DELIMITERS, SegmentWriter

    end = "~" + ("\n" if line_break else "")
    reserved = frozenset({"*", ">", "^", "~", "\r", "\n"})
    writer = SegmentWriter(DEFAULT_DELIMITERS, reserved, end)
    rng = random.Random(7)
    pieces = ["A", "12", "", " ", "x ", "\t", "*", "~", ">", "^", "\n", "\r", "~\n", "PO 1", "ÄÖ"]
    fast = 0
    for _ in range(3000):
        segments = []
        for _ in range(rng.randrange(0, 5)):
            values = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 3)))
                      for _ in range(rng.randrange(0, 5))]
            segments.append([rng.choice(["PO1", "REF", "N1"]), *values])
        expected = "".join(writer.render(seg) for seg in segments)
        assert writer.render_all(segments) == expected, segments
        fast += writer._plain(expected, segments) if segments else 0
    assert fast > 100  # the fast path was really taken, not only the fallback
