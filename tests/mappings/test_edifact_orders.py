"""ORDERS → SalesOrder: hand-built messages for each feature, and every ORDERS in the shared corpus.

Messages are read with pydifact itself (the reader in ``parsers/edifact.py`` yields the same
pydifact segments). Positions in the interchange count UNB as 1; a UNA is not a segment.
"""

from __future__ import annotations

import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment

from ordergate.mappings.edifact_orders import MessageRejected, map_orders
from ordergate.orders.model import Purpose
from ordergate.sinks.edifact.envelope import SYNTAX_CHARSETS
from tests.kit.corpus import CORPUS as SHARED_CORPUS
from tests.kit.corpus import outcome_matches
from tests.kit.strict import require

ROOT = Path(__file__).resolve().parents[2]
CORPUS = SHARED_CORPUS / "edifact" / "orders"


# ---------------------------------------------------------------- helpers
def messages_of(text: str) -> list[tuple[int, list[Segment], str]]:
    """(UNH position in the interchange, UNH..UNT segments, UNA decimal mark) per message."""
    with warnings.catch_warnings():
        # pydifact warns for every segment it has no directory to validate against.
        warnings.simplefilter("ignore")
        segments = list(Parser().parse(text))
    mark = "."
    found: list[tuple[int, list[Segment], str]] = []
    current: list[Segment] | None = None
    start = position = 0
    for seg in segments:
        if seg.tag == "UNA":
            mark = seg.elements[0][2]
            continue
        position += 1
        if seg.tag == "UNH":
            current, start = [seg], position
        elif current is not None:
            current.append(seg)
            if seg.tag == "UNT":
                found.append((start, current, mark))
                current = None
    if current is not None:  # no UNT: hand over what there is
        found.append((start, current, mark))
    return found


def mapped(message: tuple[int, list[Segment], str]):
    position, segments, mark = message
    return map_orders(segments, decimal_mark=mark, partner_id="edifact:14:5412345000013",
                      customer_id="ACME", source_key="k", channel="test",
                      message_position=position, interchange_reference="77")


def orders(*body: str, una: str = ":+.? '", version: str = "D:96A:UN:EAN008") -> str:
    """An interchange around one ORDERS with ``body`` between UNH and UNT."""
    terminator = una[5]
    segments = [f"UNH+ME1+ORDERS:{version.replace(':', una[0])}", *body,
                f"UNT+{len(body) + 2}+ME1"]
    return (f"UNA{una}UNB+UNOC:3+5412345000013:14+ORDERGATE:ZZ+260101:1200+77{terminator}"
            + "".join(s + terminator for s in segments) + f"UNZ+1+77{terminator}")


def one(*body: str, **kwargs):
    (message,) = messages_of(orders(*body, **kwargs))
    return mapped(message)


def rejected(*body: str, **kwargs) -> MessageRejected:
    with pytest.raises(MessageRejected) as info:
        one(*body, **kwargs)
    return info.value


HEAD = ("BGM+220+PO-4711+9", "DTM+137:20261120:102")
LINE = ("LIN+1++4012345678901:EN", "QTY+21:10:PCE")


