"""``FastSerializer`` writes what pydifact's ``Serializer`` writes, byte for byte, and the
renderers built on it (ORDRSP, CONTRL, the envelope's whole-text charset check) send the
bytes the slower general path would.

The replies are the real ones: every ORDERS in samples/edifact, in the shared corpus
(../shared/corpus, or $ORDERGATE_CORPUS) and in generated interchanges whose values need the
release character, mapped and checked, then answered with an ORDRSP, a duplicate ORDRSP and
a CONTRL. Without the corpus the corpus cases skip, except in strict mode (tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from benchmarks.gen_orders import generate_orders_interchange
from ordergate.masterdata.catalog import Catalog, Customer, Product
from ordergate.parsers.edifact.reader import iter_edifact
from ordergate.parsers.edifact.types import InterchangeHeader
from ordergate.processing.edifact.prepare import PreparedMessage, prepare_edifact
from ordergate.settings import Settings
from ordergate.sinks.edifact import envelope as edifact_envelope
from ordergate.sinks.edifact.contrl import InterchangeAck, build_contrl
from ordergate.sinks.edifact.envelope import (
    REPLY_CHARACTERS,
    SYNTAX_CHARSETS,
    EdifactParty,
    EdifactReply,
    OutMessage,
    render_interchange,
    segment,
    written_for,
)
from ordergate.sinks.edifact.ordrsp import (
    build_duplicate_ordrsp,
    build_ordrsp,
    write_lines_ahead,
)
from ordergate.sinks.edifact.serializer import FastSerializer
from tests.kit.corpus import CORPUS as SHARED_CORPUS
from tests.kit.corpus import require_corpus

ROOT = Path(__file__).resolve().parents[2]
CORPUS = SHARED_CORPUS / "edifact"
WHEN = datetime(2026, 11, 21, 9, 30)
TODAY = date(2026, 11, 21)
# SKUs as a buyer may write them: service characters, the release character, umlauts.
AWKWARD_SKUS = ["HW-1001", "NOPE:1", "ESC?+'X", "Ünï-çødé", "A+B", "END'"]
CATALOG_SKUS = {"HW-1001": "00071234000012", "ESC?+'X": None, "A+B": None}


def corpus_files() -> list[Path]:
    require_corpus(CORPUS)
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


def generated() -> dict[str, bytes]:
    sender, us = ("5412345000013", "14"), ("ORDERGATE", "ZZ")
    return {
        "generated-awkward": generate_orders_interchange(30, 4, AWKWARD_SKUS, sender=sender,
                                                         recipient=us),
        "generated-plain": generate_orders_interchange(20, 10, ["HW-1001"], sender=sender,
                                                       recipient=us),
    }


def catalog_for(content: bytes) -> tuple[Settings, Catalog]:
    """Our id = the first interchange's recipient, and every sender a known customer, so the
    messages become orders (with unknown items among them: those lines are not accepted)."""
    headers = [e for e in iter_edifact(content) if isinstance(e, InterchangeHeader)]
    catalog = Catalog()
    for n, header in enumerate(headers):
        if header.sender_id.strip():
            customer = Customer(customer_id=f"C{n}", name="test", email=None, x12_id=None,
                                edifact_id=header.sender_id.strip(), credit_limit=None,
                                currency="EUR", active=True)
            catalog.customers[customer.customer_id] = customer
            catalog.by_edifact_id[header.sender_id.strip()] = customer
    for sku, gtin in CATALOG_SKUS.items():
        catalog.products[sku] = Product(sku=sku, description=sku, gtin=gtin, uom="EA",
                                        list_price=Decimal("1"), active=True)
        if gtin:
            catalog.by_gtin[gtin] = sku
    ours = "ORDERGATE"
    if headers and 0 < len(headers[0].recipient_id.strip()) <= 35:
        ours = headers[0].recipient_id.strip()
        qualifier = (headers[0].recipient_qualifier or "").strip()
        ours += f":{qualifier}" if 0 < len(qualifier) <= 4 else ""
    return Settings(home=Path("unused"), database_url=None, edifact_id=ours), catalog


def replies_for(content: bytes) -> list[OutMessage]:
    """ORDRSP, duplicate ORDRSP and one CONTRL reporting every message, for one document."""
    settings, catalog = catalog_for(content)
    messages: list[OutMessage] = []
    acks = []
    for item in prepare_edifact(content, settings, catalog, channel="test", document_id=1):
        if isinstance(item, PreparedMessage):
            acks.append(item.ack)
            if item.order is not None:
                n = len(messages) + 1
                messages.append(build_ordrsp(item.order, n, n, TODAY, association_code="EAN005"))
                messages.append(build_duplicate_ordrsp(item.order, n, n + 1, TODAY))
    ack = InterchangeAck(reference="IC1", sender=EdifactParty("5412345000013", "14"),
                         recipient=EdifactParty("ORDERGATE", "ZZ"), messages=acks)
    messages.append(build_contrl(ack, 9, report_all=True))
    return messages


def documents() -> dict[str, bytes]:
    found = {p.name: p.read_bytes() for p in sorted((ROOT / "samples" / "edifact").glob("*.edi"))}
    found.update(generated())
    return found


def assert_same_as_pydifact(segments: list[Segment]) -> None:
    fast, exact = FastSerializer(REPLY_CHARACTERS), Serializer(REPLY_CHARACTERS)
    for header in (True, False):
        for breaks in (True, False):
            assert (fast.serialize(segments, with_una_header=header, break_lines=breaks)
                    == exact.serialize(segments, with_una_header=header, break_lines=breaks))


def framed(messages: list[OutMessage]) -> list[Segment]:
    return [seg for message in messages for seg in message.framed()]


# ------------------------------------------------------------------ byte for byte
@pytest.mark.parametrize("name", sorted(documents()))
def test_replies_to_samples_and_generated_orders_serialize_as_pydifact_does(name: str) -> None:
    segments = framed(replies_for(documents()[name]))
    assert any(seg.tag == "UCI" for seg in segments)
    assert_same_as_pydifact(segments)


def test_the_samples_and_generated_orders_make_ordrsp_lines() -> None:
    # So that the test above compares ORDRSP lines, not only CONTRLs.
    lines = [seg for content in documents().values()
             for seg in framed(replies_for(content)) if seg.tag == "LIN"]
    assert len(lines) > 100


def test_generated_replies_do_need_the_release_character() -> None:
    # Otherwise the test above would only ever see the fast path.
    segments = framed(replies_for(generated()["generated-awkward"]))
    text = Serializer(REPLY_CHARACTERS).serialize(segments)
    assert "ESC???+?'X" in text and "NOPE?:1" in text


def test_replies_to_every_corpus_file_serialize_as_pydifact_does() -> None:
    rendered = 0
    for path in corpus_files():
        try:
            segments = framed(replies_for(path.read_bytes()))
        except Exception as exc:  # noqa: BLE001 - say which file, not only what
            raise AssertionError(f"{path.name}: {exc}") from exc
        assert_same_as_pydifact(segments)
        rendered += sum(1 for seg in segments if seg.tag == "UNH")
    assert rendered > 30  # ORDRSPs for the corpus ORDERS plus a CONTRL per file


@pytest.mark.parametrize("elements", [
    ["plain", ["a", "b"]],
    ["needs?release", ["a:b", "c+d"], "it's"],
    [["a", "", "b"], ["trailing", ""], ["", ""]],  # empty components, dropped only at the end
    [None, ["a", None]],  # None is written as empty
    [[], ""],  # an empty composite and an empty element
    ["Müller Großhandel", ["Ünï", "çødé"]],
])
def test_odd_segments_serialize_as_pydifact_does(elements: list) -> None:
    seg = Segment("FTX", *elements)
    assert_same_as_pydifact([seg, segment("UNS", "S"), seg])


def test_a_str_subclass_value_serializes_as_pydifact_does() -> None:
    class Text(str):
        pass

    assert_same_as_pydifact([Segment("FTX", Text("a:b"), [Text("x"), "y"])])


def test_una_segments_and_empty_lists_serialize_as_pydifact_does() -> None:
    una = Segment("UNA", ":+.? '")
    assert_same_as_pydifact([una])
    assert_same_as_pydifact([una, segment("UNS", "S")])
    assert FastSerializer().serialize([]) == Serializer().serialize([])
    assert FastSerializer().serialize([], with_una_header=False) == ""


@pytest.mark.parametrize("elements", [[["21", 5]], [("a", "b")], [7]])
def test_a_value_pydifact_cannot_write_fails_the_same_way(elements: list) -> None:
    # A number, or a tuple (which pydifact does not take for a composite), is refused.
    segments = [segment("UNS", "S"), Segment("QTY", *elements)]
    with pytest.raises(AssertionError):
        Serializer(REPLY_CHARACTERS).serialize(segments)
    with pytest.raises(AssertionError):
        FastSerializer(REPLY_CHARACTERS).serialize(segments)


# ------------------------------------------------------------------ the renderers
def test_ordrsp_segments_are_what_segment_would_make_of_them() -> None:
    """The hot builders skip ``segment``'s tidying; their output must not need it."""
    segments = framed(replies_for(generated()["generated-awkward"]))
    for seg in segments:
        assert type(seg) is Segment
        assert segment(seg.tag, *seg.elements) == seg, seg


