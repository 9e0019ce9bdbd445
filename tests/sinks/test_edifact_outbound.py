"""EDIFACT envelope, CONTRL and ORDRSP: built with our builders, read back with pydifact."""

from __future__ import annotations

import warnings
from datetime import date, datetime
from decimal import Decimal

import pytest
from pydifact.parser import Parser
from pydifact.segmentcollection import Interchange
from pydifact.segments import Segment

from ordergate.mappings.edifact_orders import MessageRejected, map_orders
from ordergate.orders.model import (
    Address,
    CheckedOrder,
    LineOutcome,
    LineStatus,
    OrderLine,
    OrderStatus,
    SalesOrder,
)
from ordergate.orders.prepared import PreparedOrder, prepare_order
from ordergate.parsers.edifact.problems import EdifactProblem
from ordergate.sinks.edifact.contrl import (
    Action,
    GroupAck,
    InterchangeAck,
    MessageAck,
    build_contrl,
    not_supported_problem,
)
from ordergate.sinks.edifact.envelope import (
    EdifactParty,
    EdifactReply,
    OutMessage,
    fit_text,
    render_interchange,
    reply_from_unb,
    segment,
)
from ordergate.sinks.edifact.ordrsp import (
    build_duplicate_ordrsp,
    build_ordrsp,
    parties_of,
)

WHEN = datetime(2026, 11, 21, 9, 30)
TODAY = date(2026, 11, 21)
REPLY = EdifactReply(our_id="4012345000009", our_qualifier="14", partner_id="5412345000013",
                     partner_qualifier="14")


def parse(data: bytes, codec: str = "latin-1") -> list[Segment]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydifact has no directory to validate against
        return [s for s in Parser().parse(data.decode(codec)) if s.tag != "UNA"]


def body(data: bytes, codec: str = "latin-1") -> list[Segment]:
    """The segments between UNH and UNT of the only message."""
    segments = parse(data, codec)
    tags = [s.tag for s in segments]
    return segments[tags.index("UNH") + 1:tags.index("UNT")]


def rows(segments: list[Segment]) -> list[list]:
    return [[s.tag, *s.elements] for s in segments]


def order(**changes) -> SalesOrder:
    fields = dict(
        source_key="k", channel="test", format="edifact-orders", partner_id="p",
        customer_id="ACME", po_number="PO-4711", po_date=date(2026, 11, 20), currency="EUR",
        references={"NAD:BY": "5412345000013", "NAD:SU": "4012345000009"},
        ship_to=Address(code="5412345000020", code_qualifier="9"),
        lines=[OrderLine(line_number=1, buyer_line_id="1", gtin="04012345678901",
                         buyer_part="ACME-1", quantity=Decimal("10"), uom="PCE",
                         unit_price=Decimal("16.50")),
               OrderLine(line_number=2, buyer_line_id="2", vendor_part="HW-2",
                         quantity=Decimal("2.5"), unit_price=Decimal("4"))])
    fields.update(changes)
    return SalesOrder(**fields)


def checked(*outcomes: LineOutcome, **changes) -> CheckedOrder:
    status = (OrderStatus.ACCEPTED if all(o.status is LineStatus.ACCEPTED for o in outcomes)
              else OrderStatus.HELD)
    return CheckedOrder(order=order(**changes), status=status, lines=list(outcomes), order_id=42)


def prepared(*outcomes: LineOutcome, **changes) -> PreparedOrder:
    """A checked order as the store hands it to the ORDRSP builder."""
    result = checked(*outcomes, **changes)
    return prepare_order(result)._replace(parties=parties_of(result.order))


def as_prepared(sales_order: SalesOrder) -> PreparedOrder:
    return prepared(*(LineOutcome(line.line_number) for line in sales_order.lines),
                    **{k: v for k, v in sales_order.model_dump().items()
                       if k in ("po_number", "po_date", "currency", "references", "ship_to", "lines")})


def render(*messages: OutMessage, reply: EdifactReply = REPLY) -> bytes:
    return render_interchange(reply, 9001, list(messages), timestamp=WHEN)


# ---------------------------------------------------------------- envelope
def test_envelope_round_trips_through_pydifact_interchange():
    reply = EdifactReply(our_id="ORDERGATE", our_qualifier="ZZ", partner_id="5412345000013",
                         partner_qualifier="14", partner_routing="EDI-IN", test=True)
    data = render(build_ordrsp(prepared(LineOutcome(1, sku="HW-1"), LineOutcome(2, sku="HW-2")),
                               42, 17, TODAY), reply=reply)
    assert data.startswith(b"UNA:+.? 'UNB+UNOC:3+ORDERGATE:ZZ+5412345000013:14:EDI-IN+261121:0930")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interchange = Interchange.from_str(data.decode("latin-1"))
    assert interchange.control_reference == "9001"
    assert interchange.extra_header_elements == ["", "ORDRSP", "", "", "", "1"]  # 0026, 0035
    (message,) = interchange.get_messages()
    assert (message.reference_number, message.identifier) == ("17", ["ORDRSP", "D", "96A", "UN"])
    segments = parse(data)
    assert rows(segments[-2:]) == [["UNT", str(len(message.segments) + 2), "17"],
                                   ["UNZ", "1", "9001"]]
    assert b"+'" not in data and b":'" not in data  # no trailing separators


