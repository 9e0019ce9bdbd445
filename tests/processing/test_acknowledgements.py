"""The 997s, 855s and TA1s ordergate sends, read back with ordergate's own X12 reader."""

from __future__ import annotations

from pathlib import Path


from ordergate.orders import tables as t

from .x12kit import (
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
    lines = (Item(ids=(("UP", "071234000029"),)), Item(ids=(("BP", "ACME-60200"),), uom="EA"))
    ingest(order_file("4711", *lines))
    [reply] = replies(db, "855")
    assert bak(reply)[2] == "AD"
    po1s = [po1 for po1, _ in acks_by_line(reply.only_set("855"))]
    assert po1s[0][6:] == ["VP", "HW-1002", "UK", "00071234000029"]  # GTIN as 14 digits
    assert po1s[1][6:] == ["BP", "ACME-60200", "VP", "HW-1020"]
    assert [line.sku for line in rows(db, t.order_lines)] == ["HW-1002", "HW-1020"]


def test_an_unknown_item_holds_the_order_and_its_855_rejects_that_line(db, ingest):
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

    # The 855 still goes out: accepted with changes, the unknown line rejected with its reason.
    [reply] = replies(db, "855")
    assert reply.problems == []
    ts = reply.only_set("855")
    assert seg(ts, "BAK")[2] == "AC"
    pairs = acks_by_line(ts)
    assert [ack[1:] for _, ack in pairs] == [["IA", "3", "EA"], ["IR", "0", "EA"]]
    assert pairs[1][0][1:3] == ["2", "12"]
    [ref] = segs(ts, "REF")
    assert ref[:3] == ["REF", "ZZ", "UNKNOWN_ITEM"] and ref[3] == reason
    assert ts.segments.index(ref) == ts.segments.index(pairs[1][1]) + 1  # right after the IR ACK
    assert seg(ts, "CTT") == ["CTT", "2", "15"]


def test_an_order_with_no_known_item_is_held_and_acknowledged_rd(db, ingest):
    [document] = ingest(order_file("4711", unknown("XX-1", "B-1"), unknown("XX-2", "B-2"))).documents
    assert document.orders[0].status == "held"
    ts = replies(db, "855")[0].only_set("855")
    assert seg(ts, "BAK")[2] == "RD"
    assert [ack[1] for _, ack in acks_by_line(ts)] == ["IR", "IR"]
    assert [ref[3][:7] for ref in segs(ts, "REF")] == ["line 1:", "line 2:"]


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


def test_delivered_files_hold_exactly_the_queued_acknowledgements(db, ingest, deliver, settings):
    ingest((SAMPLES / "acme_two_orders.edi").read_bytes(), (SAMPLES / "acme_bad_quantity.edi").read_bytes())
    deliveries = deliver()
    # One 855 interchange for the two orders (an ST each), a 997 per received interchange.
    assert [d.status for d in deliveries] == ["sent"] * 3
    files = sorted((settings.outbox / "ACME").iterdir())
    assert len(files) == 3
    sets = sorted(ts.set_id for f in files for ts in read_reply(f.read_bytes()).sets)
    assert sets == ["855", "855", "997", "997"]
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