@pytest.mark.parametrize("syntax_id", ["UNOA", "UNOB", "UNOC", "UNOD", "UNOW"])
def test_the_whole_text_charset_check_sends_what_segment_by_segment_fitting_sends(
        monkeypatch: pytest.MonkeyPatch, syntax_id: str) -> None:
    assert syntax_id in SYNTAX_CHARSETS
    reply = EdifactReply(our_id="ORDERGATE", partner_id="5412345000013", partner_qualifier="14",
                         syntax_id=syntax_id)
    messages = replies_for(generated()["generated-awkward"])
    # A reason with a line break and a tab, which never belong in data.
    odd = OutMessage(reference=77, message_type="ORDRSP", version="D", release="96A",
                     segments=[segment("FTX", "AAI", "", "", ["two\nlines\tand € ß"])])
    for batch in (messages, [odd], [replace(messages[0], segments=messages[0].segments[:3])]):
        for breaks in (True, False):
            quick = render_interchange(reply, 5, batch, timestamp=WHEN, break_lines=breaks)
            with monkeypatch.context() as patched:
                patched.setattr(edifact_envelope, "_text_fits", lambda *args: False)
                slow = render_interchange(reply, 5, batch, timestamp=WHEN, break_lines=breaks)
            assert quick == slow


# ------------------------------------------------------------------ lines written ahead
def _orders_of(content: bytes) -> list:
    settings, catalog = catalog_for(content)
    return [item.order._replace(ack_lines=None)
            for item in prepare_edifact(content, settings, catalog, channel="test", document_id=1)
            if isinstance(item, PreparedMessage) and item.order is not None]


