"""The EDIFACT reader: UNA, release character, charsets, envelopes, every problem code, streaming."""

from __future__ import annotations

import random
import tracemalloc
import warnings
from datetime import datetime

import pytest
from pydifact.parser import Parser
from pydifact.segments import Segment

from benchmarks.gen_orders import generate_orders_interchange
from ordergate.errors import ParseError
from ordergate.parsers.edifact import reader as edifact
from ordergate.parsers.edifact.reader import decode_edifact, iter_edifact
from ordergate.parsers.edifact.tokens import parse_segments, read_una, split_segments
from ordergate.parsers.edifact.types import (
    CHARSETS,
    SYNTAX_ERRORS,
    Delimiters,
    EdifactProblem,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Message,
)

UNA = "UNA:+.? '"


def unb(syntax: str = "UNOC:3", ref: str = "REF1", *, sender: str = "SENDER:14",
        recipient: str = "RECEIVER:14", extra: str = "") -> str:
    return f"UNB+{syntax}+{sender}+{recipient}+240301:0930+{ref}{extra}'"


def message(ref: str = "1", *body: str, count: int | None = None, unt_ref: str | None = None,
            kind: str = "ORDERS:D:96A:UN:EAN008") -> str:
    body = body or ("BGM+220+PO-1+9", "LIN+1++4012345000009:SRV", "QTY+21:5")
    n = len(body) + 2 if count is None else count
    return "".join(s + "'" for s in (f"UNH+{ref}+{kind}", *body, f"UNT+{n}+{ref if unt_ref is None else unt_ref}"))


def interchange(*parts: str, syntax: str = "UNOC:3", ref: str = "REF1", unz: str | None = None,
                una: str = UNA, sep: str = "") -> str:
    n = sum(p.count("UNH+") for p in parts) if not any(p.startswith("UNG") for p in parts) else \
        sum(p.count("UNG+") for p in parts)
    text = una + unb(syntax, ref) + "".join(parts) + (f"UNZ+{n}+{ref}'" if unz is None else unz)
    return text.replace("'", "'" + sep) if sep else text


def events(data: str | bytes) -> list:
    return list(iter_edifact(data))


def of(kind: type, evs: list) -> list:
    return [e for e in evs if isinstance(e, kind)]


def problems(evs: list) -> list[EdifactProblem]:
    return [p for e in evs if isinstance(e, (Message, GroupEnd, InterchangeEnd)) for p in e.problems]


def codes(evs: list) -> list[tuple[str, str, int | None]]:
    return [(p.level, p.code, p.position) for p in problems(evs)]


def read_again(m: Message) -> list[Segment]:
    """A message's segments as read from its ``text`` alone (how the storing process reads a
    message handed to it), asserting that nothing there is an issue."""
    split = split_segments(m.text, m.interchange.delimiters)
    assert split.issues == []
    return split.segments


def assert_texts_read_back(evs: list) -> int:
    """Every message that has its texts reads back from them into the very same segments."""
    messages = [m for m in of(Message, evs) if m.texts is not None]
    for m in messages:
        assert len(m.texts) == len(m.segments)
        assert read_again(m) == m.segments, m.text
    return len(messages)


def seg(tag: str, *elements) -> Segment:
    return Segment(tag, *elements)


def pydifact(text: str) -> list[Segment]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(Parser().parse(text))


# --------------------------------------------------------------------------- structure
def test_one_interchange_in_file_order_with_every_field() -> None:
    text = (UNA + "UNB+UNOC:3+5412345000013:14:RR+4012345000009:14:RT+240301:0930+REF1+PWD:AA+ORDERS+A+1+"
            "AGR+1'" + message("M1") + message("M2") + "UNZ+2+REF1'")
    evs = events(text.encode("latin-1"))
    assert [type(e).__name__ for e in evs] == ["InterchangeHeader", "Message", "Message", "InterchangeEnd"]
    header, first, second, end = evs
    assert (header.syntax_identifier, header.syntax_version) == ("UNOC", "3")
    assert header.sender == ("5412345000013", "14") and header.sender_reverse_routing == "RR"
    assert header.recipient == ("4012345000009", "14") and header.recipient_routing == "RT"
    assert (header.date, header.time, header.prepared_at) == ("240301", "0930", datetime(2024, 3, 1, 9, 30))
    assert (header.control_reference, header.application_reference, header.processing_priority,
            header.acknowledgement_request, header.agreement_id, header.test_indicator) == (
        "REF1", "ORDERS", "A", "1", "AGR", "1")
    assert header.is_test and header.una and header.present and header.position == 1
    assert header.charset == "iso8859_1" and header.delimiters == Delimiters()
    assert header.segment == seg("UNB", ["UNOC", "3"], ["5412345000013", "14", "RR"],
                                 ["4012345000009", "14", "RT"], ["240301", "0930"], "REF1", ["PWD", "AA"],
                                 "ORDERS", "A", "1", "AGR", "1")
    assert "PWD" not in repr(header)  # S005 is a password: never in a log line
    assert (first.reference, first.message_type, first.version, first.release, first.agency,
            first.association_code, first.identifier) == ("M1", "ORDERS", "D", "96A", "UN", "EAN008",
                                                           "ORDERS:D:96A:UN:EAN008")
    assert first.segments == [seg("UNH", "M1", ["ORDERS", "D", "96A", "UN", "EAN008"]),
                              seg("BGM", "220", "PO-1", "9"), seg("LIN", "1", "", ["4012345000009", "SRV"]),
                              seg("QTY", ["21", "5"]), seg("UNT", "5", "M1")]
    assert all(type(s) is Segment for s in first.segments)
    assert first.position == 2 and second.position == 7 and first.group is None
    assert first.interchange is header and first.ok
    assert (end.message_count, end.group_count, end.segment, end.interchange) == (
        2, 0, seg("UNZ", "2", "REF1"), header)
    assert not problems(evs) and end.ok