# ---------------------------------------------------------------- features
def test_eancom_order_maps_every_field():
    order = one(
        "BGM+220+PO-4711+9", "DTM+137:20261120:102", "DTM+2:202612011000:203",
        "FTX+ZZZ+++Deliver to the back door:ring twice", "RFF+CR:ABC-5", "DTM+171:20261119:102",
        "NAD+BY+5412345000013::9", "RFF+VA:DE123456789",
        "NAD+SU+4012345000009::9",
        "NAD+DP+5412345000020::9++Acme Store 17:Garden Centre+Industriestr. 12:Tor 4+Köln+NW+"
        "50667+DE",
        "NAD+IV+5412345000037::9++Acme Holding AG+Postfach 1+Bonn++53111+DE",
        "CUX+2:EUR:9",
        "LIN+1++4012345678901:EN", "PIA+1+HW-1001:SA::91+ACME-55012:IN::92",
        "IMD+F++:::Hex bolt M8x40", "QTY+21:10:PCE", "FTX+AAI+++urgent", "PRI+AAA:16.50",
        "RFF+LI:7",
        "LIN+2++5012345678900:EN", "QTY+21:2.5:KGM", "PRI+AAB:4",
        "UNS+S", "CNT+2:2", "CNT+1:12.5")
    assert (order.po_number, order.po_date, order.purpose, order.order_type, order.currency) == (
        "PO-4711", date(2026, 11, 20), Purpose.ORIGINAL, "220", "EUR")
    assert order.requested_date == date(2026, 12, 1) and order.format == "edifact-orders"
    # Header references keep their qualifier; a party's own references are prefixed with it.
    assert order.references == {"CR": "ABC-5", "NAD:BY": "5412345000013", "BY:VA": "DE123456789",
                                "NAD:SU": "4012345000009"}
    ship = order.ship_to
    assert (ship.code, ship.code_qualifier, ship.name) == (
        "5412345000020", "9", "Acme Store 17 Garden Centre")
    assert ship.street == ["Industriestr. 12", "Tor 4"]
    assert (ship.city, ship.state, ship.postal_code, ship.country) == ("Köln", "NW", "50667", "DE")
    assert order.bill_to.name == "Acme Holding AG" and order.bill_to.city == "Bonn"
    first, second = order.lines
    assert (first.line_number, first.buyer_line_id, first.gtin, first.vendor_part,
            first.buyer_part) == (1, "1", "04012345678901", "HW-1001", "ACME-55012")
    assert (first.quantity, first.uom, first.unit_price, first.description) == (
        Decimal("10"), "PCE", Decimal("16.50"), "Hex bolt M8x40")
    assert first.source_position == 15  # UNB=1, UNH=2, LIN is the 14th segment of the message
    assert (second.quantity, second.uom, second.unit_price) == (Decimal("2.5"), "KGM", Decimal("4"))
    assert order.notes == ["Deliver to the back door ring twice", "line 1: urgent"]
    assert order.warnings == []


@pytest.mark.parametrize("dates, expected", [
    (("DTM+63:20261210:102", "DTM+64:20261201:102", "DTM+2:20261205:102"), date(2026, 12, 5)),
    (("DTM+63:20261210:102", "DTM+64:20261201:102"), date(2026, 12, 1)),
    (("DTM+63:20261210:102",), date(2026, 12, 10)),
    (("DTM+2:20261201-20261205:718",), date(2026, 12, 1)),
    (("DTM+2:261201:101",), date(2026, 12, 1)),
    (("DTM+2:980615:101",), date(1998, 6, 15)),
    (("DTM+2:202612011530:203",), date(2026, 12, 1)),
    (("DTM+2:202649:616",), date(2026, 11, 30)),  # ISO week 49: its Monday
    (("DTM+2:20261201",), date(2026, 12, 1)),  # no 2379: the length says CCYYMMDD
])
def test_requested_date_prefers_2_then_64_then_63_in_any_format(dates, expected):
    order = one(*HEAD, *dates, *LINE)
    assert order.requested_date == expected


@pytest.mark.parametrize("function, purpose", [
    ("9", Purpose.ORIGINAL), ("5", Purpose.REPLACE), ("1", Purpose.CANCEL),
    ("3", Purpose.CHANGE), ("4", Purpose.CHANGE), ("7", Purpose.DUPLICATE),
    ("31", Purpose.DUPLICATE), ("6", Purpose.CONFIRMATION), ("46", Purpose.OTHER),
    ("", Purpose.ORIGINAL),
])
def test_bgm_message_function_maps_to_purpose(function, purpose):
    bgm = f"BGM+220+PO-1+{function}" if function else "BGM+220+PO-1"
    assert one(bgm, *LINE).purpose is purpose


