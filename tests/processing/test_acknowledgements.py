"""The 997s, 855s and TA1s ordergate sends, read back with ordergate's own X12 reader."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from ordergate.orders.checks import Overrides
from ordergate.processing import holds
from ordergate.store import tables as t
from tests.kit.x12 import (
    ACME,
    GLOBEX,
    US,
    Item,
    bak,
    group,
    interchange,
    order_file,
    outbox,
    po_850,
    read_reply,
    replies,
    rows,
    seg,
    segs,
    sku,
    transaction,
    unknown,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "x12"


def acks_by_line(ts) -> list[tuple[list[str], list[str]]]:
    """(PO1, ACK) pairs of an 855, checking that every PO1 is followed directly by its ACK."""
    pairs = []
    for index, segment in enumerate(ts.segments):
        if segment[0] == "PO1":
            follower = ts.segments[index + 1]
            assert follower[0] == "ACK", f"PO1 {segment[1]} is followed by {follower[0]}, not ACK"
            pairs.append((segment, follower))
    return pairs


# ------------------------------------------------------------------------------ 855
def test_an_855_echoes_the_po_line_by_line(db, ingest):
    lines = (sku("HW-1001", "10"), sku("HW-1002", "4", "9.75"), sku("HW-1020", "2", "115.00", uom="EA"))
    [document] = ingest(order_file("4500012345", *lines, control=5)).documents
    [order] = document.orders
    assert order.status == "accepted"

    [message] = outbox(db, "855")
    assert (message.destination, message.order_id) == ("ACME", order.order_id)
    reply = read_reply(message.payload)
    assert reply.problems == []
    assert (reply.header.sender_qualifier, reply.header.sender_id) == US
    assert (reply.header.receiver_qualifier, reply.header.receiver_id) == ACME
    [gs] = reply.groups
    assert (gs.functional_id, gs.sender_code, gs.receiver_code) == ("PR", "ORDERGATE", "ACMEBUY")
    ts = reply.only_set("855")
    beginning = seg(ts, "BAK")
    assert beginning[1:5] == ["00", "AD", "4500012345", "20261120"]
    assert beginning[8] == str(order.order_id)
    pairs = acks_by_line(ts)
    assert [po1[1:5] for po1, _ in pairs] == [["1", "10", "CS", "16.50"], ["2", "4", "CS", "9.75"],
                                              ["3", "2", "EA", "115.00"]]
    assert [ack[1:] for _, ack in pairs] == [["IA", "10", "CS"], ["IA", "4", "CS"], ["IA", "2", "EA"]]
    assert segs(ts, "REF") == []
    assert seg(ts, "CTT") == ["CTT", "3", "16"]


def test_items_found_by_gtin_and_cross_reference_are_acknowledged_with_our_sku(db, ingest):
    lines = (Item(ids=(("UP", "071234000029"),), price="9.75"),
             Item(ids=(("BP", "ACME-60200"),), uom="EA", price="115.00"))
    ingest(order_file("4711", *lines))
    [reply] = replies(db, "855")
    assert bak(reply)[2] == "AD"
    po1s = [po1 for po1, _ in acks_by_line(reply.only_set("855"))]
    assert po1s[0][6:] == ["VP", "HW-1002", "UK", "00071234000029"]  # GTIN as 14 digits
    assert po1s[1][6:] == ["BP", "ACME-60200", "VP", "HW-1020"]
    assert [line.sku for line in rows(db, t.order_lines)] == ["HW-1002", "HW-1020"]


def test_an_unknown_item_holds_the_order_and_the_855_waits_for_the_release(db, ingest, settings):
    [document] = ingest(order_file("4500012347", sku("JS-2003", "3", uom="EA"), unknown(qty="12"))).documents

    [order] = document.orders
    reason = "line 2: unknown item (tried vendor part 'XX-9999' or buyer part 'ACME-99999')"
    assert (order.status, order.hold_reasons) == ("held", [reason])
    assert [(line.status, line.reason) for line in order.lines] == [("accepted", None), ("unknown_item", reason)]
    [stored] = rows(db, t.orders)
    assert stored.status == "held" and reason in stored.hold_reasons
    assert [(line.line_number, line.status, line.sku) for line in rows(db, t.order_lines)] == [
        (1, "accepted", "JS-2003"), (2, "unknown_item", None)]
    [event] = rows(db, t.order_events)
    assert (event.to_status, event.reason) == ("held", reason)
    assert replies(db, "855") == []  # a held order is answered when it is resolved

    # Releasing without fixing anything: still held, still no 855, the attempt recorded.
    still = holds.release(db, settings, stored.id, actor="ops:ann", now=NOW)
    assert (still.status, still.reasons) == ("held", [reason])
    assert replies(db, "855") == []

    # Ops add the buyer's part number to the cross-reference: now the PO's price (9.99) is
    # checked against ours (7.20) and holds; ops accept the PO price and the order is answered.
    with db.begin() as conn:
        conn.execute(t.item_xref.insert().values(customer_id="ACME", buyer_part="ACME-99999",
                                                 sku="JS-2004"))
    priced = holds.release(db, settings, stored.id, actor="ops:ann", now=NOW)
    assert priced.status == "held" and "PO price 9.99 differs from our price 7.20" in priced.reasons[0]
    released = holds.release(db, settings, stored.id, actor="ops:ann", now=NOW, note="xref added",
                             overrides=Overrides(accept_po_price=True))
    assert released.status == "accepted" and len(released.outbound) == 1
    [reply] = replies(db, "855")
    ts = reply.only_set("855")
    assert seg(ts, "BAK")[2:4] == ["AD", "4500012347"]
    assert [ack[1:] for _, ack in acks_by_line(ts)] == [["IA", "3", "EA"], ["IA", "12", "EA"]]
    events = rows(db, t.order_events)
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (None, "held", "test"), ("held", "held", "ops:ann"), ("held", "held", "ops:ann"),
        ("held", "accepted", "ops:ann")]
    assert events[-1].reason == "xref added; PO price accepted"
    [link] = [a for a in rows(db, t.order_acknowledgements) if a.kind == "855"]
    assert link.order_id == stored.id
    with pytest.raises(holds.HoldError, match="is accepted, not held"):
        holds.release(db, settings, stored.id, actor="ops:ann", now=NOW)


def test_a_rejected_hold_is_answered_rd_with_the_reason_on_every_line(db, ingest, settings):
    [document] = ingest(order_file("4711", unknown("XX-1", "B-1"), unknown("XX-2", "B-2"))).documents
    [order] = document.orders
    assert order.status == "held" and replies(db, "855") == []
    with pytest.raises(holds.HoldError, match="needs a reason"):
        holds.reject(db, settings, order.order_id, actor="ops:bob", now=NOW, reason=" ")
    rejected = holds.reject(db, settings, order.order_id, actor="ops:bob", now=NOW,
                            reason="we do not carry these items")
    assert rejected.status == "rejected"
    ts = replies(db, "855")[0].only_set("855")
    assert seg(ts, "BAK")[2] == "RD"
    assert [ack[1] for _, ack in acks_by_line(ts)] == ["IR", "IR"]
    assert [ref[3][:27] for ref in segs(ts, "REF")] == ["we do not carry these items"] * 2
    [stored] = rows(db, t.orders)
    assert stored.status == "rejected" and stored.total == 0  # nothing of it ships
    assert [e.to_status for e in rows(db, t.order_events)] == ["held", "rejected"]


def test_releasing_a_price_hold_by_accepting_the_po_price(db, ingest, settings):
    [order] = ingest(order_file("PX-1", sku("HW-1001", "10", price="14.00"))).documents[0].orders
    assert order.status == "held" and "PO price 14.00 differs from our price 16.50" in order.hold_reasons[0]
    again = holds.release(db, settings, order.order_id, actor="ops", now=NOW)
    assert again.status == "held"
    released = holds.release(db, settings, order.order_id, actor="ops", now=NOW,
                             overrides=Overrides(accept_po_price=True))
    assert released.status == "accepted"
    ts = replies(db, "855")[0].only_set("855")
    assert [po1[4] for po1, _ in acks_by_line(ts)] == ["14.00"]
    assert rows(db, t.orders)[0].status == "accepted"


def test_a_duplicate_po_gets_an_rj_855_naming_the_original_order(db, ingest):
    [first] = ingest(order_file("4711", control=1)).documents[0].orders
    ingest(order_file("4711", control=2))
    rejection = replies(db, "855")[1]  # separate ingests: an 855 interchange each
    assert rejection.problems == []
    ts = rejection.only_set("855")
    assert seg(ts, "BAK")[1:4] == ["00", "RJ", "4711"]
    assert seg(ts, "BAK")[8] == str(first.order_id)
    assert seg(ts, "REF")[1:3] == ["ZZ", "DUPLICATE"]
    assert segs(ts, "PO1") == []
    [message] = [m for m in outbox(db, "855") if m.order_id is None]
    assert message.destination == "ACME"


# ------------------------------------------------------------------------------ 997
def test_a_997_answers_each_group_and_each_set(db, ingest):
    content = interchange(control=31, groups=[
        group(transaction(po_850("A-1"), 101), transaction(po_850("A-2"), 102), control=7),
        group(transaction(po_850("A-3"), 201), control=8),
    ])
    [document] = ingest(content).documents
    assert document.status == "processed"

    [message] = outbox(db, "997")
    assert (message.destination, message.document_id) == ("ACME", document.document_id)
    reply = read_reply(message.payload)
    assert reply.problems == []
    assert (reply.header.receiver_qualifier, reply.header.receiver_id) == ACME
    [gs] = reply.groups
    assert (gs.functional_id, gs.receiver_code) == ("FA", "ACMEBUY")
    first, second = reply.sets
    assert (first.set_id, second.set_id) == ("997", "997")
    assert seg(first, "AK1") == ["AK1", "PO", "7"]
    assert [s[1:] for s in segs(first, "AK2")] == [["850", "0101"], ["850", "0102"]]
    assert [s[1:] for s in segs(first, "AK5")] == [["A"], ["A"]]
    assert seg(first, "AK9") == ["AK9", "A", "2", "2", "2"]
    assert seg(second, "AK1") == ["AK1", "PO", "8"]
    assert [s[1:] for s in segs(second, "AK2")] == [["850", "0201"]]
    assert seg(second, "AK9") == ["AK9", "A", "1", "1", "1"]
    assert reply.service == []  # ISA14 was 0: no TA1 asked for


def test_a_partner_asking_for_a_ta1_gets_one_with_the_997(db, ingest):
    content = interchange(po_850("GX-1", sku("OF-3001")), control=77, sender=GLOBEX, ack_requested="1")
    ingest(content)
    [message] = outbox(db, "997")
    assert message.destination == "GLOBEX"
    reply = read_reply(message.payload)
    assert reply.problems == []
    assert reply.service == [["TA1", "000000077", "261120", "0930", "A", "000"]]
    assert seg(reply.only_set("997"), "AK9")[:2] == ["AK9", "A"]


def test_the_globex_sample_with_other_delimiters_is_answered_in_ours(db, ingest):
    [document] = ingest((SAMPLES / "globex_GX-88120.edi").read_bytes()).documents
    assert document.status == "processed"
    kinds = [(m.kind, m.destination) for m in outbox(db)]
    assert kinds == [("855", "GLOBEX"), ("997", "GLOBEX")]
    for message in outbox(db):
        assert b"|" not in message.payload
        reply = read_reply(message.payload)
        assert reply.problems == []
        assert (reply.header.receiver_qualifier, reply.header.receiver_id) == GLOBEX
        assert reply.header.delimiters.element == "*"
    # One line has no price on the PO: it is sold at ours, so the order is accepted with changes.
    assert bak(read_reply(outbox(db, "855")[0].payload))[2:4] == ["AC", "GX-88120"]


NOW = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)


def test_delivered_files_hold_exactly_the_queued_acknowledgements(db, ingest, deliver, settings):
    ingest((SAMPLES / "acme_two_orders.edi").read_bytes(), (SAMPLES / "acme_bad_quantity.edi").read_bytes())
    deliveries = deliver()
    # One 855 interchange for the accepted order (the held one waits), a 997 per interchange.
    assert [d.status for d in deliveries] == ["sent"] * 3
    files = sorted((settings.outbox / "ACME").iterdir())
    assert len(files) == 3
    sets = sorted(ts.set_id for f in files for ts in read_reply(f.read_bytes()).sets)
    assert sets == ["855", "997", "997"]
    for message in outbox(db):
        assert (settings.outbox / message.destination / message.filename).read_bytes() == message.payload


# ------------------------------------------------------------------------------ inbound acknowledgements
def inbound_997() -> bytes:
    """ACME acknowledging one of our 855s: an FA group holding a 997."""
    ack = transaction([["AK1", "PR", "1"], ["AK9", "A", "1", "1", "1"]], 1, set_id="997")
    return interchange(control=41, groups=[group(ack, control=41, functional_id="FA")])


def test_an_inbound_997_is_never_acknowledged(db, ingest):
    [document] = ingest(inbound_997()).documents
    assert document.orders == []
    assert outbox(db) == []


def test_an_inbound_997_is_processed_not_failed(db, ingest):
    [document] = ingest(inbound_997()).documents
    assert (document.status, document.error) == ("processed", None)