def test_sender_without_qualifier_is_none() -> None:
    header = events(interchange(message()).replace("SENDER:14", "SENDER"))[0]
    assert header.sender == ("SENDER", None) and header.recipient == ("RECEIVER", "14")


def test_message_segments_equal_pydifacts_for_the_same_text() -> None:
    text = interchange(message("1", "NAD+BY+5412345000013::9++Name:More+Street++::+", "IMD+F++:::Desc?: x",
                               "PRI+AAA:12,50:::", "FTX+AAI+++a?'b?+c??"))
    msg = of(Message, events(text))[0]
    expected = pydifact(text)
    assert msg.segments == expected[2:-1]


def test_several_interchanges_with_their_own_una_and_charset() -> None:
    first = interchange(message("1", "NAD+BY+++Müller"), syntax="UNOC:3", ref="A").encode("latin-1")
    second = ("UNA*@.? #\n" + "UNB@UNOW*4@S*14@R*14@20240301*0930@B#\n" + "UNH@1@ORDERS*D*96A*UN#\n"
              + "NAD@BY@@@Łódź 東京#\nUNT@3@1#\nUNZ@1@B#\n").encode("utf-8")
    evs = events(first + b"\r\n" + second)
    headers = of(InterchangeHeader, evs)
    assert [(h.control_reference, h.charset, h.delimiters.element) for h in headers] == [
        ("A", "iso8859_1", "+"), ("B", "utf_8", "@")]
    assert headers[1].position == 1 + 5  # the first interchange has 5 segments
    names = [m.segments[1] for m in of(Message, evs)]
    assert names == [seg("NAD", "BY", "", "", "Müller"), seg("NAD", "BY", "", "", "Łódź 東京")]
    assert [m.position for m in of(Message, evs)] == [2, 2]
    assert not problems(evs)


# --------------------------------------------------------------------------- UNA and layout
@pytest.mark.parametrize(("una", "expected"), [
    ("UNA:+.? '", Delimiters(":", "+", ".", "?", None, "'")),
    ("UNA:+,? '", Delimiters(":", "+", ",", "?", None, "'")),
    ("UNA:+.?*'", Delimiters(":", "+", ".", "?", "*", "'")),
    ("UNA^*.? $", Delimiters("^", "*", ".", "?", None, "$")),
    ("UNA*@.? #", Delimiters("*", "@", ".", "?", None, "#")),
    ("UNA=*.? ~", Delimiters("=", "*", ".", "?", None, "~")),
    ("UNA:+.  '", Delimiters(":", "+", ".", None, None, "'")),
    ("UNA\x1f\x1d.?\x20\x1c", Delimiters("\x1f", "\x1d", ".", "?", None, "\x1c")),
])
def test_una_variants(una: str, expected: Delimiters) -> None:
    d = expected
    text = (una + "\r\n" + f"UNB{d.element}UNOA{d.component}4{d.element}S{d.element}R{d.element}"
            f"20240301{d.component}0930{d.element}1{d.segment}\r\n"
            f"UNH{d.element}1{d.element}ORDERS{d.component}D{d.component}96A{d.component}UN{d.segment}\r\n"
            f"QTY{d.element}21{d.component}5{d.component}{d.segment}\r\n"
            f"UNT{d.element}3{d.element}1{d.segment}UNZ{d.element}1{d.element}1{d.segment}")
    evs = events(text)
    assert evs[0].delimiters == expected and evs[0].una
    assert of(Message, evs)[0].segments[1] == seg("QTY", ["21", "5"])
    assert not problems(evs)
    assert read_una(una) == (expected, 9)
    assert expected.service_string_advice() == una


def test_repetition_separator_is_left_in_the_data_as_pydifact_does() -> None:
    text = "UNA:+.?*'" + unb("UNOC:4") + message("1", "COM+s11:AA*s21:AA") + "UNZ+1+REF1'"
    msg = of(Message, events(text))[0]
    assert msg.segments[1] == seg("COM", ["s11", "AA*s21", "AA"]) == pydifact(text)[3]


