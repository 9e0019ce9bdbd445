"""The EDIFACT reader against real third-party samples (../shared/corpus, or $ORDERGATE_CORPUS).

Every file must yield events (or raise ParseError, which none does); every ORDERS file must yield
an ORDERS message; the problems reported are exactly the ones listed here, each checked by
hand against the file; every segment must equal what pydifact's own parser makes of the same
text. Without the corpus the tests skip, except in strict mode (tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import re
import warnings

import pytest
from pydifact.parser import Parser

from ordergate.errors import ParseError
from ordergate.parsers.edifact import reader as edifact
from ordergate.parsers.edifact.reader import decode_edifact, iter_edifact
from ordergate.parsers.edifact.tokens import parse_segments, split_segments
from ordergate.parsers.edifact.types import (
    EdifactProblem,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Message,
)
from tests.kit.corpus import CORPUS
from tests.kit.strict import require

EDIFACT = CORPUS / "edifact"


def _files(folder: str) -> list[str]:
    directory = EDIFACT / folder
    if not directory.is_dir():
        return []
    return sorted(f"{folder}/{p.name}" for p in directory.iterdir() if p.is_file())


ORDERS = _files("orders")
OTHERS = _files("other")
ALL = ORDERS + OTHERS


def require_corpus() -> None:
    require(False, f"EDIFACT corpus not found at {EDIFACT} (set ORDERGATE_CORPUS to its folder)")


def read(name: str) -> bytes:
    if not EDIFACT.is_dir():
        require_corpus()
    return (EDIFACT / name).read_bytes()


def events(name: str) -> list:
    return list(iter_edifact(read(name)))


def of(kind: type, evs: list) -> list:
    return [e for e in evs if isinstance(e, kind)]


def problems(evs: list) -> list[EdifactProblem]:
    return [p for e in evs if isinstance(e, (Message, GroupEnd, InterchangeEnd)) for p in e.problems]


# (level, code, position) of every problem a file has, in event order; all other files have none.
EXPECTED_PROBLEMS: dict[str, list[tuple[str, str, int]]] = {
    # UNT+22 but UNH..UNT holds 20 segments.
    "orders/edifactparserrb__separate_lines_ORDERS_D03B.edi": [("message", "29", 21)],
    # UNA and then UNH: messages without an interchange header.
    "orders/edifactrs__d01b_orders_conforming.edi": [("interchange", "13", 1)],
    "orders/edifactrs__d11a_conforming.edi": [("interchange", "13", 1)],
    "orders/estratoedifact__order.edi": [("interchange", "13", 1)],
    # No UNB, a BGM before the UNH, and UNT+5 over 4 segments.
    "orders/edifactrs__d96a_orders_malformed.edi": [("message", "29", 5), ("interchange", "13", 1),
                                                    ("interchange", "33", 1)],
    # UNZ 0020 00000916 against UNB 0020 00000000000916.
    "orders/oboe__orders.edi": [("interchange", "28", 32)],
    # UNT+27+17520 closes UNH+17420, which has 16 segments.
    "orders/oboe__orders.escape.edi": [("message", "29", 17), ("message", "28", 17)],
    "orders/oboe__orders.missingMandatorySegments.edi": [("message", "29", 28), ("interchange", "28", 29)],
    # '"' '=' ';' separators and no UNA: read with them (22), and the oboe UNZ reference (28).
    "orders/oboe__orders.newdelimiters.edi": [("interchange", "22", 1), ("interchange", "28", 32)],
    # "''" after the UNB, after QTY (in the message), after CNT (in it) and after UNT.
    "orders/oboe__orders.withbadunbsegment.edi": [
        ("message", "13", 19), ("message", "13", 31), ("interchange", "33", 2), ("interchange", "33", 32),
        ("interchange", "28", 32)],
    # UNT+267 over 21 segments.
    "orders/ocaedi__test_orders_-_no_PRI_segments.txt": [("message", "29", 22)],
    # UNOC interchanges whose non-ASCII bytes are UTF-8 ("Supplièr1", U+FFFD where the sample's
    # umlauts were lost before it reached the corpus).
    "orders/ocaedi__test_orders_-_no_ean_in_LIN_segments.txt": [("interchange", "21", 1)],
    "orders/phpedifact__example_order_error.edi": [("interchange", "21", 1)],
    "orders/phpedifact__example_order_ok.edi": [("interchange", "21", 1)],
    # No UNZ at the end of the file.
    "orders/pydifact__order.edi": [("interchange", "13", 18)],
    "orders/pydifact__order2.edi": [("interchange", "13", 13)],
    "orders/smooksex__camel-unedifact-orders-input-message.txt": [("interchange", "13", 32)],
    # UNB 0020 is "1" (and "1234567" the application reference); UNZ says 1234567.
    "orders/pydifact__wikipedia_de.edi": [("interchange", "28", 11)],
    # 35 extra DTMs: UNT+22 over 57 segments.
    "orders/smooksedi__BAD_ORDERS_D.03B_Interchange.txt": [("message", "29", 58)],
    # UNT+21 over 18 segments.
    "orders/staedi__orders-with-group.edi": [("message", "29", 20)],
    # UTF-8 "®" in UNOC; UNZ+6 while the anonymised file keeps 2 messages.
    "other/detumval__Anonymized_INVOIC.edi": [("interchange", "21", 1), ("interchange", "29", 166)],
    # "UNB+++++4'" (empty but for its reference) then a real UNB without a reference.
    "other/edinet__Apperak_edi_out_issue235.edi": [
        ("interchange", "13", 1), ("interchange", "13", 2), ("interchange", "32", 1),
        ("interchange", "13", 1), ("interchange", "28", 11)],
    "other/edinet__edifact.01.edi": [("message", "29", 32), ("interchange", "28", 33)],
    # Line breaks as segment terminators and no UNA (22); UNT+787 over 27 segments.
    "other/edinet__edifact.D01B.IFCSUM.NewLines.EDI": [("message", "29", 28), ("interchange", "22", 1)],
    # UNT+1 everywhere, UNH 44 closed by UNT 43 twice, UNH 44 used twice, UNZ+1 over 4 messages.
    "other/edinet__edifact.Issue188.edi": [
        ("message", "29", 4), ("message", "29", 7), ("message", "28", 7), ("message", "29", 10),
        ("message", "26", 11), ("message", "29", 13), ("message", "28", 13), ("interchange", "29", 14)],
    # Syntax identifiers XXXA and IATB (2).
    "other/edinet__edifact.Issue196.edi": [("message", "29", 14), ("interchange", "2", 1)],
    "other/edinet__edifact.Issue203.edi": [("message", "29", 103), ("message", "28", 103),
                                           ("interchange", "2", 1)],
    "other/estratoedifact__multibyte.edi": [("message", "29", 4), ("interchange", "2", 1)],
    "other/phpedifact__example_release_character.edi": [("message", "29", 24), ("interchange", "2", 1)],
    "other/phpedifact__example_wrapped.edi": [("interchange", "2", 1)],
    "other/pydifact__wikipedia_en.edi": [("interchange", "2", 1)],
    "other/edinet__edifact.ORDRSP-formatted.edi": [("message", "29", 31), ("message", "28", 31),
                                                   ("interchange", "28", 32)],
    "other/edinet__edifact.ORDRSP.edi": [("message", "29", 32), ("message", "28", 32),
                                         ("interchange", "28", 33)],
    "other/edinet__edifact.Paiement.Issue139.EDI": [("message", "29", 12)],
    # Two interchanges, "''" after the first UNZ, "'''" and no UNZ at the end of the second.
    "other/koha__INVOICE.CEI": [("message", "29", 51), ("interchange", "33", 53), ("message", "29", 9),
                                ("interchange", "33", 10), ("interchange", "13", 10)],
    "other/phpedifact__example_multiline.edi": [("message", "29", 8)],
    "other/pydifact__v3_aperak.edi": [("message", "29", 8)],
    "other/pydifact__v4_aperak_rejected.edi": [("message", "29", 8)],
    "other/smooksedi__INVOIC_D.03B_Interchange_with_UNA.txt": [("message", "29", 36)],
    # UTF-8 (Chinese, "Ü") in UNOA interchanges.
    "other/phpedifact__example_utf8.edi": [("interchange", "21", 1)],
    "other/smooksedi__recadv.txt": [("interchange", "21", 1)],
    "other/staedi__invoic_d93a_una.edi": [("interchange", "21", 1)],
    "other/staedi__invoic_d97b.edi": [("interchange", "21", 1)],
    "other/staedi__wrapped_invoic_d97b.edi": [("interchange", "21", 1)],
    # A test schema: segment tags BBBB, AAAA, BB (12), UNT+25 everywhere, UNH 0001 three times,
    # UNZ+1 and a UNZ reference that is not the UNB's; -02 mixes a group with loose messages.
    "other/smooksedi__unedifact-msg-01.edi": [
        ("message", "12", 3), ("message", "29", 4), ("message", "26", 5), ("message", "12", 6),
        ("message", "29", 7), ("message", "26", 8), ("message", "12", 9), ("message", "12", 10),
        ("message", "29", 11), ("interchange", "29", 12), ("interchange", "28", 12)],
    "other/smooksedi__unedifact-msg-02.edi": [
        ("message", "12", 4), ("message", "29", 5), ("message", "26", 7), ("message", "12", 8),
        ("message", "29", 9), ("message", "26", 10), ("message", "12", 11), ("message", "12", 12),
        ("message", "29", 13), ("interchange", "30", 7), ("interchange", "29", 14),
        ("interchange", "28", 14)],
}

# Files pydifact's parser raises on (after the layout normalisation below), and why.
PYDIFACT_FAILS = {
    "orders/oboe__orders.newdelimiters.edi": "non-default separators without UNA",
    "orders/oboe__orders.withbadunbsegment.edi": "empty segments",
    "other/edinet__Apperak_edi_out_issue235.edi": "an empty UNB (IndexError in pydifact)",
    "other/edinet__edifact.D01B.IFCSUM.NewLines.EDI": "line breaks as terminators without UNA",
    "other/koha__INVOICE.CEI": "empty segments, and a second UNA",
    "other/smooksedi__unedifact-msg-01.edi": "four-letter segment tags",
    "other/smooksedi__unedifact-msg-02.edi": "four-letter segment tags",
}


# --------------------------------------------------------------------------- every file
@pytest.mark.parametrize("name", ALL or [None])
def test_every_file_yields_events_with_exactly_the_expected_problems(name: str | None) -> None:
    if name is None:
        require_corpus()
    try:
        evs = events(name)
    except ParseError as exc:  # pragma: no cover - no corpus file is unreadable
        pytest.fail(f"unexpected ParseError: {exc}")
    assert isinstance(evs[0], InterchangeHeader) and isinstance(evs[-1], InterchangeEnd)
    assert len(of(InterchangeHeader, evs)) == len(of(InterchangeEnd, evs))
    assert len(of(GroupHeader, evs)) == len(of(GroupEnd, evs))
    found = problems(evs)
    for problem in found:
        assert problem.position and problem.position >= 1 and problem.message
        assert problem.level in ("interchange", "group", "message")
        if problem.level == "message":
            assert problem.segment_position and problem.segment_position >= 1
    assert [(p.level, p.code, p.position) for p in found] == EXPECTED_PROBLEMS.get(name, []), \
        [str(p) for p in found]


@pytest.mark.parametrize("name", ALL or [None])
def test_chunk_boundaries_never_change_what_is_read(name: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if name is None:
        require_corpus()
    whole = events(name)
    for size in (1, 40, 1 << 20):
        monkeypatch.setattr(edifact, "CHUNK_SIZE", size)
        assert events(name) == whole, size


@pytest.mark.parametrize("name", ALL or [None])
def test_every_message_reads_back_from_its_text(name: str | None) -> None:
    """A message may be read again from its text in the storing process: every message of
    every file that has its texts must read back into the very same segments."""
    if name is None:
        require_corpus()
    messages = [m for m in of(Message, events(name)) if m.texts is not None]
    for m in messages:
        again = split_segments(m.text, m.interchange.delimiters)
        assert again.segments == m.segments and (again.issues == [] or m.problems), m.text
    assert messages or not of(Message, events(name))


@pytest.mark.parametrize("name", ORDERS or [None])
def test_every_orders_file_yields_orders_messages(name: str | None) -> None:
    if name is None:
        require_corpus()
    messages = of(Message, events(name))
    assert any(m.message_type == "ORDERS" for m in messages)
    for m in messages:
        assert m.position >= 1 and m.segments[0].tag == "UNH"
        assert m.segments[-1].tag == "UNT" or any(p.code == "13" and p.segment_tag == "UNT" for p in m.problems)


# --------------------------------------------------------------------------- against pydifact
def terminator(text: str) -> str:
    return text[8] if text.startswith("UNA") and len(text) > 8 else "'"


def normalise(text: str) -> str:
    """The layout the reader reads through and pydifact does not: leading BOM and whitespace,
    lines wrapped at a fixed width, tabs after a terminator and its line break."""
    text = text.lstrip("\ufeff \t\r\n")
    term = terminator(text)
    if term not in "\r\n":
        t = re.escape(term)
        text = re.sub(f"(?<![{t}\r\n])[\r\n]+", "", text)
        text = re.sub(f"(?<=[{t}])[ \t]*[\r\n][ \t\r\n]*", "", text)
    return text


def pydifact_segments(text: str) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(Parser().parse(text))


def reader_segments(evs: list) -> list:
    out = []
    for e in evs:
        if isinstance(e, InterchangeHeader) and e.segment is not None:
            out.append(e.segment)
        elif isinstance(e, GroupHeader):
            out.append(e.segment)
        elif isinstance(e, Message):
            out.extend(e.segments)
        elif isinstance(e, (GroupEnd, InterchangeEnd)) and e.segment is not None:
            out.append(e.segment)
    return out


@pytest.mark.parametrize("name", ALL or [None])
def test_segments_are_exactly_pydifacts(name: str | None) -> None:
    if name is None:
        require_corpus()
    data = read(name)
    text = normalise(decode_edifact(data))
    try:
        expected = pydifact_segments(text)
    except Exception as exc:  # pydifact raises several kinds (EDISyntaxError, ValueError, IndexError)
        assert name in PYDIFACT_FAILS, f"pydifact raised {exc!r}"
        # Where pydifact gives up, the reader reads on and says what is wrong.
        assert problems(events(name)), "pydifact raises, so the reader must report a problem"
        return
    assert name not in PYDIFACT_FAILS
    # The tokenizer on the same text...
    assert parse_segments(text) == expected
    # ...and the reader on the raw bytes, when nothing was left outside the messages.
    evs = events(name)
    if not any(p.code == "33" for p in problems(evs)):
        body = expected[1:] if expected and expected[0].tag == "UNA" else expected
        assert reader_segments(evs) == body


def test_the_corpus_has_files_on_which_pydifact_fails() -> None:
    if not EDIFACT.is_dir():
        require_corpus()
    assert set(PYDIFACT_FAILS) <= set(ALL)


# --------------------------------------------------------------------------- the sanity scan
def sanity_rows() -> dict[str, tuple[str, str, str, tuple[int, int, int], str]]:
    """Start, UNA, syntax, #UNB/#UNG/#UNH and message types per file, from the corpus's own scan."""
    report = CORPUS / "SANITY_REPORT.md"
    if not report.is_file():
        return {}
    rows = re.findall(r"^\| edifact/(\S+) \| (UNA|UNB) \| ([^|]*) \| ([^|]*) \| (\d+)/(\d+)/(\d+) \| ([^|]*) \|",
                      report.read_text(encoding="utf-8"), re.M)
    return {name: (start, una.strip(), syntax.strip(), (int(b), int(g), int(h)), types.strip())
            for name, start, una, syntax, b, g, h, types in rows}


