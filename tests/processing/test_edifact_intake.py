"""The EDIFACT channel end to end: ORDERS interchanges through ``ingest_documents``, the orders
stored, and the ORDRSPs and CONTRLs ordergate queues, read back with its own EDIFACT reader.

Every test that takes ``db`` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import random
import re
from datetime import datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import insert

from ordergate.masterdata.catalog import Catalog
from ordergate.masterdata.seed import seed_masterdata
from ordergate.orders.checks import Overrides
from ordergate.parsers.edifact.types import Delimiters
from ordergate.processing import holds
from ordergate.processing import pipeline as parallel
from ordergate.processing.edifact import intake as edifact_intake
from ordergate.processing.edifact.prepare import (
    PreparedMessage,
    prepare_edifact,
    read_handed_over,
)
from ordergate.processing.ingest import ingest_documents
from ordergate.settings import Settings
from ordergate.store import tables as t
from ordergate.store.db import make_engine, upgrade
from tests.kit.edifact import (
    INITECH,
    INITECH_PARTNER,
    Group,
    Msg,
    contrl,
    gtin,
    interchange,
    lines_of,
    messages_only,
    order,
    order_file,
    ordrsps,
    outbox,
    read_reply,
    replace_once,
    replies,
    rows,
    seg,
    segs,
    sku,
    unknown,
)
from tests.kit.resume import Crash, crash_on_call

from .conftest import MASTERDATA, as_raw


@pytest.fixture(autouse=True)
def _our_default_edifact_id(monkeypatch):
    # The shared settings fixture does not name edifact_id: keep a caller's variable out.
    monkeypatch.delenv("ORDERGATE_EDIFACT_ID", raising=False)


def add_customer(db, customer_id: str, edifact_id: str) -> None:
    with db.begin() as conn:
        conn.execute(insert(t.customers).values(customer_id=customer_id, name=customer_id,
                                                edifact_id=edifact_id, currency="EUR", active=True))


def po_numbers(db) -> list[str]:
    return sorted(row.po_number for row in rows(db, t.orders))


def ftx_text(segment: list) -> str:
    """FTX 4440 components (element 4) joined as a reader joins them: with a space."""
    texts = segment[4]
    return " ".join(texts) if isinstance(texts, list) else texts


# ------------------------------------------------------------------------------ accepted
def test_an_accepted_order_is_stored_and_answered_with_one_ordrsp_and_one_contrl(db, ingest):
    content = order_file("PO-EU-1", gtin("HW-1001", "10"), sku("HW-1002", "3"),
                         gtin("JS-2002", "2,5", uom=None, pia=(("INI-PT-24", "IN"),)),
                         reference="IC0001")
    [document] = ingest(content).documents

    assert (document.status, document.error, document.problems) == ("processed", None, [])
    assert document.format == "edifact"
    [order_report] = document.orders
    assert (order_report.po_number, order_report.customer_id, order_report.status) == (
        "PO-EU-1", "INITECH", "accepted")
    assert [line.sku for line in order_report.lines] == ["HW-1001", "HW-1002", "JS-2002"]

    [stored] = rows(db, t.orders)
    assert (stored.id, stored.po_number, stored.customer_id, stored.status) == (
        order_report.order_id, "PO-EU-1", "INITECH", "accepted")
    assert (stored.format, stored.partner_id, stored.currency, stored.source_key) == (
        "edifact-orders", INITECH_PARTNER, "EUR", "IC0001//1")
    assert str(stored.po_date) == "2026-11-20"
    lines = [(line.line_number, line.buyer_line_id, line.gtin, line.vendor_part, line.buyer_part,
              line.sku, line.quantity, line.uom, line.unit_price, line.status)
             for line in rows(db, t.order_lines)]
    assert lines == [
        # LIN 7140 GTIN (a 12-digit UPC) resolved through products.gtin
        # (at Initech's price: the list price, in the product's unit)
        (1, "1", "00071234000012", None, None, "HW-1001", D("10"), "CS", D("18.90"), "accepted"),
        # PIA SA: our article number
        (2, "2", None, "HW-1002", None, "HW-1002", D("3"), "CS", D("9.75"), "accepted"),
        # LIN GTIN-13 and PIA IN (their number) kept beside it; a decimal comma in QTY
        (3, "3", "04012345000023", None, "INI-PT-24", "JS-2002", D("2.5"), None, D("32.80"),
         "accepted"),
    ]
    [event] = rows(db, t.order_events)
    assert (event.order_id, event.from_status, event.to_status) == (stored.id, None, "accepted")

    assert [(m.kind, m.destination, m.partner_id, m.document_id) for m in outbox(db)] == [
        ("ORDRSP", "INITECH", INITECH_PARTNER, document.document_id),
        ("CONTRL", "INITECH", INITECH_PARTNER, document.document_id)]
    ordrsp_row = outbox(db, "ORDRSP")[0]
    assert ordrsp_row.order_id == stored.id
    assert [Path(o.path).name for o in document.outbound] == [m.filename for m in outbox(db)]

    reply = read_reply(ordrsp_row.payload)
    assert reply.problems == []
    assert (reply.header.syntax_identifier, reply.header.syntax_version) == ("UNOC", "3")
    assert reply.header.sender == ("ORDERGATE", None)
    assert reply.header.recipient == INITECH
    response = reply.only("ORDRSP")
    assert (response.version, response.release, response.association_code) == ("D", "96A", "EAN005")
    assert seg(response, "BGM") == ["BGM", "231", str(stored.id), "29"]
    assert seg(response, "RFF") == ["RFF", ["ON", "PO-EU-1"]]
    assert seg(response, "CNT") == ["CNT", ["2", "3"]]
    assert lines_of(response) == [
        [["LIN", "1", "5", ["0071234000012", "EN"]], ["PIA", "1", ["HW-1001", "SA"]],
         ["QTY", ["21", "10", "CS"]], ["QTY", ["113", "10", "CS"]], ["PRI", ["AAA", "18.90"]]],
        [["LIN", "2", "5"], ["PIA", "5", ["HW-1002", "SA"]],
         ["QTY", ["21", "3", "CS"]], ["QTY", ["113", "3", "CS"]], ["PRI", ["AAA", "9.75"]]],
        [["LIN", "3", "5", ["4012345000023", "EN"]],
         ["PIA", "1", ["JS-2002", "SA"], ["INI-PT-24", "IN"]],
         ["QTY", ["21", "2.5"]], ["QTY", ["113", "2.5"]], ["PRI", ["AAA", "32.80"]]],
    ]

    ack = contrl(db)
    assert (ack.message_type, ack.version, ack.release) == ("CONTRL", "D", "3")
    assert [s.tag for s in ack.segments] == ["UNH", "UCI", "UNT"]  # nothing wrong: no UCM
    assert seg(ack, "UCI") == ["UCI", "IC0001", list(INITECH), "ORDERGATE", "7"]

    [link] = rows(db, t.order_acknowledgements)
    assert (link.order_id, link.outbox_id, link.kind, link.reference) == (
        stored.id, ordrsp_row.id, "ORDRSP", response.reference)


def test_delivered_files_hold_exactly_the_queued_messages(db, ingest, deliver, settings):
    ingest(order_file("PO-1", reference="IC1"), interchange(
        order("PO-2", reference="1"), order("PO-3", gtin("HW-1001", qty="many"), reference="2"),
        reference="IC2"))
    assert [d.status for d in deliver()] == ["sent"] * 4
    for message in outbox(db):
        path = settings.outbox / message.destination / message.filename
        assert path.read_bytes() == message.payload
        assert path.suffix == ".edi"
        assert read_reply(path.read_bytes()).problems == []


# ------------------------------------------------------------------------------ held
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)


def test_an_unknown_item_holds_the_order_and_a_rejection_is_answered_27(db, ingest, settings):
    [document] = ingest(order_file("PO-EU-2", gtin("HW-1001", "5"), unknown(qty="12"))).documents

    [report] = document.orders
    reason = "line 2: unknown item (tried GTIN 04099999999994 or buyer part 'INI-ZZ-9')"
    assert (report.status, report.hold_reasons) == ("held", [reason])
    assert document.status == "processed"
    [stored] = rows(db, t.orders)
    assert stored.status == "held" and json.loads(stored.hold_reasons) == [reason]
    assert [(line.line_number, line.status, line.sku, line.reason) for line in rows(db, t.order_lines)] == [
        (1, "accepted", "HW-1001", None), (2, "unknown_item", None, reason)]
    [event] = rows(db, t.order_events)
    assert (event.to_status, event.reason) == ("held", reason)

    assert ordrsps(db) == []  # a held order is answered when it is resolved
    assert seg(contrl(db), "UCI")[4] == "7"  # the interchange itself was fine

    # Ops reject it: the ORDRSP says not accepted, every line with the reason.
    holds.reject(db, settings, stored.id, actor="ops", now=NOW, reason="item not carried")
    [response] = ordrsps(db)
    assert seg(response, "BGM") == ["BGM", "231", str(stored.id), "27"]  # 27: not accepted
    first, second = lines_of(response)
    assert first[0] == ["LIN", "1", "7", ["0071234000012", "EN"]]
    assert second[0] == ["LIN", "2", "7", ["4099999999994", "EN"]]  # 7: not accepted
    assert ["QTY", ["113", "0", "PCE"]] in second
    [ftx] = [s for s in second if s[0] == "FTX"]
    assert ftx[1] == "AAI"
    # The reason reaches the buyer whole: the item number in it is not cut at its hyphen.
    assert ftx_text(ftx) == f"item not carried; {reason}"


def test_a_released_edifact_order_is_answered_to_the_interchange_sender(db, ingest, settings):
    [document] = ingest(order_file("PO-EU-4", gtin("HW-1001", "5", price="15,00"),
                                   reference="ICR")).documents
    [report] = document.orders
    assert report.status == "held" and ordrsps(db) == []
    released = holds.release(db, settings, report.order_id, actor="ops", now=NOW,
                             overrides=Overrides(accept_po_price=True))
    assert released.status == "accepted"
    [message] = outbox(db, "ORDRSP")
    reply = read_reply(message.payload)
    assert reply.header.recipient == INITECH
    response = reply.only("ORDRSP")
    assert seg(response, "BGM")[3] == "29"
    # The parties the order named are in the answer as on intake (EANCOM needs BY and SU).
    assert [nad[1] for nad in segs(response, "NAD")] == ["BY", "SU", "DP"]


def test_an_order_with_no_known_item_is_held_without_an_ordrsp(db, ingest):
    ingest(order_file("PO-EU-3", unknown("4099999999994", "B-1"), unknown("4099999999987", "B-2")))
    assert ordrsps(db) == []
    assert [o.status for o in rows(db, t.orders)] == ["held"]


# ------------------------------------------------------------------------------ rejected messages
def three_orders_with_a_bad_quantity_in_the_second() -> bytes:
    return interchange(order("A-1", reference="1"),
                       order("A-2", gtin("HW-1001", qty="ZEHN"), reference="2"),
                       order("A-3", reference="3"), reference="IC7")


def test_a_bad_message_among_three_is_rejected_alone_with_ucs_ucd_detail(db, ingest):
    [document] = ingest(three_orders_with_a_bad_quantity_in_the_second()).documents

    assert (document.status, document.error) == ("processed", None)
    assert sorted((o.po_number, o.status) for o in document.orders) == [
        ("A-1", "accepted"), ("A-2", "rejected"), ("A-3", "accepted")]
    [rejected] = [o for o in document.orders if o.status == "rejected"]
    assert rejected.order_id is None and rejected.source_key == "IC7//2"
    [why] = rejected.hold_reasons
    # QTY is segment 24 of the interchange: UNB, 15 segments of A-1, then UNH..LIN of A-2.
    assert "'ZEHN' is not a number" in why and "position 26" in why and "UNH 2" in why
    assert po_numbers(db) == ["A-1", "A-3"]

    ack = contrl(db)
    assert [s.tag for s in ack.segments] == ["UNH", "UCI", "UCM", "UCS", "UCD", "UNT"]
    assert seg(ack, "UCI") == ["UCI", "IC7", list(INITECH), "ORDERGATE", "7"]
    assert seg(ack, "UCM") == ["UCM", "2", ["ORDERS", "D", "96A", "UN", "EAN008"], "4"]
    # QTY is segment 8 of its message (UNH = 1); 6060 is component 2 of element 2 (tag = 1);
    # letters in a numeric element: code 37.
    assert seg(ack, "UCS") == ["UCS", "9"]
    assert seg(ack, "UCD") == ["UCD", "37", ["2", "2"]]

    # The two good ones are answered in one ORDRSP interchange, a message each.
    [reply] = replies(db, "ORDRSP")
    assert [seg(m, "RFF")[1][1] for m in reply.messages] == ["A-1", "A-3"]


def test_a_wrong_unt_count_rejects_that_message_with_the_code_on_its_ucm(db, ingest):
    bad = order("B-2", reference="2")
    bad.unt_count = "99"
    [document] = ingest(interchange(order("B-1", reference="1"), bad, reference="IC8")).documents
    assert document.status == "processed"
    assert po_numbers(db) == ["B-1"]
    ucm = seg(contrl(db), "UCM")
    # The UNT is not segment detail: its code 29 and S011 (0074 = element 2) sit on the UCM.
    assert ucm == ["UCM", "2", ["ORDERS", "D", "96A", "UN", "EAN008"], "4", "29", "UNT", ["2", "1"]]


def test_a_unt_reference_that_does_not_match_its_unh_rejects_that_message_code_28(db, ingest):
    content = interchange(order("M-1", reference="1"), order("M-2", reference="2"), reference="ICM")
    content = replace_once(content, "UNT+16+2", "UNT+16+9")
    [document] = ingest(content).documents
    assert document.status == "processed"
    assert po_numbers(db) == ["M-1"]
    [rejected] = [o for o in document.orders if o.status == "rejected"]
    assert "UNT 0062 '9' does not match UNH 0062 '2'" in rejected.hold_reasons[0]
    assert seg(contrl(db), "UCM")[1:6] == ["2", ["ORDERS", "D", "96A", "UN", "EAN008"], "4", "28", "UNT"]


def test_a_file_whose_only_message_is_bad_fails_with_the_reason(db, ingest):
    [document] = ingest(order_file("Q-1", gtin("HW-1001", qty="1x"), reference="IC9")).documents
    assert document.status == "failed"
    assert "QTY 6060 (quantity) '1x' is not a number" in document.error
    assert rows(db, t.orders) == [] and outbox(db, "ORDRSP") == []
    assert seg(contrl(db), "UCM")[3] == "4"


# ------------------------------------------------------------------------------ duplicates
def test_the_same_interchange_reference_again_is_rejected_with_code_26(db, ingest):
    [first] = ingest(order_file("PO-1", reference="IC42")).documents
    resent = order_file("PO-2", gtin("HW-1002"), reference="IC42")  # other bytes, same 0020
    [second] = ingest(resent).documents

    assert second.status == "duplicate"
    assert second.document_id != first.document_id
    assert "IC42" in second.error and f"document {first.document_id}" in second.error
    assert second.orders == []
    assert po_numbers(db) == ["PO-1"]
    assert [m.kind for m in outbox(db)] == ["ORDRSP", "CONTRL", "CONTRL"]
    rejection = contrl(db, second.document_id)
    assert [s.tag for s in rejection.segments] == ["UNH", "UCI", "UNT"]
    assert seg(rejection, "UCI") == ["UCI", "IC42", list(INITECH), "ORDERGATE", "4", "26", "UNB"]
    stored = {d.id: d for d in rows(db, t.documents)}
    assert stored[second.document_id].status == "duplicate"


def test_the_same_interchange_reference_from_another_sender_is_not_a_duplicate(db, ingest):
    add_customer(db, "NORDWIND", "4012345000009:14")
    initech, nordwind = ingest(order_file("PO-1", reference="IC42"),
                               order_file("NW-1", reference="IC42",
                                          sender=("4012345000009", "14"))).documents
    assert (initech.status, nordwind.status) == ("processed", "processed")
    assert po_numbers(db) == ["NW-1", "PO-1"]
    assert [seg(contrl(db, d.document_id), "UCI")[4] for d in (initech, nordwind)] == ["7", "7"]


def test_the_same_interchange_reference_twice_in_one_file_is_a_duplicate(db, ingest):
    content = order_file("S-1", reference="IC9") + order_file("S-2", gtin("HW-1002"), reference="IC9")
    [document] = ingest(content).documents

    assert document.status == "processed"
    # The second interchange is not taken for the first one resumed: S-2 is no order at all,
    # and certainly not reported as order S-1's id.
    assert [(o.po_number, o.status) for o in document.orders] == [("S-1", "accepted")]
    assert po_numbers(db) == ["S-1"]
    assert any("IC9" in p and "twice" in p for p in document.problems), document.problems
    contrls = [read_reply(m.payload).only("CONTRL") for m in outbox(db, "CONTRL")]
    assert [seg(c, "UCI")[4:6] for c in contrls] == [["7"], ["4", "26"]]
    assert len(document.outbound) == len(outbox(db)) == 3


def test_a_po_sent_again_in_a_new_interchange_is_a_duplicate_answered_27(db, ingest):
    [original] = ingest(order_file("PO-1", reference="IC1")).documents[0].orders
    [document] = ingest(order_file("PO-1", gtin("HW-1002", "99"), reference="IC2")).documents

    assert document.status == "processed"
    [duplicate] = document.orders
    assert (duplicate.status, duplicate.order_id) == ("duplicate", original.order_id)
    assert f"already received as order {original.order_id}" in duplicate.hold_reasons[0]
    [stored] = rows(db, t.orders)
    assert (stored.id, stored.status) == (original.order_id, "accepted")
    assert [line.sku for line in rows(db, t.order_lines)] == ["HW-1001", "JS-2001"]
    [recorded] = rows(db, t.order_duplicates)
    assert (recorded.document_id, recorded.source_key, recorded.order_id) == (
        document.document_id, "IC2//1", original.order_id)

    first, second = ordrsps(db)
    assert seg(first, "BGM")[3] == "29"
    assert seg(second, "BGM") == ["BGM", "231", str(original.order_id), "27"]
    assert seg(second, "RFF") == ["RFF", ["ON", "PO-1"]]
    assert lines_of(second) == []
    assert f"already received as order {original.order_id}" in ftx_text(seg(second, "FTX"))
    # Only the original order is linked to an ORDRSP; the duplicate one names it instead.
    assert [(a.order_id, a.reference) for a in rows(db, t.order_acknowledgements)] == [
        (original.order_id, first.reference)]
    assert seg(contrl(db, document.document_id), "UCI")[4] == "7"


# ------------------------------------------------------------------------------ whole interchange rejected
@pytest.mark.parametrize("sender, recipient, code, fragments, destination", [
    pytest.param(INITECH, ("4000000000000", "14"), "7",
                 ("addressed to 4000000000000:14", "ORDERGATE_EDIFACT_ID"), "INITECH",
                 id="wrong recipient"),
    pytest.param(("STRANGER", "ZZZ"), ("ORDERGATE", None), "23",
                 ("comes from STRANGER:ZZZ", "customers.csv"), "unknown-STRANGER",
                 id="unknown sender"),
])
def test_an_interchange_not_for_us_or_from_a_stranger_is_rejected_whole(
        db, ingest, sender, recipient, code, fragments, destination):
    content = order_file("W-1", reference="IC13", sender=sender, recipient=recipient)
    [document] = ingest(content).documents

    assert document.status == "failed"
    for fragment in fragments:
        assert fragment in document.error, document.error
    assert "IC13" in document.error
    assert document.orders == []
    assert rows(db, t.orders) == [] and rows(db, t.interchanges) == []
    [message] = outbox(db)
    assert (message.kind, message.destination) == ("CONTRL", destination)
    reply = read_reply(message.payload)
    assert reply.header.recipient == sender  # answered to whoever sent it
    ack = reply.only("CONTRL")
    assert [s.tag for s in ack.segments] == ["UNH", "UCI", "UNT"]
    uci = seg(ack, "UCI")
    assert uci[1] == "IC13" and uci[4:] == ["4", code, "UNB"]


def test_a_document_rejected_for_an_unknown_sender_replayed_after_seeding_gets_orders_and_a_positive_contrl(
        db, ingest):
    content = order_file("ST-1", reference="IC77", sender=("STRANGER", None))
    [failed] = ingest(content).documents
    assert failed.status == "failed" and "customers.csv" in failed.error
    add_customer(db, "STRANGERCO", "STRANGER")

    [replayed] = ingest(content).documents  # the same bytes: a failed document is processed again

    assert (replayed.document_id, replayed.status) == (failed.document_id, "processed")
    assert po_numbers(db) == ["ST-1"]
    verdicts = [seg(read_reply(m.payload).only("CONTRL"), "UCI")[4:]
                for m in outbox(db, "CONTRL")]
    assert verdicts == [["4", "23", "UNB"], ["7"]]
    assert [o.kind for o in replayed.outbound] == ["ORDRSP", "CONTRL"]
    queued = {m.filename for m in outbox(db)}
    assert {Path(o.path).name for o in replayed.outbound} <= queued


# ------------------------------------------------------------------------------ character sets, decimals
DELIVERY_PARTY = ["NAD", "DP", ["5412345000099", "", "9"], "", ["Initech Lager Süd"],
                  ["Hauptstraße 5"], "München", "", "80331", "DE"]


def ship_to(db) -> dict:
    [stored] = rows(db, t.orders)
    return json.loads(stored.detail)["ship_to"]


def test_unoc_latin1_umlauts_survive_into_the_stored_order(db, ingest):
    content = order_file("PO-Ü1", gtin("HW-1001"), reference="ICL", header=[DELIVERY_PARTY])
    assert "Hauptstraße".encode("latin-1") in content  # one byte per letter: really Latin-1
    [document] = ingest(content).documents

    assert document.status == "processed", document.error
    assert ship_to(db) == {"name": "Initech Lager Süd", "code": "5412345000099",
                           "code_qualifier": "9", "street": ["Hauptstraße 5"], "city": "München",
                           "state": None, "postal_code": "80331", "country": "DE"}
    assert po_numbers(db) == ["PO-Ü1"]
    # Answered in the partner's UNOC, as Latin-1 again.
    [reply] = replies(db, "ORDRSP")
    assert reply.header.syntax_identifier == "UNOC"
    assert seg(reply.only("ORDRSP"), "RFF") == ["RFF", ["ON", "PO-Ü1"]]
    assert "PO-Ü1".encode("latin-1") in outbox(db, "ORDRSP")[0].payload


def test_unow_utf8_survives_and_is_answered_in_utf8(db, ingest):
    party = list(DELIVERY_PARTY)
    party[4] = ["Склад 東京"]
    content = order_file("PO-Ж1", gtin("HW-1001"), reference="ICW", syntax="UNOW", version="4",
                         header=[party])
    assert "Hauptstraße".encode("utf-8") in content
    [document] = ingest(content).documents

    assert document.status == "processed", document.error
    detail = ship_to(db)
    assert (detail["name"], detail["street"], detail["city"]) == (
        "Склад 東京", ["Hauptstraße 5"], "München")
    [reply] = replies(db, "ORDRSP")
    assert (reply.header.syntax_identifier, reply.header.syntax_version) == ("UNOW", "4")
    assert len(reply.header.date) == 8  # syntax 4 writes CCYYMMDD
    assert reply.problems == []
    assert seg(reply.only("ORDRSP"), "RFF") == ["RFF", ["ON", "PO-Ж1"]]
    assert "PO-Ж1".encode("utf-8") in outbox(db, "ORDRSP")[0].payload
    assert po_numbers(db) == ["PO-Ж1"]


def test_a_decimal_comma_una_reads_quantities_and_prices_right(db, ingest):
    content = order_file("PO-D1", gtin("HW-1001", qty="2,5", price="18,90"),
                         gtin("JS-2001", qty="1000", price="11,50"), reference="ICD",
                         delimiters=Delimiters(decimal=","))
    assert content.startswith(b"UNA:+,? '")
    [document] = ingest(content).documents

    assert document.status == "processed", document.error
    assert [(line.quantity, line.unit_price) for line in rows(db, t.order_lines)] == [
        (D("2.5"), D("18.90")), (D("1000"), D("11.50"))]
    [stored] = rows(db, t.orders)
    assert stored.total == D("2.5") * D("18.90") + D("1000") * D("11.50")
    # Our answer uses the standard's ".", announced in our own UNA.
    payload = outbox(db, "ORDRSP")[0].payload
    assert payload.startswith(b"UNA:+.? '")
    response = read_reply(payload).only("ORDRSP")
    assert [s[1] for s in segs(response, "PRI")] == [["AAA", "18.90"], ["AAA", "11.50"]]
    assert ["QTY", ["21", "2.5", "CS"]] in segs(response, "QTY")


def test_other_separators_announced_in_una_are_read(db, ingest):
    delimiters = Delimiters(component="|", element="*", decimal=".", release="\\", segment="~")
    party = list(DELIVERY_PARTY)
    party[5] = ["Quay*7 ~ Pier|2"]  # the separators inside data, released
    content = order_file("PO-S1", gtin("HW-1001"), reference="ICS", delimiters=delimiters,
                         header=[party])
    assert b"Quay\\*7 \\~ Pier\\|2" in content
    [document] = ingest(content).documents
    assert document.status == "processed", document.error
    assert ship_to(db)["street"] == ["Quay*7 ~ Pier|2"]


# ------------------------------------------------------------------------------ envelopes
def test_two_interchanges_in_one_file_each_get_their_ordrsp_and_contrl(db, ingest):
    content = order_file("T-1", reference="ICA") + order_file("T-2", gtin("HW-1002"), reference="ICB")
    [document] = ingest(content).documents

    assert document.status == "processed"
    assert [(o.po_number, o.status) for o in document.orders] == [("T-1", "accepted"), ("T-2", "accepted")]
    assert [o.source_key for o in document.orders] == ["ICA//1", "ICB//1"]
    assert [m.kind for m in outbox(db)] == ["ORDRSP", "CONTRL", "ORDRSP", "CONTRL"]
    assert [seg(read_reply(m.payload).only("CONTRL"), "UCI")[1] for m in outbox(db, "CONTRL")] == [
        "ICA", "ICB"]
    assert [seg(m, "RFF")[1][1] for m in ordrsps(db)] == ["T-1", "T-2"]
    assert sorted(row.control_number for row in rows(db, t.interchanges)) == ["ICA", "ICB"]


def test_functional_groups_are_answered_with_a_ucf_each(db, ingest):
    content = interchange(
        Group("G1", [order("G-1", reference="1"), order("G-2", gtin("HW-1001", qty="X"), reference="2")]),
        Group("G2", [order("G-3", reference="3")]), reference="ICG")
    [document] = ingest(content).documents

    assert document.status == "processed"
    assert po_numbers(db) == ["G-1", "G-3"]
    assert [o.source_key for o in document.orders if o.po_number == "G-3"] == ["ICG/G2/3"]
    ack = contrl(db)
    # A UCF for the group with something to report, its faulty message's UCM under it; G2,
    # all well, is covered by the UCI's 7 (lower levels acknowledged unless reported).
    assert [s.tag for s in ack.segments] == ["UNH", "UCI", "UCF", "UCM", "UCS", "UCD", "UNT"]
    assert seg(ack, "UCI")[4:] == ["7"]
    assert seg(ack, "UCF") == ["UCF", "G1", list(INITECH), "ORDERGATE", "7"]
    assert seg(ack, "UCM")[1:] == ["2", ["ORDERS", "D", "96A", "UN", "EAN008"], "4"]
    assert seg(ack, "UCS") == ["UCS", "9"]


def test_a_une_count_mismatch_keeps_the_orders_and_the_ucf_says_acknowledged_with_29(db, ingest):
    content = interchange(Group("G1", [order("G-1", reference="1"), order("G-2", reference="2")],
                                une_count="3"), reference="ICE")
    [document] = ingest(content).documents

    assert (document.status, document.error) == ("processed", None)
    assert po_numbers(db) == ["G-1", "G-2"]
    assert any("UNE says 3 messages but the group has 2" in p for p in document.problems), \
        document.problems
    ack = contrl(db)
    assert seg(ack, "UCI")[4:] == ["7"]
    # The orders were stored and answered: the group must not be reported rejected (4).
    assert seg(ack, "UCF") == ["UCF", "G1", list(INITECH), "ORDERGATE", "7", "29", "UNE", ["2", "1"]]


def test_a_unz_count_mismatch_keeps_the_orders_and_the_contrl_says_acknowledged_with_29(db, ingest):
    content = interchange(order("Z-1", reference="1"), order("Z-2", reference="2"),
                          reference="ICZ", unz_count="3")
    [document] = ingest(content).documents

    assert (document.status, document.error) == ("processed", None)
    assert po_numbers(db) == ["Z-1", "Z-2"]
    assert [p for p in document.problems if "UNZ" in p] == [
        "UNZ says 3 messages but the interchange has 2 (segment UNZ, position 34, element 2:1, "
        "UNB ICZ)"]
    ack = contrl(db)
    assert seg(ack, "UCI") == ["UCI", "ICZ", list(INITECH), "ORDERGATE", "7", "29", "UNZ", ["2", "1"]]
    assert len(ordrsps(db)) == 2


def test_a_unz_reference_mismatch_is_reported_code_28(db, ingest):
    content = interchange(order("R-1"), reference="ICR", unz_reference="ICX")
    [document] = ingest(content).documents
    assert document.status == "processed"
    assert any("UNZ 0020 'ICX' does not match UNB 0020 'ICR'" in p for p in document.problems)
    assert seg(contrl(db), "UCI")[4:6] == ["7", "28"]


def test_messages_without_a_unb_fail_with_a_clear_reason_and_no_contrl(db, ingest):
    [document] = ingest(messages_only(order("N-1"))).documents
    assert (document.format, document.status) == ("edifact", "failed")
    assert "without a UNB interchange header" in document.error
    assert "ask the partner to send whole interchanges" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


GARBAGE = [
    pytest.param(b"UNB", id="UNB alone"),
    pytest.param(b"UNB+garbage and more garbage", id="UNB and words"),
    pytest.param(b"UNB+UNOC:3+" + random.Random(11).randbytes(300), id="UNB and random bytes"),
    pytest.param(b"UNB+UNOC:3+5412345000013:14+ORDERGATE+261120:0930+IC1'UNH+1+ORD",
                 id="cut inside the first message"),
    pytest.param(b"UNA:+.? 'UNB+++++'UNZ+0'", id="a UNB of empty elements"),
]


@pytest.mark.parametrize("content", GARBAGE)
def test_garbage_that_starts_with_unb_fails_without_a_traceback(db, ingest, caplog, content):
    with caplog.at_level(logging.ERROR):
        [document] = ingest(content).documents
    assert document.status == "failed"
    assert document.error and "internal error" not in document.error
    assert "Traceback" not in caplog.text
    assert rows(db, t.orders) == []
    # Whatever is answered goes to a partner the header names, never to an empty address.
    for message in outbox(db):
        assert message.partner_id != "edifact:" and message.destination != "unknown-sender"
        assert read_reply(message.payload).header.recipient_id


def test_a_unb_without_a_sender_is_not_answered_and_the_reason_says_why(db, ingest):
    [document] = ingest(b"UNB+garbage and more garbage").documents
    assert document.status == "failed"
    assert "interchange  from  " not in document.error  # no blanks where names should be
    assert "sender identification (0004)" in document.error
    assert outbox(db) == []


def test_a_cut_message_is_rejected_and_the_interchange_noted(db, ingest):
    content = order_file("C-1", reference="ICC")
    content = content[:content.index(b"LIN+2")]  # no UNT, no UNZ
    [document] = ingest(content).documents
    assert document.status == "failed"
    assert "has no UNT trailer" in document.error
    assert rows(db, t.orders) == []
    ack = contrl(db)
    assert seg(ack, "UCI")[4:6] == ["4", "13"]  # nothing stored: rejected, UNZ missing


# ------------------------------------------------------------------------------ other message types
def inbound_contrl() -> bytes:
    """INITECH acknowledging one of our ORDRSP interchanges."""
    return interchange(Msg("5", [["UCI", "1", "ORDERGATE", list(INITECH), "7"]],
                           identifier=("CONTRL", "D", "3", "UN")), reference="ICK")


def test_an_inbound_contrl_is_processed_and_never_answered(db, ingest):
    [document] = ingest(inbound_contrl()).documents
    assert (document.status, document.error, document.orders) == ("processed", None, [])
    assert outbox(db) == []
    assert document.outbound == []


def invoice(reference: str = "2") -> Msg:
    return Msg(reference, [["BGM", "380", "INV-1", "9"], ["DTM", ["137", "20261120", "102"]]],
               identifier=("INVOIC", "D", "96A", "UN"))


def test_an_invoic_beside_an_order_is_rejected_as_not_supported_code_14(db, ingest):
    [document] = ingest(interchange(order("I-1", reference="1"), invoice("2"), reference="ICI")).documents

    assert (document.status, document.error) == ("processed", None)
    assert any("message type INVOIC is not supported" in p for p in document.problems)
    assert po_numbers(db) == ["I-1"]
    ack = contrl(db)
    assert seg(ack, "UCI")[4:] == ["7"]
    # S009 is element 3 of UNH (tag = 1), 0065 its first component.
    assert seg(ack, "UCM") == ["UCM", "2", ["INVOIC", "D", "96A", "UN"], "4", "14", "UNH", ["3", "1"]]
    assert segs(ack, "UCS") == []


def test_only_an_invoic_fails_the_document_and_says_why(db, ingest):
    [document] = ingest(interchange(invoice("1"), reference="ICJ")).documents
    assert document.status == "failed"
    assert "message type INVOIC is not supported here (only ORDERS purchase orders)" in document.error
    assert rows(db, t.orders) == []
    assert seg(contrl(db), "UCM")[3:5] == ["4", "14"]


# ------------------------------------------------------------------------------ control references
def strictly_increasing(numbers: list[int]) -> bool:
    return all(a < b for a, b in zip(numbers, numbers[1:]))


def test_outbound_control_references_are_unique_and_increasing_per_partner(db, ingest):
    nordwind = ("4012345000009", "14")
    add_customer(db, "NORDWIND", "4012345000009:14")
    ingest(
        interchange(order("A-1", reference="1"), order("A-2", reference="2"), reference="IC1"),
        order_file("N-1", reference="IC1", sender=nordwind),                # NORDWIND
        order_file("A-3", reference="IC2"),
        order_file("A-4", reference="IC2"),                                  # CONTRL 26
        order_file("A-5", gtin("HW-1001", qty="TEN"), reference="IC3"),      # CONTRL only
        order_file("N-2", reference="IC2", sender=nordwind),                 # NORDWIND
    )
    ingest(order_file("A-1", reference="IC4"))                               # ORDRSP 27, CONTRL

    by_partner: dict[str, list] = {}
    for message in outbox(db):
        by_partner.setdefault(message.partner_id, []).append((message, read_reply(message.payload)))
    assert set(by_partner) == {INITECH_PARTNER, "edifact:4012345000009:14"}
    assert [m.kind for m, _ in by_partner[INITECH_PARTNER]] == [
        "ORDRSP", "CONTRL", "ORDRSP", "CONTRL", "CONTRL", "CONTRL", "ORDRSP", "CONTRL"]
    assert len(by_partner["edifact:4012345000009:14"]) == 4

    for partner, messages in by_partner.items():
        unb = [reply.unb for _, reply in messages]
        unh = [number for _, reply in messages for number in reply.unh]
        assert strictly_increasing(unb), (partner, unb)
        assert strictly_increasing(unh), (partner, unh)
        assert unb[0] == 1 and unh[0] == 1  # each partner's own sequences
        for message, reply in messages:
            assert reply.problems == [], (message.filename, reply.problems)
            assert message.filename.endswith(f"_{reply.unb:09d}.edi")
            assert reply.end.segment.elements[1] == str(reply.unb)  # UNZ 0020 = UNB 0020
            assert ":".join(filter(None, reply.header.recipient)) == partner.removeprefix("edifact:")
    # The 2-message ORDRSP carries two UNH references; each is linked to its order.
    links = {(a.outbox_id, a.reference): a.order_id for a in rows(db, t.order_acknowledgements)}
    for message, reply in by_partner[INITECH_PARTNER]:
        for response in reply.messages:
            if response.message_type == "ORDRSP" and seg(response, "BGM")[3] != "27":
                assert links[(message.id, response.reference)] == int(seg(response, "BGM")[2])


# ------------------------------------------------------------------------------ crash / resume
FIVE_ORDERS = [f"PO-{n}" for n in range(1, 6)]


def five_orders() -> bytes:
    return interchange(*(order(po, reference=str(n)) for n, po in enumerate(FIVE_ORDERS, start=1)),
                       reference="IC5")


def assert_stored_once_with_one_ordrsp(db, expected: list[str]) -> None:
    orders = rows(db, t.orders)
    assert sorted(o.po_number for o in orders) == sorted(expected)
    lines = rows(db, t.order_lines)
    events = rows(db, t.order_events)
    links = rows(db, t.order_acknowledgements)
    for stored in orders:
        assert [line.line_number for line in lines if line.order_id == stored.id] == [1, 2]
        assert [e.to_status for e in events if e.order_id == stored.id] == [stored.status]
        assert [a.kind for a in links if a.order_id == stored.id] == ["ORDRSP"]
    assert sorted(seg(m, "RFF")[1][1] for m in ordrsps(db)) == sorted(expected)
    carried = {(row.id, m.reference): seg(m, "RFF")[1][1]
               for row in outbox(db, "ORDRSP") for m in read_reply(row.payload).messages}
    by_id = {o.id: o.po_number for o in orders}
    assert all(carried[(a.outbox_id, a.reference)] == by_id[a.order_id] for a in links)


@pytest.mark.parametrize("crash", [RuntimeError("disk full"), Crash()], ids=["exception", "process-dies"])
def test_a_crash_in_the_third_batch_then_a_rerun_stores_every_order_once(
        db, ingest, settings, monkeypatch, crash):
    settings.store_batch_size = 2  # batches: PO-1 PO-2 | PO-3 PO-4 | PO-5
    crash_on_call(monkeypatch, edifact_intake, "queue_ordrsps", 3, crash)
    if isinstance(crash, Exception):
        [failed] = ingest(five_orders()).documents
        assert failed.status == "failed"
        assert "internal error" in failed.error and "disk full" in failed.error
    else:
        with pytest.raises(Crash):
            ingest(five_orders())

    assert_stored_once_with_one_ordrsp(db, FIVE_ORDERS[:4])
    assert outbox(db, "CONTRL") == []
    [document] = rows(db, t.documents)
    assert document.status == ("failed" if isinstance(crash, Exception) else "received")

    monkeypatch.undo()
    [rerun] = ingest(five_orders()).documents

    assert (rerun.status, rerun.error, rerun.document_id) == ("processed", None, document.id)
    assert [(o.po_number, o.status) for o in rerun.orders] == [(po, "accepted") for po in FIVE_ORDERS]
    assert_stored_once_with_one_ordrsp(db, FIVE_ORDERS)
    assert [m.kind for m in outbox(db)] == ["ORDRSP"] * 3 + ["CONTRL"]
    assert seg(contrl(db), "UCI")[4:] == ["7"]
    queued = {Path(settings.outbox, m.destination, m.filename) for m in outbox(db)}
    assert {Path(o.path) for o in rerun.outbound} <= queued


def test_a_crash_before_the_contrl_then_a_rerun_queues_it_once(db, ingest, settings, monkeypatch):
    settings.store_batch_size = 2
    crash_on_call(monkeypatch, edifact_intake, "queue_contrl", 1, Crash())
    with pytest.raises(Crash):
        ingest(five_orders())
    assert_stored_once_with_one_ordrsp(db, FIVE_ORDERS)
    assert outbox(db, "CONTRL") == []

    monkeypatch.undo()
    [rerun] = ingest(five_orders()).documents

    assert rerun.status == "processed"
    assert_stored_once_with_one_ordrsp(db, FIVE_ORDERS)
    assert [m.kind for m in outbox(db)] == ["ORDRSP"] * 3 + ["CONTRL"]
    assert [o.kind for o in rerun.outbound] == ["CONTRL"]  # the ORDRSPs went out the first time


def test_the_same_file_twice_is_one_document_and_one_set_of_answers(db, ingest):
    content = order_file("PO-1", reference="IC1")
    first, second = ingest(content, content).documents
    assert (first.status, second.status) == ("processed", "duplicate")
    assert second.document_id == first.document_id and second.outbound == []
    assert [m.kind for m in outbox(db)] == ["ORDRSP", "CONTRL"]


# ------------------------------------------------------------------------------ second process
MIXED = [
    interchange(order("A-1", reference="1"), order("A-2", unknown(), reference="2"),
                order("A-3", gtin("HW-1001", qty="TEN"), reference="3"), order("A-1", reference="4"),
                order("A-4", reference="5"), invoice("6"), order("A-5", reference="7"),
                reference="IC11"),
    interchange(Group("G1", [order("G-1", reference="1")], une_count="2"), reference="IC12"),
    order_file("Ü-1", reference="IC13", header=[DELIVERY_PARTY]),
    order_file("X-1", reference="IC14", recipient=("SOMEONEELSE", None)),
    order_file("U-1", reference="IC15", sender=("NOBODY", None)),
    order_file("A-9", reference="IC11"),  # a reused interchange reference
    inbound_contrl(),
    messages_only(order("N-1")),
    b"UNB+not really an interchange",
]
_STAMPS = re.compile(rb"\+\d{6,8}:\d{4}\+|DTM\+137:\d{8}:102")


def fresh_database(request, tmp_path, name: str, backend: str):
    """An empty, migrated, seeded database of its own on ``backend``, so that two runs of the
    same documents can be compared id for id (PostgreSQL sequences are not SQLite's rowids)."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / (name + '.db')}")
    else:
        engine = make_engine(request.getfixturevalue("make_pg_database")())
    upgrade(engine)
    seed_masterdata(engine, MASTERDATA)
    return engine


def run(engine, home: Path, documents: list[bytes], two_processes: bool) -> tuple[dict, list, list]:
    settings = Settings(home=home, database_url=None, x12_id="ZZ:ORDERGATE", edifact_id="ORDERGATE",
                        store_batch_size=2, parallel_from_bytes=1 if two_processes else 0)
    raws = [as_raw(d, f"doc{n}.edi") for n, d in enumerate(documents, start=1)]
    report = json.loads(ingest_documents(engine, settings, raws, actor="test").to_json()
                        .replace(str(home), "HOME"))
    orders = [(o.id, o.po_number, o.status, o.hold_reasons, o.total, o.detail)
              for o in rows(engine, t.orders)]
    # Payloads whole, but for the moment they were written (UNB 0017/0019, DTM+137).
    queued = [(m.kind, m.filename, m.destination, _STAMPS.sub(b"<now>", m.payload))
              for m in rows(engine, t.outbox)]
    engine.dispose()
    return report, orders, queued


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
@pytest.mark.parametrize("handed_over", ["as paced", "all", "none"])
def test_the_second_process_gives_the_same_report_orders_and_outbox(request, tmp_path, backend,
                                                                    handed_over, monkeypatch):
    """Whichever process reads an ORDERS (the prepare process, or the store when the prepare
    process hands the message over as text because the store would wait), the outcome is
    the same, rejections included."""
    inline = run(fresh_database(request, tmp_path, "inline", backend), tmp_path / "inline",
                 MIXED, two_processes=False)
    if handed_over != "as paced":
        monkeypatch.setattr(parallel.Pace, "store_will_wait", lambda self: handed_over == "all")
    read_here = []
    real = edifact_intake.read_handed_over
    monkeypatch.setattr(edifact_intake, "read_handed_over",
                        lambda item, catalog: read_here.append(item.unread.source_key) or real(item, catalog))
    second = run(fresh_database(request, tmp_path, "parallel", backend), tmp_path / "parallel",
                 MIXED, two_processes=True)
    assert second == inline
    if handed_over == "all":  # every ORDERS of an interchange that is not rejected as a whole
        # Every ORDERS of the interchanges not rejected as a whole; the INVOIC (6) is not one.
        assert read_here == ["IC11//1", "IC11//2", "IC11//3", "IC11//4", "IC11//5", "IC11//7",
                             "IC12/G1/1", "IC13//1"]
    elif handed_over == "none":
        assert read_here == []
    report = inline[0]
    statuses = [[o["status"] for o in d["orders"]] for d in report["documents"]]
    # A rejected message is reported when read, orders when their batch (of two) is stored.
    assert statuses[0] == ["accepted", "held", "rejected", "duplicate", "accepted", "accepted"]
    assert [d["status"] for d in report["documents"]] == [
        "processed", "processed", "processed", "failed", "failed", "duplicate", "processed",
        "failed", "failed"]
    assert [kind for kind, *_ in inline[2]] == [
        "ORDRSP", "ORDRSP", "ORDRSP", "CONTRL",  # IC11: batches of two, then its CONTRL
        "ORDRSP", "CONTRL", "ORDRSP", "CONTRL",  # IC12 (groups), IC13 (Latin-1)
        "CONTRL", "CONTRL", "CONTRL"]  # wrong recipient, unknown sender, reused reference
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_store_crash_stops_the_second_process_and_a_rerun_stores_every_order_once(
        db, ingest, settings, monkeypatch):
    settings.store_batch_size = 2
    settings.parallel_from_bytes = 1
    crash_on_call(monkeypatch, edifact_intake, "queue_ordrsps", 3, RuntimeError("disk full"))
    [failed] = ingest(five_orders()).documents
    assert failed.status == "failed" and "disk full" in failed.error
    assert multiprocessing.active_children() == []
    assert_stored_once_with_one_ordrsp(db, FIVE_ORDERS[:4])

    monkeypatch.undo()
    [rerun] = ingest(five_orders()).documents
    assert rerun.status == "processed"
    assert_stored_once_with_one_ordrsp(db, FIVE_ORDERS)



class _Pace:
    """A store that is never behind (nothing is written ahead) and always, or never, about
    to wait (every ORDERS is handed over, or none)."""

    def __init__(self, will_wait: bool) -> None:
        self.will_wait = will_wait

    def store_will_wait(self) -> bool:
        return self.will_wait

    def store_is_behind(self) -> bool:
        return False


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_handed_over_message_reads_as_the_prepare_process_reads_it_or_not_at_all(db, settings):
    content = interchange(order("H-1", reference="1"), order("H-2", gtin("HW-1001", qty="TEN"),
                                                             reference="2"))
    with db.connect() as conn:
        catalog = Catalog.load(conn)

    def prepared(pace) -> list[PreparedMessage]:
        return [item for item in prepare_edifact(content, settings, catalog, channel="test",
                                                 document_id=7, pace=pace)
                if isinstance(item, PreparedMessage)]

    read_there = prepared(_Pace(will_wait=False))
    handed = prepared(_Pace(will_wait=True))
    assert [m.order for m in handed] == [None, None] and all(m.unread for m in handed)
    read_here = [read_handed_over(m, catalog) for m in handed]
    assert read_here == read_there  # the order, and the rejection with its CONTRL detail
    assert read_here[0].order.po_number == "H-1" and read_here[1].ack.problems

    line_break_terminators = interchange(order("H-3", reference="1"),
                                         delimiters=Delimiters(segment="\n"), line_breaks=False)
    [kept] = [item for item in prepare_edifact(line_break_terminators, settings, catalog,
                                               channel="test", document_id=8, pace=_Pace(True))
              if isinstance(item, PreparedMessage)]
    # Such texts may not read back the same (see edifact_prepare._State): never handed over.
    assert kept.unread is None and kept.order.po_number == "H-3"

    [again] = prepared(_Pace(will_wait=True))[:1]
    again.unread.text = again.unread.text.replace("'", "'UNS+S'", 1)  # one segment more
    with pytest.raises(RuntimeError, match="reads differently from its text"):
        read_handed_over(again, catalog)