@pytest.mark.parametrize(("name", "layout"), [
    ("packed", lambda t: t),
    ("lf", lambda t: t.replace("'", "'\n")),
    ("crlf", lambda t: t.replace("'", "'\r\n")),
    ("indented", lambda t: t.replace("'", "'\n    \t")),
    ("blank-lines", lambda t: t.replace("'", "'\r\n\r\n \n")),
    ("bom-and-leading-space", lambda t: "\ufeff \r\n" + t.replace("'", "'\n")),
    ("wrapped-80", lambda t: "\n".join(t[i:i + 80] for i in range(0, len(t), 80))),
    ("wrapped-crlf-7", lambda t: t[:9] + "\r\n".join(t[i:i + 7] for i in range(9, len(t), 7))),
])
def test_layout_variants_read_the_same(name: str, layout) -> None:
    text = interchange(message("1", "NAD+BY+5412345000013::9++ACME WAREHOUSE 7", "FTX+AAI+++A?:B ?+ C"))
    expected = events(text)
    evs = events(layout(text).encode("utf-8"))
    assert [m.segments for m in of(Message, evs)] == [m.segments for m in of(Message, expected)]
    assert of(Message, evs)[0].segments[2] == seg("FTX", "AAI", "", "", "A:B + C")
    assert not problems(evs)
    assert assert_texts_read_back(evs) == 1


def test_whitespace_after_a_released_terminator_is_data() -> None:
    text = interchange(message("1", "FTX+AAI+++a?' b", "FTX+AAI+++c?'\nd"))
    evs = events(text)
    assert assert_texts_read_back(evs) == 1
    ftx = of(Message, evs)[0].segments[1:3]
    assert ftx[0] == seg("FTX", "AAI", "", "", "a' b") == pydifact(text)[3]
    # A line break inside a segment is removed, even after a released terminator.
    assert ftx[1] == seg("FTX", "AAI", "", "", "c'd")


@pytest.mark.parametrize(("wrapped", "expected"), [
    ("FTX+a?\n'BGM+1", [seg("FTX", "a'BGM", "1")]),
    ("FTX+a?\r\n'BGM+1", [seg("FTX", "a'BGM", "1")]),
    ("FTX+a??\n'BGM+1", [seg("FTX", "a?"), seg("BGM", "1")]),
    ("FTX+a?\n?\n'BGM+1", [seg("FTX", "a?"), seg("BGM", "1")]),
    ("FTX+a?'\n?'BGM+1", [seg("FTX", "a''BGM", "1")]),  # both released; the line break goes
])
def test_a_release_before_a_line_break_reads_the_same_whatever_the_chunks(
        wrapped: str, expected: list, monkeypatch: pytest.MonkeyPatch) -> None:
    # A line break inside a segment is removed before release characters are read, so the
    # reader must not cut a chunk after a terminator that the split then finds released.
    text = interchange(message("1", wrapped, count=2 + len(expected)))
    for size in (1, 5, 7, 1 << 20):
        monkeypatch.setattr(edifact, "CHUNK_SIZE", size)
        evs = events(text)
        assert of(Message, evs)[0].segments[1:-1] == expected, size
        assert not problems(evs) and assert_texts_read_back(evs) == 1


def test_a_released_terminator_before_a_line_break_starts_no_interchange() -> None:
    # "?" + line break + "'" is data, so the UNB after it is too: no second interchange.
    text = (UNA + unb(ref="REF1") + "UNH+1+ORDERS:D:96A:UN'FTX+AAI+++see ?\n'UNB+UNOC:3+X+Y+"
            "240301:0930+REF2'UNT+3+1'UNZ+1+REF1'")
    evs = events(text)
    assert len(of(InterchangeHeader, evs)) == 1
    [m] = of(Message, evs)
    assert m.segments[1] == seg("FTX", "AAI", "", "", "see 'UNB", "UNOC:3".split(":"), "X", "Y",
                                ["240301", "0930"], "REF2")
    assert not problems(evs)


@pytest.mark.parametrize(("raw", "expected"), [
    ("FTX+AAI+++NO MORE ?' FLIGHTS", ["AAI", "", "", "NO MORE ' FLIGHTS"]),
    ("FTX+AAI+++A??", ["AAI", "", "", "A?"]),
    ("FTX+AAI+++A???'B", ["AAI", "", "", "A?'B"]),
    ("FTX+AAI+++FIELD 1??+FIELD 2", ["AAI", "", "", "FIELD 1?", "FIELD 2"]),
    ("FTX+AAI+++1.1??:1.2", ["AAI", "", "", ["1.1?", "1.2"]]),
    ("FTX+AAI+++1.1???:1.2", ["AAI", "", "", "1.1?:1.2"]),
    ("FTX+AAI+++?:a:", ["AAI", "", "", ":a"]),
    ("FTX+AAI+++?A?b", ["AAI", "", "", "Ab"]),
    ("NAD+BY+O?'NEILL?:S::9+", ["BY", ["O'NEILL:S", "", "9"], ""]),
])
def test_release_character(raw: str, expected: list) -> None:
    text = interchange(message("1", raw))
    evs = events(text)
    assert assert_texts_read_back(evs) == 1
    segment = of(Message, evs)[0].segments[1]
    assert segment.elements == expected
    assert segment == pydifact(text)[3]