# The scan read every file with the default separators and without unwrapping lines.
SANITY_DIFFERENCES = {
    "orders/oboe__orders.newdelimiters.edi": "the scan did not see its '\"' '=' ';' separators",
    "other/edinet__edifact.D01B.IFCSUM.NewLines.EDI": "the scan did not take line breaks as terminators",
    "other/staedi__wrapped_invoic_d97b_una.edi": "the scan did not unwrap 'UN\\nOA' and 'U\\nN'",
}


# Where the scan is the one that is wrong, the comparison is expected to fail (strictly: if
# the scan is corrected and the files agree, the entry must go).
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, raises=AssertionError,
                                               reason=SANITY_DIFFERENCES[name]))
    if name in SANITY_DIFFERENCES else name for name in ALL] or [None])
def test_envelopes_agree_with_the_independent_sanity_scan(name: str | None) -> None:
    if name is None:
        require_corpus()
    row = sanity_rows().get(name)
    require(row is not None, f"the corpus's SANITY_REPORT.md has no row for {name}")
    start, una, syntax, counts, types = row
    evs = events(name)
    headers = of(InterchangeHeader, evs)
    assert start == ("UNA" if headers[0].una else "UNB") or not headers[0].present
    if una.startswith("(none"):
        assert not headers[0].una
    else:
        d = headers[0].delimiters
        shown = [d.component, d.element, d.decimal, d.release or " ", d.repetition or " ", d.segment]
        assert una == " ".join("SPACE" if c == " " else c for c in shown)
    present = [h for h in headers if h.present]
    first = present[0] if present else None
    ours = "None" if first is None else (f"{first.syntax_identifier}:{first.syntax_version}"
                                        if first.syntax_identifier else "")
    assert ours == syntax
    messages = of(Message, evs)
    assert (len(present), len(of(GroupHeader, evs)), len(messages)) == counts
    seen: dict[str, int] = {}
    for m in messages:
        key = ":".join((m.message_type, m.version, m.release, m.agency))
        seen[key] = seen.get(key, 0) + 1
    assert ", ".join(f"{k} x{v}" for k, v in seen.items()) == types