def test_d01b_document_identifier_composite_and_order_date():
    order = one("BGM+220::9+PO-1:2+9", "DTM+4:20260101:102", *LINE, version="D:01B:UN:EAN010")
    assert order.po_number == "PO-1" and order.po_date == date(2026, 1, 1)


def test_decimal_comma_from_una_and_either_mark_in_the_data():
    order = one(*HEAD, "LIN+1++4012345678901:EN", "QTY+21:2,5", "PRI+AAA:12,50",
                "LIN+2++4012345678901:EN", "QTY+21:3.25", "PRI+AAA:1,",
                una=":+,? '")
    assert [line.quantity for line in order.lines] == [Decimal("2.5"), Decimal("3.25")]
    assert [line.unit_price for line in order.lines] == [Decimal("12.50"), Decimal("1")]


def test_price_basis_net_before_gross_and_unapplied_allowances():
    order = one(*HEAD,
                "LIN+1++4012345678901:EN", "QTY+21:100", "PRI+AAB:140:CA::100:PCE",
                "PRI+AAA:125:CA::100:PCE",
                "LIN+2++4012345678901:EN", "QTY+21:1", "PRI+AAB:10.5::SRP", "ALC+A", "PCD+3:20",
                "LIN+3++4012345678901:EN", "QTY+21:3", "PRI+AAA:10:CA::3")
    assert [line.unit_price for line in order.lines] == [Decimal("1.25"), Decimal("10.5"),
                                                         Decimal("3.3333")]
    (warning,) = order.warnings
    assert "line 1" not in warning and "gross price (PRI AAB)" in warning and "ALC" in warning


def test_cnt_mismatch_is_a_warning_not_a_rejection():
    order = one(*HEAD, *LINE, "LIN+2++4012345678901:EN", "QTY+21:5", "UNS+S", "CNT+2:3",
                "CNT+1:11")
    assert len(order.lines) == 2
    assert any("CNT 2 says 3 line items but the order has 2" in w for w in order.warnings)
    assert any("quantity total 11 does not match the quantities' sum 15" in w
               for w in order.warnings)
    assert "CNT at position 10, UNH ME1" in order.warnings[0]


def test_item_numbers_by_meaning():
    order = one(
        *HEAD,
        # ISBN-10 becomes its Bookland EAN; a substitute's number never identifies the line.
        "LIN+1+1+0764569104:IB", "PIA+3+SUB-1:SA", "QTY+1:25",
        # An untyped number is a GTIN only when its check digit says so.
        "LIN+2++4012345678901", "QTY+21:1",
        "LIN+3++70567894", "PIA+5+A-3:VP+B-3:BP", "QTY+21:1",
        "LIN+4++012345678905:UP", "QTY+21:1",
        "LIN+5++:EN", "PIA+5+1276:SA::9", "PIA+5+31136:IN::9", "QTY+21:1",
    )
    first, second, third, fourth, fifth = order.lines
    assert first.gtin == "09780764569104" and first.vendor_part is None
    assert first.quantity == 25  # QTY+1 (discrete) stands in for a missing QTY+21
    assert second.gtin == "04012345678901"
    assert (third.gtin, third.vendor_part, third.buyer_part) == (None, "A-3", "B-3")
    assert fourth.gtin == "00012345678905"
    assert (fifth.gtin, fifth.vendor_part, fifth.buyer_part) == (None, "1276", "31136")


def test_ship_to_synonym_unstructured_address_and_release_characters():
    order = one(*HEAD, "NAD+ST++Bestellername?: A?+B:Strasse 1++++++DE",
                "NAD+BY+++O?'Brien ?? Sons", *LINE)
    assert order.ship_to.name == "Bestellername: A+B" and order.ship_to.street == ["Strasse 1"]
    assert order.ship_to.country == "DE" and order.ship_to.code is None