@pytest.mark.parametrize(("raw", "expected"), [
    ("QTY+21:5:", [["21", "5"]]),
    ("QTY+21::", ["21"]),
    ("QTY+::", [""]),
    ("QTY+:5", [["", "5"]]),
    ("QTY+21::5", [["21", "", "5"]]),
    ("QTY+", [""]),
    ("QTY++", ["", ""]),
    ("QTY", []),
    ("PRI+AAA:12,50", [["AAA", "12,50"]]),
    ("PRI+AAA:1.234,5::", [["AAA", "1.234,5"]]),
])
def test_components_and_empty_elements_as_pydifact_builds_them(raw: str, expected: list) -> None:
    text = UNA + raw + "'"
    assert split_segments(raw + "'").segments[0].elements == expected
    assert parse_segments(text) == pydifact(text)


def test_parse_segments_is_pydifacts_parse() -> None:
    text = generate_orders_interchange(3, 4).decode("latin-1")
    assert parse_segments(text) == pydifact(text)
    assert parse_segments(text)[0] == seg("UNA", ":+.? '")


def test_parse_segments_raises_where_pydifact_raises() -> None:
    with pytest.raises(ParseError, match="not a segment tag") as info:
        parse_segments("UNH+1'bgm+220'")
    assert info.value.position == 2 and info.value.segment_id == "bgm"
    with pytest.raises(ParseError, match="empty segment"):
        parse_segments("UNH+1''BGM+220'")


# --------------------------------------------------------------------------- charsets
def test_unoc_latin1_umlauts() -> None:
    text = interchange(message("1", "NAD+BY+++Müller Großhandel+Königsallee 1+Düsseldorf"))
    msg = of(Message, events(text.encode("latin-1")))[0]
    assert msg.segments[1].elements[3:] == ["Müller Großhandel", "Königsallee 1", "Düsseldorf"]
    assert of(InterchangeHeader, events(text.encode("latin-1")))[0].charset == "iso8859_1"


@pytest.mark.parametrize("syntax", ["UNOW:4", "UNOY:4"])
def test_utf8_multibyte(syntax: str) -> None:
    names = "NAD+BY+++Łódź+東京都+🚚 Lieferung+Ελλάδα"
    evs = events(interchange(message("1", names), syntax=syntax).encode("utf-8"))
    assert of(Message, evs)[0].segments[1].elements[3:] == ["Łódź", "東京都", "🚚 Lieferung", "Ελλάδα"]
    assert evs[0].charset == "utf_8" and not problems(evs)


@pytest.mark.parametrize(("syntax", "codec", "sample"), [
    ("UNOD:3", "iso8859_2", "Łódź Kraków"),
    ("UNOE:3", "iso8859_5", "Москва"),
    ("UNOF:3", "iso8859_7", "Αθήνα"),
    ("UNOG:3", "iso8859_3", "Ħamrun"),
    ("UNOH:3", "iso8859_4", "Šiauliai"),
    ("UNOI:3", "iso8859_6", "عمان"),
    ("UNOJ:3", "iso8859_8", "חיפה"),
    ("UNOK:3", "iso8859_9", "İstanbul"),
    ("UNOL:3", "iso8859_15", "Prix 10 €"),
])
def test_single_byte_charsets(syntax: str, codec: str, sample: str) -> None:
    assert CHARSETS[syntax[:4]] == codec
    evs = events(interchange(message("1", f"FTX+AAI+++{sample}"), syntax=syntax).encode(codec))
    assert of(Message, evs)[0].segments[1].elements[3] == sample
    assert evs[0].charset == codec and not problems(evs)


def test_unox_iso2022_apostrophe_bytes_are_not_terminators() -> None:
    # "Ж" in JIS X 0208 is 0x27 0x28: an apostrophe byte inside an ISO 2022 escape sequence.
    text = interchange(message("1", "FTX+AAI+++Жук 東京 Ωμέγα"), syntax="UNOX:3")
    data = text.encode("iso2022_jp_2")
    assert b"'(" in data
    evs = events(data)
    assert of(Message, evs)[0].segments[1].elements[3] == "Жук 東京 Ωμέγα"
    assert evs[0].charset == "iso2022_jp_2" and not problems(evs)
    assert decode_edifact(data) == text


def test_lower_case_in_unoa_is_accepted() -> None:
    evs = events(interchange(message("1", "FTX+AAI+++lower case"), syntax="UNOA:3").encode())
    assert evs[0].charset == "ascii" and not problems(evs)


def only(evs: list) -> EdifactProblem:
    found = problems(evs)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


@pytest.mark.parametrize(("syntax", "data_encoding", "charset", "says"), [
    ("UNOA:3", "utf-8", "utf_8", "UNOA names ASCII, but the non-ASCII bytes are UTF-8: read as UTF-8"),
    ("UNOA:3", "latin-1", "latin_1", "UNOA allows only ASCII, but byte 0xFC at byte offset"),
    ("UNOC:3", "utf-8", "utf_8", "UNOC names ISO 8859-1, but the non-ASCII bytes are UTF-8"),
])
def test_bytes_that_do_not_fit_the_declared_charset_code_21(syntax, data_encoding, charset, says) -> None:
    evs = events(interchange(message("1", "NAD+BY+++Müller"), syntax=syntax).encode(data_encoding))
    assert of(Message, evs)[0].segments[1].elements[3] == "Müller"
    p = only(evs)
    assert (p.level, p.code, p.position, p.segment_tag, p.element_position, p.component_position) == (
        "interchange", "21", 1, "UNB", 2, 1)
    assert says in p.message and evs[0].charset == charset
    assert evs[0].problems == [p]  # known when the UNB is read, and on the InterchangeEnd too