# --------------------------------------------------------------------------- by hand
def test_unoe_cyrillic() -> None:
    evs = events("orders/edireader__ORDERS-D01B-UNOE.edi")
    assert evs[0].charset == "iso8859_5" and evs[0].syntax_identifier == "UNOE"
    nad = next(s for s in of(Message, evs)[0].segments if s.tag == "NAD")
    assert nad.elements[1][0] == "Лорем ипсу"


def test_tiny_syntax_variants_differ_only_in_charset() -> None:
    unoa = events("other/edireader__tiny-syntaxVariants-UNOA.edi")
    unoe = events("other/edireader__tiny-syntaxVariants-UNOE.edi")
    assert unoa[0].delimiters == unoe[0].delimiters
    assert (unoa[0].delimiters.component, unoa[0].delimiters.element, unoa[0].delimiters.segment) == ("^", "*", "$")
    assert of(Message, unoa)[0].segments[2].elements[3] == "GENERAL WIDGET COMPANY"
    assert of(Message, unoe)[0].segments[2].elements[3] == "Рыба текст"
    assert unoe[0].charset == "iso8859_5"
    assert (unoe[0].application_reference, unoe[0].agreement_id, unoe[0].test_indicator) == ("aref", "cid", "t")
    assert "rref" not in repr(unoe[0])  # S005, the recipient's reference or password