def test_continued_names_and_descriptions_are_glued_where_they_were_cut():
    order = one(*HEAD, "NAD+DP+1::9++OBI 029 PLZEN II. OBI CESKA REPUBLI:KA S.R.O",
                "LIN+1++4012345678901:EN",
                "IMD+F++:::BATERIE UMYVADLOVAS VYPUSTI TITANIA:NEW", "QTY+21:1",
                "LIN+2++4012345678901:EN", "IMD+F++:::Rapsöl 10l:EASY-BOX", "QTY+21:1")
    assert order.ship_to.name == "OBI 029 PLZEN II. OBI CESKA REPUBLIKA S.R.O"
    assert [line.description for line in order.lines] == [
        "BATERIE UMYVADLOVAS VYPUSTI TITANIANEW", "Rapsöl 10l EASY-BOX"]


def test_currency_prefers_the_order_currency():
    assert one(*HEAD, "CUX+2:EUR:4+3:CHF:9", *LINE).currency == "CHF"
    assert one(*HEAD, "CUX+3:USD:11+2:GBP", *LINE).currency == "GBP"


# ---------------------------------------------------------------- rejections
@pytest.mark.parametrize("segment, tag, element, component, code", [
    ("QTY+21:ONE:PCE", "QTY", 2, 2, "37"),
    ("QTY+21:1.2.3", "QTY", 2, 2, "12"),
    ("QTY+21", "QTY", 2, 2, "13"),
    ("QTY+21:1e5", "QTY", 2, 2, "37"),
    ("QTY+21:100000000000000", "QTY", 2, 2, "39"),
    ("QTY+21:1:ABCDEFGHI", "QTY", 2, 3, "39"),
    ("PRI+AAA:12,50,1", "PRI", 2, 2, "12"),
    ("PRI+AAA:10:CA::0", "PRI", 2, 5, "12"),
    ("PIA+5+" + "X" * 65 + ":SA", "PIA", 3, 1, "39"),
])
def test_unreadable_line_value_rejects_with_ucs_ucd_detail(segment, tag, element, component, code):
    problem_line = ["LIN+2++4012345678901:EN", segment]
    if not segment.startswith("QTY"):
        problem_line.append("QTY+21:1")
    error = rejected(*HEAD, *LINE, *problem_line)
    (problem,) = error.problems
    assert error.po_number == "PO-4711"
    assert (problem.segment_tag, problem.segment_position, problem.code) == (tag, 7, code)
    # DE 0098 counts the tag as 1: the first data element is at position 2.
    assert (problem.element_position, problem.component_position) == (element, component)
    assert problem.position == 8 and problem.message_reference == "ME1"
    assert problem.interchange_reference == "77" and "UNB 77" in str(problem)
    assert problem.is_segment_detail
    assert f"segment {tag}" in str(error) and "position 8" in str(error)


@pytest.mark.parametrize("body, tag, position, element, code", [
    (("BGM+220++9", *LINE), "BGM", 2, 3, "13"),
    (("BGM+220+" + "P" * 65 + "+9", *LINE), "BGM", 2, 3, "39"),
    (("BGM+220+PO-1+9", "DTM+137:20261345:102", *LINE), "DTM", 3, 2, "12"),
    (("BGM+220+PO-1+9", "DTM+137:2026II01:102", *LINE), "DTM", 3, 2, "37"),
    (("BGM+220+PO-1+9", "DTM+2:2026:999", *LINE), "DTM", 3, 2, "14"),
    (("BGM+220+PO-1+9", "DTM+2:20261201:203", *LINE), "DTM", 3, 2, "12"),
    (("BGM+220+PO-1+9", "CUX+2:EURO:9", *LINE), "CUX", 3, 2, "39"),
    (("BGM+220+PO-1+9", "NAD+BY+" + "1" * 65 + "::9", *LINE), "NAD", 3, 3, "39"),
    (("BGM+220+PO-1+9", "LIN+" + "1" * 21, "QTY+21:1"), "LIN", 3, 2, "39"),
])
def test_unreadable_header_value_rejects(body, tag, position, element, code):
    (problem,) = rejected(*body).problems
    assert (problem.segment_tag, problem.segment_position, problem.element_position,
            problem.code) == (tag, position, element, code)