def test_syntax_version_4_writes_the_century_and_reply_echoes_the_partner():
    (unb,) = [s for s in parse(b"UNB+UNOW:4+5412345000013:14:BACK+ORDERGATE:ZZ+20261121:0930"
                               b"+77++ORDERS++1++1'") if s.tag == "UNB"]
    reply = reply_from_unb(unb, our_id="ORDERGATE", our_qualifier="ZZ")
    assert reply == EdifactReply(our_id="ORDERGATE", our_qualifier="ZZ",
                                 partner_id="5412345000013", partner_qualifier="14",
                                 partner_routing="BACK", syntax_id="UNOW", syntax_version="4",
                                 test=True)
    data = render(OutMessage(1, "CONTRL", "D", "3", segments=[segment("UCI", "77")]), reply=reply)
    (unb,) = [s for s in parse(data, "utf-8") if s.tag == "UNB"]
    assert unb.elements[3] == ["20261121", "0930"]


@pytest.mark.parametrize("reference", [0, 10 ** 14])
def test_references_must_fit_in_fourteen_digits(reference):
    with pytest.raises(ValueError, match="14 digits"):
        render_interchange(REPLY, reference, [], timestamp=WHEN)


def test_unknown_syntax_identifier_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="UNOC"):
        render(reply=EdifactReply(our_id="A", partner_id="B", syntax_id="UNOX"))


def test_separators_in_data_are_escaped_with_the_release_character():
    tricky = "PO'1+2:3?4"
    data = render(build_ordrsp(prepared(LineOutcome(1, sku="A:B"), LineOutcome(2, sku="C+D"),
                                       po_number=tricky), 42, 1, TODAY))
    assert b"RFF+ON:PO?'1?+2?:3??4'" in data
    segments = body(data)
    (rff,) = [s for s in segments if s.tag == "RFF"]
    assert rff.elements == [["ON", tricky]]
    pias = [s.elements for s in segments if s.tag == "PIA"]
    assert pias == [["1", ["A:B", "SA"], ["ACME-1", "IN"]], ["5", ["C+D", "SA"]]]


@pytest.mark.parametrize("syntax, codec, expected_bytes, read_back", [
    ("UNOC", "latin-1", "Größe Straße EUR".encode("latin-1"), "Größe Straße EUR"),
    ("UNOW", "utf-8", "Größe Straße €".encode("utf-8"), "Größe Straße €"),
    ("UNOA", "ascii", b"GROSSE STRASSE EUR", "GROSSE STRASSE EUR"),
    ("UNOB", "ascii", b"Grosse Strasse EUR", "Grosse Strasse EUR"),
])
def test_text_is_written_in_the_syntax_identifiers_character_set(syntax, codec, expected_bytes,
                                                                 read_back):
    reply = EdifactReply(our_id="A", partner_id="B", syntax_id=syntax)
    reason = "Größe Straße €"
    data = render(build_ordrsp(prepared(LineOutcome(1, sku="X"),
                                       LineOutcome(2, status=LineStatus.REJECTED, reason=reason)),
                               42, 1, TODAY), reply=reply)
    assert expected_bytes in data
    (ftx,) = [s for s in body(data, codec) if s.tag == "FTX"]
    assert ftx.elements[3] == read_back


def test_characters_outside_every_repertoire_become_an_escaped_question_mark():
    assert fit_text("漢 line\nbreak", "UNOC") == "? line break"
    data = render(build_duplicate_ordrsp(as_prepared(order(po_number="漢")), 7, 1, TODAY))
    assert b"RFF+ON:??'" in data


# ---------------------------------------------------------------- CONTRL
def interchange_ack(*messages: MessageAck, **changes) -> InterchangeAck:
    fields = dict(reference="77", sender=EdifactParty("5412345000013", "14"),
                  recipient=EdifactParty("ORDERGATE", "ZZ"), messages=list(messages))
    fields.update(changes)
    return InterchangeAck(**fields)


def orders_ack(reference: str = "ME1", problems: list[EdifactProblem] | None = None) -> MessageAck:
    return MessageAck(reference, "ORDERS", "D", "96A", "UN", "EAN008", problems or [])