def test_wrapped_files_read_as_their_unwrapped_twins() -> None:
    for wrapped, plain in (("other/staedi__wrapped_invoic_d97b.edi", "other/staedi__invoic_d97b.edi"),
                           ("other/staedi__wrapped_invoic_d97b_una.edi", "other/staedi__invoic_d97b_una.edi")):
        a, b = events(wrapped), events(plain)
        assert reader_segments(a) == reader_segments(b)
        assert a[0].syntax_identifier == "UNOA"
    assert events("other/staedi__invoic_d97b_una.edi")[0].recipient == ("006415160", "1")  # "006?415160"


def test_release_characters_in_real_files() -> None:
    ok = of(Message, events("orders/phpedifact__example_order_ok.edi"))[0].segments
    error = of(Message, events("orders/phpedifact__example_order_error.edi"))[0].segments
    assert len(ok) == len(error) == 599
    milk = next(k for k, s in enumerate(ok) if "Vollmilch" in str(s))
    assert ok[milk].elements[2] == ["", "", "", "H-Vollmilch 3,5%  **Marke**", "1l Tertra mit Drehverschluss"]
    assert error[milk] == ok[milk]  # "?*" is a released "*", though "*" needs no release here
    soup = next(k for k, s in enumerate(ok) if "Sup 1" in str(s))
    # U+FFFD: the sample's umlauts were lost before it reached the corpus.
    assert ok[soup].elements[2][3:] == ["H\ufffdhnersuppe Konzentrat ohne", "Einlage f Sup 1:10 und So\ufffd 1:6"]
    # The "error" sample leaves the ":" unreleased: one element, more components.
    assert error[soup].elements[2][3:] == ["H\ufffdhnersuppe Konzentrat ohne", "Einlage f Sup 1",
                                          "10 und So\ufffd 1", "6"]
    escape = of(Message, events("orders/oboe__orders.escape.edi"))[0]
    assert escape.segments[7].elements == ["SU", "00400531", "", "'company??"]
    assert escape.segments[8].elements[3:5] == ["mendelson-e-commerce", "Bran? : + ' Str. 38"]