def test_missing_segments_are_reported_at_segment_level():
    (problem,) = rejected(*LINE).problems
    assert (problem.segment_tag, problem.code, problem.element_position) == ("BGM", "13", None)
    (problem,) = rejected(*HEAD, "UNS+S").problems
    assert (problem.segment_tag, problem.segment_position, problem.code) == ("LIN", 4, "13")
    error = rejected(*HEAD, "LIN+1++4012345678901:EN", "QTY+59:6", "UNS+S")
    (problem,) = error.problems
    assert (problem.segment_tag, problem.segment_position, problem.code) == ("QTY", 6, "13")
    assert "no ordered quantity" in str(error) and error.po_number == "PO-4711"


# ---------------------------------------------------------------- the shared corpus
def read_corpus_file(path: Path) -> list[tuple[int, list[Segment], str]] | None:
    """pydifact's reading of a corpus file, unwrapped if it was cut into fixed-width lines;
    None when pydifact cannot read it either way."""
    data = path.read_bytes()
    at = data.find(b"UNB+")
    codec = SYNTAX_CHARSETS.get(data[at + 4:at + 8].decode("ascii", "replace"), "latin-1") \
        if at >= 0 else "latin-1"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    for candidate in (text, text.replace("\r", "").replace("\n", "")):
        try:
            return messages_of(candidate)
        except (EDISyntaxError, ValueError, IndexError):
            continue
    return None


# What each corpus file gives today, one entry per ORDERS message in it: "maps", or why the
# message is turned down ("rejected: <fragment of the ORDRSP/CONTRL reason>"), or
# "unreadable: pydifact" for a file pydifact cannot split into segments (the intake's own
# reader answers those with a CONTRL; tests/parsers/test_edifact_corpus.py covers that).
# A file not listed here, or an outcome that changes, fails: a change in what we accept must be
# a decision written down here, not something a test lets through either way.
CORPUS_OUTCOMES: dict[str, list[str]] = {
    "edifactparserrb__separate_lines_ORDERS_D03B.edi": ["maps"],
    "edifactrs__d01b_orders_conforming.edi": ["rejected: the order has no line items"],
    "edifactrs__d11a_conforming.edi": ["maps"],
    "edifactrs__d96a_orders_malformed.edi": ["rejected: mandatory segment BGM (beginning of message) is missing"],
    "edireader__ORDERS-D01B-UNOE.edi": ["rejected: line item Loremx (LIN at segment 112) has no ordered quantity"],
    "estratoedifact__order.edi": ["maps"],
    "oboe__orders.edi": ["maps"],
    "oboe__orders.escape.edi": ["rejected: line item 1 (LIN at segment 11) has no ordered quantity"],
    "oboe__orders.missingMandatorySegments.edi": ["rejected: mandatory segment BGM (beginning of message) is missing"],
    "oboe__orders.newdelimiters.edi": ["unreadable: pydifact"],
    "oboe__orders.withbadunbsegment.edi": ["unreadable: pydifact"],
    "ocaedi__Retail_EDIFACT_ORDERS_sample1.txt": ["maps"],
    "ocaedi__Retail_EDIFACT_ORDERS_sample2.txt": ["maps"],
    "ocaedi__test_orders_-_no_PRI_segments.txt": ["maps"],
    "ocaedi__test_orders_-_no_ean_in_LIN_segments.txt": ["maps"],
    # Named "error" by its authors for a syntax detail the mapping does not depend on.
    "phpedifact__example_order_error.edi": ["maps"],
    "phpedifact__example_order_ok.edi": ["maps"],
    "pydifact__order.edi": ["maps"],
    "pydifact__order2.edi": ["maps"],
    "pydifact__wikipedia_de.edi": ["maps"],
    "smooksedi__BAD_ORDERS_D.03B_Interchange.txt": ["maps"],
    "smooksedi__ORDERS_D.03B_Interchange.txt": ["maps"],
    "smooksex__camel-unedifact-orders-input-message.txt": ["maps"],
    "staedi__orders-with-group.edi": ["maps"],
    "underware__D93A_ORDERS.txt": ["maps"],
    "vgix12__orders_edifact.edi": ["rejected: the order has no line items"],
}