def test_invalid_utf8_in_unow_is_replaced_and_reported() -> None:
    data = interchange(message("1", "FTX+AAI+++ok"), syntax="UNOW:4").encode().replace(b"ok", b"o\xffk")
    evs = events(data)
    assert of(Message, evs)[0].segments[1].elements[3] == "o\ufffdk"
    p = only(evs)
    offset = data.index(b"\xff")
    assert p.code == "21" and f"byte 0xFF at byte offset {offset}" in p.message


def test_undefined_byte_in_iso8859_6_is_replaced_and_reported() -> None:
    data = interchange(message("1", "FTX+AAI+++x"), syntax="UNOI:3").encode("ascii").replace(b"+x'", b"+\xa1'")
    evs = events(data)
    assert of(Message, evs)[0].segments[1].elements[3] == "\ufffd"
    assert only(evs).code == "21"


@pytest.mark.parametrize(("syntax", "encoded", "charset"), [
    ("IATB:1", "ascii", "ascii"),
    ("XXXA:1", "utf-8", "utf_8"),
    ("unoc:3", "latin-1", "latin_1"),
])
def test_unknown_syntax_identifier_code_2_read_anyway(syntax: str, encoded: str, charset: str) -> None:
    body = "FTX+AAI+++Zürich" if encoded != "ascii" else "FTX+AAI+++Zurich"
    evs = events(interchange(message("1", body), syntax=syntax).encode(encoded))
    assert of(Message, evs)[0].segments[1].elements[3] == body[10:]
    p = only(evs)
    assert (p.code, p.level, p.position, p.element_position, p.element_ref, p.bad_value) == (
        "2", "interchange", 1, 2, "0001", syntax[:4])
    assert evs[0].charset == charset


def test_unsupported_syntax_version_code_2() -> None:
    p = only(events(interchange(message(), syntax="UNOC:7")))
    assert (p.code, p.component_position, p.bad_value) == ("2", 2, "7")


def test_text_input_has_no_charset() -> None:
    evs = events(interchange(message("1", "NAD+BY+++東京"), syntax="UNOC:3"))
    assert evs[0].charset is None and not problems(evs)


def test_decode_edifact_per_interchange() -> None:
    first = interchange(message("1", "NAD+BY+++Müller"), ref="A").encode("latin-1")
    second = interchange(message("1", "NAD+BY+++Łódź"), syntax="UNOW:4", ref="B").encode("utf-8")
    text = decode_edifact(b"\xef\xbb\xbf" + first + b"\n" + second)
    assert "Müller" in text and "Łódź" in text and not text.startswith("\ufeff")


# --------------------------------------------------------------------------- groups
def group(*messages: str, ref: str = "G1", une: str | None = None) -> str:
    n = sum(m.count("UNH+") for m in messages)
    return (f"UNG+ORDERS+SENDER:14+RECEIVER:14+240301:0930+{ref}+UN+D:96A:EAN008+PWD'" + "".join(messages)
            + (f"UNE+{n}+{ref}'" if une is None else une))


def test_groups() -> None:
    evs = events(interchange(group(message("1"), message("2"), ref="G1"), group(message("3"), ref="G2")))
    assert [type(e).__name__ for e in evs] == [
        "InterchangeHeader", "GroupHeader", "Message", "Message", "GroupEnd", "GroupHeader", "Message",
        "GroupEnd", "InterchangeEnd"]
    first = of(GroupHeader, evs)[0]
    assert (first.message_group_id, first.sender, first.recipient, first.date, first.time, first.reference,
            first.controlling_agency, first.message_version, first.message_release,
            first.association_code, first.position) == (
        "ORDERS", ("SENDER", "14"), ("RECEIVER", "14"), "240301", "0930", "G1", "UN", "D", "96A",
        "EAN008", 2)
    assert "PWD" not in repr(first)
    assert [m.group.reference for m in of(Message, evs)] == ["G1", "G1", "G2"]
    assert [(e.group.reference, e.message_count) for e in of(GroupEnd, evs)] == [("G1", 2), ("G2", 1)]
    assert of(InterchangeEnd, evs)[0].group_count == 2 and not problems(evs)


def test_une_count_and_reference_codes_29_28() -> None:
    evs = events(interchange(group(message("1"), une="UNE+2+G9'")))
    assert codes(evs) == [("group", "29", 8), ("group", "28", 8)]
    count, ref = problems(evs)
    assert (count.element_position, count.element_ref, count.bad_value) == (2, "0060", "2")
    assert (ref.element_position, ref.element_ref, ref.bad_value) == (3, "0048", "G9")


def test_une_missing_code_13_and_une_outside_group_code_33() -> None:
    evs = events(interchange(group(message("1"), une="")))
    assert codes(evs) == [("group", "13", 8)]
    assert "group G1 has no UNE trailer: UNZ at position 8 came first" in problems(evs)[0].message
    assert codes(events(interchange(group(message("1")), "UNE+1+G1'"))) == [("interchange", "33", 9)]