def test_two_interchanges_in_one_file() -> None:
    evs = events("other/koha__INVOICE.CEI")
    headers = of(InterchangeHeader, evs)
    assert [(h.control_reference, h.position, h.una) for h in headers] == [
        ("0000000002", 1, True), ("0000000001", 53, True)]
    assert [m.reference for m in of(Message, evs)] == ["00003", "00002"]


def test_apperak_empty_unb_then_a_real_one() -> None:
    evs = events("other/edinet__Apperak_edi_out_issue235.edi")
    first, second = of(InterchangeHeader, evs)
    assert (first.control_reference, first.syntax_identifier) == ("4", "")
    assert second.sender == ("8717982000004", "14") and second.control_reference == ""
    assert of(Message, evs)[0].interchange is second


def test_groups_in_real_files() -> None:
    evs = events("orders/staedi__orders-with-group.edi")
    group = of(GroupHeader, evs)[0]
    assert (group.message_group_id, group.sender, group.reference, group.message_version,
            group.message_release, group.association_code) == (
        "ORDERS", ("5400110000009", "14"), "1", "D", "96A", "EAN008A")
    assert of(Message, evs)[0].group is group and of(Message, evs)[0].association_code == "EAN008B"
    paiement = of(GroupEnd, events("other/edinet__edifact.Paiement.Issue139.EDI"))[0]
    assert paiement.message_count == 1 and not paiement.problems


def test_line_break_terminators_and_custom_separators_without_una() -> None:
    ifcsum = events("other/edinet__edifact.D01B.IFCSUM.NewLines.EDI")
    assert ifcsum[0].delimiters.segment == "\n"
    assert of(Message, ifcsum)[0].segments[-1].elements == ["787", "1"]
    oboe = of(Message, events("orders/oboe__orders.newdelimiters.edi"))[0]
    assert oboe.segments == of(Message, events("orders/oboe__orders.edi"))[0].segments


def test_utf8_in_unknown_syntax_identifier() -> None:
    msg = of(Message, events("other/estratoedifact__multibyte.edi"))[0]
    assert msg.segments[1].elements == [["1", "你好"]]