def corpus_names() -> list[str]:
    """The table's files and whatever else the corpus holds, so a new file cannot slip by."""
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file()} if CORPUS.is_dir() else set()
    return sorted(on_disk | set(CORPUS_OUTCOMES))


def corpus(name: str):
    path = CORPUS / name
    require(path.is_file(), f"corpus file {path} is missing")
    messages = read_corpus_file(path)
    assert messages, f"{name}: pydifact read no message"
    return messages


def outcomes(path: Path) -> list[str]:
    """What each ORDERS message of the file gives, as "maps" or "<kind>: <message>"; every
    rejection must name the segment and its position."""
    messages = read_corpus_file(path)
    if messages is None:
        return ["unreadable: pydifact cannot read the file"]
    assert messages, f"{path.name}: no UNH..UNT message read"
    found = []
    for message in messages:
        try:
            order = mapped(message)
        except MessageRejected as exc:
            assert exc.problems, path.name
            for problem in exc.problems:
                assert problem.code and problem.segment_tag and problem.segment_position
                assert problem.position is not None and "position" in str(problem)
            found.append(f"rejected: {exc}")
            continue
        assert order.po_number and order.lines
        assert all(line.quantity is not None and line.quantity > 0 for line in order.lines)
        assert all(line.gtin or line.vendor_part or line.buyer_part for line in order.lines)
        found.append("maps")
    return found


@pytest.mark.parametrize("name", corpus_names())
def test_every_corpus_orders_gives_its_listed_outcome(name):
    require(CORPUS.is_dir(), f"the shared EDIFACT corpus is missing at {CORPUS}")
    assert name in CORPUS_OUTCOMES, f"{name} is new in the corpus: list its outcome in CORPUS_OUTCOMES"
    path = CORPUS / name
    require(path.is_file(), f"corpus file {path} is missing")
    actual = outcomes(path)
    expected = CORPUS_OUTCOMES[name]
    assert len(actual) == len(expected) and all(map(outcome_matches, expected, actual)), (expected, actual)


def test_an_outcome_is_matched_by_kind_and_fragment():
    assert outcome_matches("maps", "maps") and not outcome_matches("maps", "rejected: maps")
    assert outcome_matches("rejected: no line items", "rejected: the order has no line items (position 7)")
    assert not outcome_matches("rejected: no line items", "unreadable: no line items")
    assert not outcome_matches("unreadable: pydifact", "maps")


def test_corpus_amazon_order_gtins_prices_and_invoicee():
    (message,) = corpus("ocaedi__Retail_EDIFACT_ORDERS_sample1.txt")
    order = mapped(message)
    assert (order.po_number, order.po_date, order.currency) == ("1AA1TEST", date(2023, 6, 6), "EUR")
    assert [(line.gtin, line.quantity, line.unit_price) for line in order.lines] == [
        ("09783898307529", 5, Decimal("27.5")), ("09783898307538", 1, Decimal("10.87")),
        ("09783898307645", 3, Decimal("3.85"))]
    assert order.bill_to.name == "AMAZON EU SARL" and order.bill_to.postal_code == "1855"
    assert order.references["IV:VA"] == "LU20260743" and order.references["CR"] == "ABCD5"
    assert order.ship_to.code == "5450534008617" and order.ship_to.country == "GB"
    assert order.warnings == []  # CNT+2:3 matches


def test_corpus_supplier_article_numbers_and_earliest_delivery():
    (message,) = corpus("ocaedi__Retail_EDIFACT_ORDERS_sample2.txt")
    order = mapped(message)
    assert [line.vendor_part for line in order.lines] == ["567123", "1234567", "765432"]
    assert order.requested_date == date(2022, 11, 24)  # DTM 64 before 63 (2022-11-27)