def test_empty_group_code_32_and_mixed_code_30() -> None:
    evs = events(interchange(group(ref="G1"), message("1")))
    assert codes(evs) == [("group", "32", 3), ("interchange", "30", 4), ("interchange", "29", 9)]


# --------------------------------------------------------------------------- message problems
def test_unt_count_mismatch_code_29() -> None:
    evs = events(interchange(message("1", count=9), message("2")))
    first, second = of(Message, evs)
    p = only(evs)
    assert first.problems == [p] and second.ok
    assert (p.level, p.code, p.position, p.segment_tag, p.segment_position, p.element_position,
            p.component_position, p.element_ref, p.bad_value, p.message_reference,
            p.interchange_reference) == ("message", "29", 6, "UNT", 5, 2, 1, "0074", "9", "1", "REF1")
    assert p.message == "UNT says 9 segments but the message has 5"
    assert not p.is_segment_detail  # reported on the UCM itself


@pytest.mark.parametrize(("unt", "code"), [("UNT++1", "13"), ("UNT+five+1", "12"), ("UNT", "13")])
def test_unt_count_missing_or_not_a_number(unt: str, code: str) -> None:
    text = interchange("UNH+1+ORDERS:D:96A:UN'BGM+220+1'" + unt + "'")
    found = [p.code for p in problems(events(text))]
    assert found[0] == code


def test_unt_reference_mismatch_code_28() -> None:
    p = only(events(interchange(message("1", unt_ref="2"))))
    assert (p.code, p.element_position, p.element_ref, p.bad_value) == ("28", 3, "0062", "2")


@pytest.mark.parametrize(("after", "came"), [
    (message("2"), "UNH at position 5 came first"),
    ("", "UNZ at position 5 came first"),
])
def test_unt_missing_code_13(after: str, came: str) -> None:
    evs = events(interchange("UNH+1+ORDERS:D:96A:UN'BGM+220+1'QTY+21:5'" + after))
    first = of(Message, evs)[0]
    assert [s.tag for s in first.segments] == ["UNH", "BGM", "QTY"]
    p = first.problems[0]
    assert (p.code, p.position, p.segment_tag, p.segment_position) == ("13", 5, "UNT", 4)
    assert p.message == f"message 1 has no UNT trailer: {came}"


def test_unh_reference_missing_duplicate_and_s009_incomplete() -> None:
    evs = events(interchange(message("1"), message("1"), message("", kind="ORDERS:D"),
                             unz="UNZ+3+REF1'"))
    assert [[(p.code, p.element_position, p.component_position) for p in m.problems]
            for m in of(Message, evs)] == [[], [("26", 2, 1)], [("13", 2, 1), ("13", 3, 3)]]
    assert "release (0054), controlling agency (0051)" in of(Message, evs)[2].problems[1].message


def test_one_bad_message_never_sinks_the_others() -> None:
    evs = events(interchange(message("1"), "UNH+2+ORDERS:D:96A:UN'BGM+220+2'", message("3"),
                             message("4", count=1), message("5"), unz="UNZ+5+REF1'"))
    assert [(m.reference, [p.code for p in m.problems]) for m in of(Message, evs)] == [
        ("1", []), ("2", ["13"]), ("3", []), ("4", ["29"]), ("5", [])]


def test_invalid_tag_inside_a_message_code_12_as_segment_detail() -> None:
    evs = events(interchange(message("1", "BGM+220+1", "bgm+220", "LINE+1")))
    p1, p2 = problems(evs)
    assert (p1.code, p1.position, p1.segment_position, p1.segment_tag) == ("12", 4, 3, "bgm")
    assert p1.is_segment_detail and p2.segment_tag == "LINE"


def test_empty_segments_code_13_inside_and_33_outside_a_message() -> None:
    text = interchange(message("1") + "'", "UNH+2+ORDERS:D:96A:UN'BGM+220+2''UNT+3+2'", unz="UNZ+2+REF1''")
    assert codes(events(text)) == [("message", "13", 9), ("interchange", "33", 7),
                                   ("interchange", "33", 11)]


# --------------------------------------------------------------------------- interchange problems
def test_unz_count_and_reference_codes_29_28() -> None:
    evs = events(interchange(message("1"), unz="UNZ+3+REF2'"))
    count, ref = problems(evs)
    assert (count.code, count.position, count.segment_tag, count.element_position, count.bad_value) == (
        "29", 7, "UNZ", 2, "3")
    assert (ref.code, ref.element_position, ref.element_ref, ref.bad_value) == ("28", 3, "0020", "REF2")
    assert count.message == "UNZ says 3 messages but the interchange has 1"
    assert count.interchange_reference == "REF1" and count.message_reference is None


def test_unz_missing_code_13() -> None:
    evs = events(interchange(message("1"), unz=""))
    p = only(evs)
    assert (p.code, p.position, p.segment_tag) == ("13", 7, "UNZ")
    assert p.message == "interchange REF1 has no UNZ trailer: the file ends after position 6"