@pytest.mark.parametrize("syntax", ["UNOA", "UNOB", "UNOC", "UNOY"])
def test_ordrsp_lines_written_ahead_make_the_same_interchange(syntax: str) -> None:
    """The prepare process may write an ORDRSP's lines as text (``write_lines_ahead``): the
    interchange must be the one the segments would have made, in every character set."""
    reply = EdifactReply(our_id="ORDERGATE", partner_id="BUYER", syntax_id=syntax)
    written = 0
    for name, content in documents().items():
        orders = _orders_of(content)
        plain = [build_ordrsp(order, n, n, TODAY, association_code="EAN005")
                 for n, order in enumerate(orders, start=1)]
        ahead = [build_ordrsp(write_lines_ahead(order, syntax), n, n, TODAY,
                              association_code="EAN005", syntax_id=syntax)
                 for n, order in enumerate(orders, start=1)]
        # And the storing process writing them itself, straight to text where it can.
        direct = [build_ordrsp(order, n, n, TODAY, association_code="EAN005", syntax_id=syntax)
                  for n, order in enumerate(orders, start=1)]
        written += sum(1 for message in ahead if message.tail_count)
        expected = render_interchange(reply, 7, plain, timestamp=WHEN, break_lines=True)
        assert render_interchange(reply, 7, ahead, timestamp=WHEN, break_lines=True) == expected, name
        assert render_interchange(reply, 7, direct, timestamp=WHEN, break_lines=True) == expected, name
    assert written > 20  # the text path was taken, not only the segments