def test_contrl_for_an_accepted_interchange():
    data = render(build_contrl(interchange_ack(orders_ack(), orders_ack("ME2")), 5))
    segments = parse(data)
    assert rows(segments[1:-1]) == [
        ["UNH", "5", ["CONTRL", "D", "3", "UN"]],
        ["UCI", "77", ["5412345000013", "14"], ["ORDERGATE", "ZZ"], "7"],
        ["UNT", "3", "5"]]
    every = body(render(build_contrl(interchange_ack(orders_ack(), orders_ack("ME2")), 5,
                                     report_all=True)))
    assert rows(every)[1:] == [["UCM", "ME1", ["ORDERS", "D", "96A", "UN", "EAN008"], "7"],
                               ["UCM", "ME2", ["ORDERS", "D", "96A", "UN", "EAN008"], "7"]]


def rejection(*body_segments: str) -> MessageRejected:
    text = ("UNA:+.? 'UNB+UNOC:3+5412345000013:14+ORDERGATE:ZZ+261121:0930+77'"
            "UNH+ME1+ORDERS:D:96A:UN:EAN008'" + "".join(s + "'" for s in body_segments)
            + f"UNT+{len(body_segments) + 2}+ME1'UNZ+1+77'")
    segments = parse(text.encode())
    message = segments[1:-1]
    with pytest.raises(MessageRejected) as info:
        map_orders(message, decimal_mark=".", partner_id="p", customer_id=None, source_key="k",
                   channel="test", message_position=2)
    return info.value


def test_contrl_rejects_one_message_with_ucs_and_ucd_from_the_mapping():
    bad_quantity = rejection("BGM+220+PO-1+9", "LIN+1++4012345678901:EN", "QTY+21:ONE:PCE")
    no_lines = rejection("BGM+220+PO-2+9", "UNS+S")
    ack = interchange_ack(orders_ack("ME1", bad_quantity.problems), orders_ack("ME2"),
                          orders_ack("ME3", no_lines.problems))
    assert rows(body(render(build_contrl(ack, 6)))) == [
        ["UCI", "77", ["5412345000013", "14"], ["ORDERGATE", "ZZ"], "7"],
        ["UCM", "ME1", ["ORDERS", "D", "96A", "UN", "EAN008"], "4"],
        ["UCS", "4"],
        ["UCD", "37", ["2", "2"]],  # QTY C186 (element 2 counting the tag), component 6060
        ["UCM", "ME3", ["ORDERS", "D", "96A", "UN", "EAN008"], "4"],
        ["UCS", "3", "13"],  # the missing LIN, where it was expected
    ]


def test_contrl_groups_element_errors_of_one_segment_and_reports_unh_problems_on_the_ucm():
    problems = [
        EdifactProblem(code="12", message="a", segment_tag="PRI", segment_position=9,
                       element_position=2, component_position=2),
        EdifactProblem(code="39", message="b", segment_tag="PRI", segment_position=9,
                       element_position=2, component_position=6),
        EdifactProblem(code="29", message="segment count", segment_tag="UNT", segment_position=30,
                       element_position=2),
    ]
    rows_ = rows(body(render(build_contrl(interchange_ack(orders_ack("ME1", problems)), 1))))
    assert rows_[1:] == [
        ["UCM", "ME1", ["ORDERS", "D", "96A", "UN", "EAN008"], "4", "29", "UNT", "2"],
        ["UCS", "9"], ["UCD", "12", ["2", "2"]], ["UCD", "39", ["2", "6"]]]


def test_contrl_for_an_interchange_level_rejection_says_nothing_below_the_uci():
    problem = EdifactProblem(code="29", level="interchange", segment_tag="UNZ", element_position=2,
                             message="UNZ says 2 messages, the interchange has 1")
    ack = interchange_ack(orders_ack("ME1"), problems=[problem])
    assert ack.verdict is Action.REJECTED
    assert rows(body(render(build_contrl(ack, 1)))) == [
        ["UCI", "77", ["5412345000013", "14"], ["ORDERGATE", "ZZ"], "4", "29", "UNZ", "2"]]


def test_contrl_receipt_and_groups_and_unsupported_messages():
    receipt = interchange_ack(orders_ack("ME1"), action=Action.RECEIVED)
    assert rows(body(render(build_contrl(receipt, 1))))[0][-1] == "8"
    group = GroupAck("1", EdifactParty("SENDER"), EdifactParty("RECEIVER"),
                     messages=[MessageAck("MSG1", "INVOIC", "D", "96A",
                                          problems=[not_supported_problem("INVOIC", "MSG1")])])
    clean = GroupAck("2", EdifactParty("SENDER"), EdifactParty("RECEIVER"),
                     messages=[orders_ack("MSG2")])
    grouped = interchange_ack(groups=[group, clean])
    assert rows(body(render(build_contrl(grouped, 1))))[1:] == [
        ["UCF", "1", "SENDER", "RECEIVER", "7"],
        ["UCM", "MSG1", ["INVOIC", "D", "96A", "UN"], "4", "14", "UNH", ["3", "1"]]]