def test_next_unb_before_unz_closes_the_interchange() -> None:
    text = UNA + unb(ref="A") + "UNH+1+ORDERS:D:96A:UN'BGM+220+1'" + unb(ref="B") + message("1") + "UNZ+1+B'"
    evs = events(text)
    assert [h.control_reference for h in of(InterchangeHeader, evs)] == ["A", "B"]
    assert codes(evs) == [("message", "13", 4), ("interchange", "13", 4)]
    assert "the next interchange (position 4) comes first" in problems(evs)[1].message
    assert of(InterchangeHeader, evs)[1].position == 4


def test_segments_between_messages_one_code_33_per_run() -> None:
    evs = events(interchange(message("1"), "BGM+220+X'DTM+137:20240101:102'", message("2"), "UNT+3+9'"))
    assert codes(evs) == [("interchange", "33", 7), ("interchange", "33", 14)]
    assert problems(evs)[0].message == "2 segments from 'BGM' at position 7 on are outside any message"
    assert len(of(Message, evs)) == 2


def test_messages_after_unz_are_not_read() -> None:
    evs = events(interchange(message("1")) + message("2"))
    assert len(of(Message, evs)) == 1
    p = only(evs)
    assert (p.code, p.position) == ("33", 8)
    assert p.message == "5 segments from 'UNH' at position 8 on are after the UNZ trailer"


def test_interchange_without_messages_code_32() -> None:
    assert codes(events(UNA + unb() + "UNZ+0+REF1'")) == [("interchange", "32", 1)]


def test_unb_missing_elements_code_13() -> None:
    evs = events(UNA + "UNB+++++4'" + message("1") + "UNZ+1+4'")
    p = only(evs)
    assert (p.code, p.element_position, p.component_position, p.element_ref) == ("13", 2, 1, "0001")
    assert "syntax identifier (0001), syntax version (0002), sender identification (0004)" in p.message


def test_decimal_mark_advice_code_19() -> None:
    evs = events("UNA:+;? '" + unb() + message() + "UNZ+1+REF1'")
    assert [(p.code, p.segment_tag) for p in problems(evs)] == [("19", "UNA")]


# --------------------------------------------------------------------------- without UNA/UNB
def test_messages_without_unb_are_yielded_with_code_13() -> None:
    for text in (UNA + "\n" + message("1") + "\n", message("1")):
        evs = events(text)
        header, msg, end = evs
        assert not header.present and header.segment is None and header.sender == ("", None)
        assert msg.position == 1 and msg.ok and msg.interchange is header
        assert end.problems == header.problems and [(p.code, p.position, p.segment_tag)
                                                    for p in end.problems] == [("13", 1, "UNB")]


def test_unh_first_then_an_interchange() -> None:
    evs = events(message("1") + unb() + message("1") + "UNZ+1+REF1'")
    headers = of(InterchangeHeader, evs)
    assert [h.present for h in headers] == [False, True] and headers[1].position == 6
    assert codes(evs) == [("interchange", "13", 1)]


def test_level_b_defaults_without_una() -> None:
    text = "UNB\x1dUNOB\x1f3\x1dS\x1dR\x1d240301\x1f0930\x1d1\x1cUNH\x1d1\x1dORDERS\x1fD\x1f96A\x1fUN\x1c" \
           "FTX\x1dAAI\x1d\x1d\x1dWHAT?\x1cUNT\x1d3\x1d1\x1cUNZ\x1d1\x1d1\x1c"
    evs = events(text)
    assert evs[0].delimiters.segment == "\x1c" and evs[0].delimiters.release is None
    assert of(Message, evs)[0].segments[1] == seg("FTX", "AAI", "", "", "WHAT?")
    assert not problems(evs)


def test_non_default_separators_without_una_code_22_read_anyway() -> None:
    text = interchange(message("1"), una="").replace("+", '"').replace(":", "=").replace("'", ";")
    evs = events(text)
    assert evs[0].delimiters == Delimiters("=", '"', ".", "?", None, ";")
    assert [(p.code, p.position) for p in problems(evs)] == [("22", 1)]
    assert of(Message, evs)[0].segments[2] == seg("LIN", "1", "", ["4012345000009", "SRV"])


def test_line_breaks_as_terminators_without_una_code_22() -> None:
    text = interchange(message("1"), una="").replace("'", "\r\n")
    evs = events(text)
    assert evs[0].delimiters.segment == "\n"
    assert [m.segments[-1] for m in of(Message, evs)] == [seg("UNT", "5", "1")]
    assert [p.code for p in problems(evs)] == ["22"]


# --------------------------------------------------------------------------- not EDIFACT
@pytest.mark.parametrize(("data", "says"), [
    (b"", "the document is empty"),
    (b" \r\n\t", "the document is empty"),
    (b"\xef\xbb\xbf", "the document is empty"),
    (b"%PDF-1.4", "found '%PDF-1.4'"),
    (b"ISA*00*          *00*", "found 'ISA*00*"),
    (b"unb+UNOC:3", "expected UNA, UNB or UNH"),
    (b"UNA:+.", "fewer than six service characters"),
    (b"UNA:::? '", "one character serves as component separator and element separator"),
    (b"UNAA+.? '", "the component separator is 'A'"),
    (b"UNB UNOC", "element separator after 'UNB' is ' '"),
])
def test_data_that_is_not_edifact_raises_at_once(data: bytes, says: str) -> None:
    with pytest.raises(ParseError) as info:
        iter_edifact(data)  # raised on the call, before any iteration
    assert says in str(info.value) and info.value.position == 1
    with pytest.raises(ParseError):
        decode_edifact(data)