def test_lines_written_for_another_character_set_are_not_used() -> None:
    [order, *_] = _orders_of(generated()["generated-plain"])
    ahead = write_lines_ahead(order, "UNOC")
    assert ahead.ack_lines is not None
    # A UNOA interchange writes its own lines (here, the plain ones, straight to text).
    assert build_ordrsp(ahead, 1, 1, TODAY, syntax_id="UNOA").tail_written_for == written_for("UNOA")
    message = build_ordrsp(ahead, 1, 1, TODAY, syntax_id="UNOC")
    assert message.tail_count > 0
    with pytest.raises(ValueError, match="another layout"):
        render_interchange(EdifactReply(our_id="ORDERGATE", partner_id="BUYER", syntax_id="UNOA"),
                           7, [message], break_lines=True)


@pytest.mark.parametrize("syntax", ["UNOA", "UNOC", "UNOY"])
def test_any_plain_lines_written_straight_to_text_equal_the_segments(syntax: str) -> None:
    """Accepted lines of every shape (GTIN or not, our and their item numbers, unit, price),
    with values that need escaping or fitting among them, against the segment path."""
    import random

    from ordergate.orders.prepared import LINE_COLUMNS, PreparedOrder

    rng = random.Random(96)
    reply = EdifactReply(our_id="ORDERGATE", partner_id="BUYER", syntax_id=syntax)
    pieces = ["A", "12", "Ü", "+", ":", "?", "'", " ", "x-y", "€"]
    texts = 0
    for case in range(1500):
        def value(default: str | None, odd: float = 0.1) -> str | None:
            if rng.random() < 0.3:
                return None
            return default + (rng.choice(pieces) if rng.random() < odd else "")

        lines = []
        for number in range(1, rng.randrange(2, 5)):
            quantity = Decimal(rng.choice(["1", "12", "2.5", "10.0000"]))
            row = {"line_number": number, "buyer_line_id": value(str(number)),
                   "buyer_part": value("BP-7"), "vendor_part": value("VP-1"),
                   "gtin": rng.choice([None, "04012345000016", "00012345678905"]),
                   "sku": value("SKU-9"), "description": None, "quantity": quantity,
                   "uom": value("EA", 0), "unit_price": rng.choice([None, Decimal("11.5"), Decimal("0.10")]),
                   "status": "accepted" if rng.random() < 0.95 else "changed", "reason": None,
                   "po_unit_price": None, "ship_quantity": rng.choice([None, quantity])}
            lines.append(tuple(row[name] for name in LINE_COLUMNS))
        order = PreparedOrder("1/1/1", "test", "edifact-orders", "edifact:BUYER", "C1", f"PO-{case}",
                              None, "original", "EUR", None, "accepted", (), Decimal("1"), "{}",
                              tuple(lines))
        direct = build_ordrsp(order, 1, 1, TODAY, syntax_id=syntax)
        texts += bool(direct.tail_count)
        assert (render_interchange(reply, 7, [direct], timestamp=WHEN, break_lines=True)
                == render_interchange(reply, 7, [build_ordrsp(order, 1, 1, TODAY)], timestamp=WHEN,
                                      break_lines=True)), lines
    assert 300 < texts < 1450  # both paths taken