def test_contrl_matches_the_layout_of_a_partners_rejection():
    # The shape of azarcgoedi__contrl-error.golden.edi in the corpus: UCM, UCS, UCD.
    problems = [EdifactProblem(code="10", message="x", segment_tag="LOC", segment_position=5,
                               element_position=3, component_position=1)]
    data = render(build_contrl(interchange_ack(MessageAck("BCTCIFZ", "CUSDEC", "D", "04A", "UN",
                                                          "109700", problems)), 1))
    assert b"UCM+BCTCIFZ+CUSDEC:D:04A:UN:109700+4'UCS+5'UCD+10+3:1'" in data


# ---------------------------------------------------------------- ORDRSP
def test_ordrsp_for_an_order_accepted_as_sent():
    data = render(build_ordrsp(prepared(LineOutcome(1, sku="HW-1", unit_price=Decimal("16.5")),
                                       LineOutcome(2, sku="HW-2", unit_price=Decimal("4"))),
                               42, 3, TODAY))
    assert rows(body(data)) == [
        ["BGM", "231", "42", "29"],
        ["DTM", ["137", "20261121", "102"]],
        ["RFF", ["ON", "PO-4711"]],
        ["DTM", ["171", "20261120", "102"]],
        ["NAD", "BY", ["5412345000013", "", "9"]],
        ["NAD", "SU", ["4012345000009", "", "9"]],
        ["NAD", "DP", ["5412345000020", "", "9"]],
        ["CUX", ["2", "EUR", "9"]],
        ["LIN", "1", "5", ["4012345678901", "EN"]],
        ["PIA", "1", ["HW-1", "SA"], ["ACME-1", "IN"]],
        ["QTY", ["21", "10", "PCE"]],
        ["QTY", ["113", "10", "PCE"]],
        ["PRI", ["AAA", "16.50"]],
        ["LIN", "2", "5"],
        ["PIA", "5", ["HW-2", "SA"]],
        ["QTY", ["21", "2.5"]],
        ["QTY", ["113", "2.5"]],
        ["PRI", ["AAA", "4.00"]],
        ["UNS", "S"],
        ["CNT", ["2", "2"]],
    ]


def test_ordrsp_for_a_held_order_rejects_the_unknown_line_with_its_reason():
    reason = "line 2: unknown item (tried vendor part 'HW-2')"
    data = render(build_ordrsp(prepared(LineOutcome(1, sku="HW-1"),
                                       LineOutcome(2, status=LineStatus.UNKNOWN_ITEM,
                                                   reason=reason, unit_price=Decimal("4"))),
                               42, 3, TODAY, association_code="EAN005"))
    segments = body(data)
    assert segments[0].elements == ["231", "42", "4"]
    line_two = rows(segments)[rows(segments).index(["LIN", "2", "7"]):]
    assert line_two[:5] == [["LIN", "2", "7"], ["PIA", "5", ["HW-2", "SA"]],
                            ["QTY", ["21", "2.5"]], ["QTY", ["113", "0"]],
                            ["FTX", "AAI", "", "", reason]]
    (unh,) = [s for s in parse(data) if s.tag == "UNH"]
    assert unh.elements[1] == ["ORDRSP", "D", "96A", "UN", "EAN005"]


def test_ordrsp_with_no_line_accepted_is_not_accepted():
    nothing = build_ordrsp(prepared(LineOutcome(1, status=LineStatus.REJECTED, reason="no"),
                                   LineOutcome(2, status=LineStatus.UNKNOWN_ITEM, reason="no")),
                           42, 3, TODAY)
    segments = body(render(nothing))
    assert segments[0].elements[2] == "27"
    assert [s.elements[1] for s in segments if s.tag == "LIN"] == ["7", "7"]


def test_duplicate_ordrsp_refuses_the_whole_order_and_names_the_original():
    data = render(build_duplicate_ordrsp(as_prepared(order()), 42, 4, TODAY))
    segments = rows(body(data))
    assert segments[0] == ["BGM", "231", "42", "27"]
    (ftx,) = [s for s in segments if s[0] == "FTX"]
    assert "duplicate PO PO-4711" in " ".join(ftx[4]) and "order 42" in " ".join(ftx[4])
    assert ["RFF", ["ON", "PO-4711"]] in segments
    assert not any(s[0] == "LIN" for s in segments) and segments[-1] == ["UNS", "S"]