def test_corpus_order_without_ean_reads_pia_imd_and_gross_prices():
    (message,) = corpus("ocaedi__test_orders_-_no_ean_in_LIN_segments.txt")
    order = mapped(message)
    assert order.po_number == "467819" and order.requested_date == date(2023, 3, 22)
    assert len(order.lines) == 5 and order.currency == "EUR"
    first = order.lines[0]
    assert (first.vendor_part, first.buyer_part, first.quantity, first.uom, first.unit_price,
            first.description) == ("1276", "31136", 12, "BOU", Decimal("5.22"), "Product1")
    assert order.lines[2].vendor_part == "98891 75"


def test_corpus_d93a_order_wrapped_at_fixed_width():
    (message,) = corpus("underware__D93A_ORDERS.txt")
    order = mapped(message)
    assert (order.po_number, order.currency, order.requested_date) == (
        "168677", "CZK", date(2019, 3, 18))
    assert len(order.lines) == 17
    first = order.lines[0]
    assert (first.gtin, first.vendor_part, first.buyer_part, first.quantity, first.uom,
            first.unit_price) == ("08590309068648", "94401", "1112143", 5, "PCE", Decimal("456.6"))
    assert first.description == "BATERIE UMYVADLOVAS VYPUSTI TITANIANEW"
    assert order.ship_to.city == "PLZEN - JIZNI PREDMESTI" and order.ship_to.country == "CZ"


def test_corpus_book_orders_with_isbns_and_discrete_quantities():
    (message,) = corpus("smooksedi__ORDERS_D.03B_Interchange.txt")
    order = mapped(message)
    assert order.po_number == "BKOD99" and len(order.lines) == 4
    assert [line.quantity for line in order.lines] == [25, 25, 16, 10]
    assert order.lines[0].gtin == "09780764569104"  # ISBN 0764569104
    assert order.notes[0] == "line 1: Lord of the Rings"


def test_corpus_decimal_comma_una_and_minute_dates():
    (message,) = corpus("pydifact__order.edi")
    order = mapped(message)
    assert (order.po_date, order.requested_date) == (date(2015, 8, 3), date(2015, 8, 6))
    assert [line.gtin for line in order.lines] == ["05020436373085", "05020436373108"]
    assert order.ship_to.code == "8711576100019"


def test_corpus_grouped_d96b_order():
    (message,) = corpus("staedi__orders-with-group.edi")
    (line,) = mapped(message).lines
    assert (line.gtin, line.buyer_part, line.quantity, line.unit_price, line.description) == (
        "05400111864181", "8641800", 288, Decimal("12.80"), "WIDGETS")


def test_corpus_gross_prices_with_allowances_hold_the_order():
    (message,) = corpus("oboe__orders.edi")
    order = mapped(message)
    assert [line.unit_price for line in order.lines] == [Decimal("10.5"), Decimal("9.25"), 30]
    assert len(order.warnings) == 3 and all("ALC" in w for w in order.warnings)


def test_corpus_german_order_with_release_characters():
    (message,) = corpus("phpedifact__example_order_ok.edi")
    order = mapped(message)
    assert order.po_number == "2019265563" and len(order.lines) == 146
    assert order.ship_to.name.startswith("A+A K")  # "A?+A": the release character
    assert (order.lines[0].vendor_part, order.lines[0].buyer_part) == ("1001", "6001001")
    assert order.warnings == []


def test_corpus_messages_without_lines_or_bgm_are_rejected():
    for name, tag in (("edifactrs__d01b_orders_conforming.edi", "LIN"),
                      ("edifactrs__d96a_orders_malformed.edi", "BGM"),
                      ("oboe__orders.missingMandatorySegments.edi", "BGM")):
        (message,) = corpus(name)
        with pytest.raises(MessageRejected) as info:
            mapped(message)
        assert info.value.problems[0].segment_tag == tag and info.value.problems[0].code == "13"