def test_unreadable_una_later_in_the_file_code_20() -> None:
    text = interchange(message("1")) + "UNA:::? '" + unb() + message("2")
    evs = events(text)
    assert len(of(InterchangeHeader, evs)) == 1
    p = only(evs)
    assert (p.code, p.position, p.segment_tag) == ("20", 8, "UNA")
    assert "cannot be read, so the rest of the file was not read" in p.message


def test_truncated_at_every_byte_never_raises_anything_but_parse_error() -> None:
    data = interchange(group(message("1", "FTX+AAI+++A?'B"), message("2"))).replace("'", "'\n").encode()
    for cut in range(len(data) + 1):
        try:
            evs = events(data[:cut])
        except ParseError:
            assert cut < 12, cut  # only before the UNB's element separator
            continue
        assert isinstance(evs[0], InterchangeHeader) and isinstance(evs[-1], InterchangeEnd)
        assert len(of(GroupHeader, evs)) == len(of(GroupEnd, evs))
        if cut < len(data) - 2:
            assert problems(evs), cut
        for p in problems(evs):
            assert p.position and p.position >= 1 and p.code in SYNTAX_ERRORS and p.message


def test_random_garbage_and_mutations_never_raise_anything_but_parse_error() -> None:
    rng = random.Random(7)
    base = bytearray(interchange(group(message("1"), message("2")), message("3")).encode())
    alphabet = b"UNAHBTZGE+:'? \n\r\x00\xff\xc3\xa9"
    read_back = 0
    for _ in range(1500):
        data = bytearray(base)
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(len(data))
            choice = rng.randrange(3)
            if choice == 0:
                data[i] = rng.choice(alphabet)
            elif choice == 1:
                del data[i:i + rng.randrange(1, 20)]
            else:
                data[i:i] = bytes(rng.choice(alphabet) for _ in range(rng.randrange(1, 5)))
        try:
            evs = events(bytes(data))
        except ParseError as exc:
            assert exc.position == 1
            continue
        assert isinstance(evs[0], InterchangeHeader) and isinstance(evs[-1], InterchangeEnd)
        # Whatever a mutation did around them, the messages without problems (the only ones
        # read again elsewhere) read back from their texts into the same segments.
        read_back += assert_texts_read_back([m for m in of(Message, evs) if not m.problems])
    assert read_back > 1000
    for _ in range(200):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
        for data in (junk, b"UNB+" + junk, b"UNA:+.? '" + junk):
            try:
                events(data)
            except ParseError:
                pass


# --------------------------------------------------------------------------- generator, streaming
def test_generated_orders_are_valid() -> None:
    skus = ["A-1", "B:2", "C+3"]
    evs = events(generate_orders_interchange(20, 3, skus=skus))
    messages = of(Message, evs)
    assert len(messages) == 20 and not problems(evs)
    lines = [s for m in messages for s in m.segments if s.tag == "PIA"]
    assert len(lines) == 60 and {s.elements[1][0] for s in lines} <= set(skus)
    assert messages[0].segments[1] == seg("BGM", "220", "PO00000001", "9")
    assert evs[0].charset == "iso8859_1" and evs[0].sender == ("5412345000013", "14")


@pytest.fixture(scope="module")
def big_data() -> bytes:
    return generate_orders_interchange(3000, 10)


def test_chunk_size_never_changes_what_is_read(big_data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    data = big_data[:60_000] + b"UNT+1+X'UNZ+1+1'"
    whole = events(data)
    for size in (1, 37, 1 << 20):
        monkeypatch.setattr(edifact, "CHUNK_SIZE", size)
        assert events(data) == whole, size  # texts included
    assert assert_texts_read_back(whole) == 46  # every message of the first 60 KB


def test_memory_stays_flat_over_a_big_interchange(big_data: bytes) -> None:
    assert len(big_data) > 3_000_000
    tracemalloc.start()
    try:
        count = 0
        for event in iter_edifact(big_data):
            count += isinstance(event, Message)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 3000
    # The bytes read as ISO 8859-1 (to find interchanges) and the decoded text are two copies;
    # all segments at once would take well over 100 MB.
    assert peak < 3 * len(big_data), peak


def test_first_event_arrives_before_the_input_is_split(big_data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = edifact.split_segments

    def counting(text: str, *args):
        seen.append(len(text))
        return real(text, *args)

    monkeypatch.setattr(edifact, "split_segments", counting)
    it = iter_edifact(big_data)
    first = next(e for e in it if isinstance(e, Message))
    assert first.reference == "1"
    assert 0 < sum(seen) < len(big_data) / 100
    assert sum(1 for e in it if isinstance(e, Message)) == 2999
