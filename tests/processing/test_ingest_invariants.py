"""Promises that hold across runs: idempotency, resuming after a crash, outbound control numbers.

Every test runs on SQLite and on PostgreSQL (the ``db`` fixture) through
``ingest_documents`` and ``deliver_pending``, as the command line and the flows call them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ordergate.outbox import queue as outbox_module
from ordergate.processing.x12 import intake as x12_intake
from ordergate.store import tables as t
from tests.kit.resume import (
    FIVE_ORDERS,
    Crash,
    assert_stored_once_with_one_855,
    crash_on_call,
    five_orders,
)
from tests.kit.x12 import (
    GLOBEX,
    acks_855,
    bak,
    interchange,
    order_file,
    outbox,
    po_850,
    read_reply,
    replies,
    rows,
    sample_price,
    seg,
    segs,
    sku,
    stored_content,
)

ACME_PARTNER = "x12:ZZ:ACMEBUY"
GLOBEX_PARTNER = "x12:12:5551234567"


def po_numbers(db) -> list[str]:
    return sorted(row.po_number for row in rows(db, t.orders))


# ------------------------------------------------------------------------------ idempotency
@pytest.mark.parametrize("together", [False, True], ids=["two-calls", "one-call"])
def test_the_same_file_twice_is_one_order_with_one_855(db, ingest, together):
    content = order_file("4711")
    if together:
        first, second = ingest(content, content).documents
    else:
        [first] = ingest(content).documents
        [second] = ingest(content).documents

    assert first.status == "processed"
    assert second.status == "duplicate"
    assert second.document_id == first.document_id
    assert f"already received as document {first.document_id}" in second.error
    assert second.orders == [] and second.outbound == []
    assert po_numbers(db) == ["4711"]
    assert [m.kind for m in outbox(db)] == ["855", "997"]
    [document] = rows(db, t.documents)
    assert (document.status, stored_content(db, document.id)) == ("processed", content)


def test_a_reused_interchange_control_number_is_rejected_with_ta1_025(db, ingest):
    [first] = ingest(order_file("4711", control=42)).documents
    resent = order_file("4712", sku("HW-1003"), control=42)  # other bytes, same sender + ISA13
    [second] = ingest(resent).documents

    assert second.status == "duplicate"
    assert second.document_id != first.document_id
    assert "000000042" in second.error and f"document {first.document_id}" in second.error
    assert second.orders == []
    assert po_numbers(db) == ["4711"]
    assert [m.kind for m in outbox(db)] == ["855", "997", "TA1"]
    [ta1_row] = outbox(db, "TA1")
    assert (ta1_row.document_id, ta1_row.destination) == (second.document_id, "ACME")
    ta1 = read_reply(ta1_row.payload)
    assert ta1.problems == [] and ta1.sets == []
    assert ta1.service == [["TA1", "000000042", "261120", "0930", "R", "025"]]
    stored = {d.id: d for d in rows(db, t.documents)}
    assert stored[second.document_id].status == "duplicate"
    assert stored_content(db, second.document_id) == resent


def test_the_same_control_number_from_another_sender_is_not_a_duplicate(db, ingest):
    acme, globex = ingest(order_file("4711", control=42),
                          order_file("GX-1", sku("OF-3001"), control=42, sender=GLOBEX)).documents
    assert (acme.status, globex.status) == ("processed", "processed")
    assert po_numbers(db) == ["4711", "GX-1"]
    assert outbox(db, "TA1") == []


def test_a_po_sent_again_in_a_new_interchange_is_a_duplicate_of_the_original(db, ingest):
    [original] = ingest(order_file("4711", control=1)).documents[0].orders
    [document] = ingest(order_file("4711", sku("HW-1003", "99"), control=2)).documents

    assert document.status == "processed"
    [duplicate] = document.orders
    assert duplicate.status == "duplicate"
    assert duplicate.order_id == original.order_id
    assert f"already received as order {original.order_id}" in duplicate.hold_reasons[0]
    # The original order stands, unchanged: the resent lines were not added to it.
    [order] = rows(db, t.orders)
    assert (order.id, order.status) == (original.order_id, "accepted")
    assert [line.sku for line in rows(db, t.order_lines)] == ["HW-1001", "HW-1002"]
    [recorded] = rows(db, t.order_duplicates)
    assert (recorded.document_id, recorded.source_key, recorded.order_id) == (
        document.document_id, "000000002/2/0001", original.order_id)
    first_855, second_855 = acks_855(db)
    assert bak(first_855)[2] == "AD"
    rejection = bak(second_855)
    assert (rejection[2], rejection[3], rejection[8]) == ("RJ", "4711", str(original.order_id))


@pytest.mark.parametrize("batch_size", [1, 2000], ids=["separate-batches", "same-batch"])
def test_the_same_po_twice_in_one_interchange_is_one_order_and_one_duplicate(
        db, ingest, settings, batch_size):
    settings.store_batch_size = batch_size
    [document] = ingest(interchange(po_850("4711"), po_850("4711", sku("HW-1003")))).documents

    assert document.status == "processed"
    first, second = document.orders
    assert [(o.po_number, o.status) for o in document.orders] == [
        ("4711", "accepted"), ("4711", "duplicate")]
    assert second.order_id == first.order_id
    assert po_numbers(db) == ["4711"]
    [recorded] = rows(db, t.order_duplicates)
    assert (recorded.source_key, recorded.order_id) == ("000000001/1/0002", first.order_id)
    assert [bak(ts)[2] for ts in acks_855(db)] == ["AD", "RJ"]
    # One batch, one 855 interchange; separate batches, one each.
    assert len(outbox(db, "855")) == (1 if batch_size > 1 else 2)
    [ack] = replies(db, "997")
    assert [s[1:] for s in segs(ack.only_set("997"), "AK5")] == [["A"], ["A"]]


# ------------------------------------------------------------------------------ crash / resume
@pytest.mark.parametrize("crash", [RuntimeError("disk full"), Crash()], ids=["exception", "process-dies"])
def test_a_crash_in_the_third_batch_then_a_rerun_stores_every_order_once(
        db, ingest, settings, monkeypatch, crash):
    settings.store_batch_size = 2  # batches: PO-1 PO-2 | PO-3 PO-4 | PO-5
    crash_on_call(monkeypatch, x12_intake, "queue_855s", 3, crash)
    if isinstance(crash, Exception):
        [failed] = ingest(five_orders()).documents
        assert failed.status == "failed"
        assert "internal error" in failed.error and "disk full" in failed.error
    else:
        with pytest.raises(Crash):
            ingest(five_orders())

    # Two batches committed with their 855s; the third rolled back whole; no 997 yet.
    assert_stored_once_with_one_855(db, FIVE_ORDERS[:4])
    assert outbox(db, "997") == []
    [document] = rows(db, t.documents)
    assert document.status == ("failed" if isinstance(crash, Exception) else "received")

    monkeypatch.undo()  # the original queue_855s again
    [rerun] = ingest(five_orders()).documents

    assert (rerun.status, rerun.error, rerun.document_id) == ("processed", None, document.id)
    assert [(o.po_number, o.status) for o in rerun.orders] == [(po, "accepted") for po in FIVE_ORDERS]
    assert_stored_once_with_one_855(db, FIVE_ORDERS)
    [ack] = replies(db, "997")
    assert seg(ack.only_set("997"), "AK9") == ["AK9", "A", "5", "5", "5"]
    [document] = rows(db, t.documents)
    assert document.status == "processed"
    # Every outbound message the rerun reports is one the outbox holds.
    queued = {Path(settings.outbox, m.destination, m.filename) for m in outbox(db)}
    assert {Path(o.path) for o in rerun.outbound} <= queued


def test_a_crash_before_the_997_then_a_rerun_queues_it_once(db, ingest, settings, monkeypatch):
    settings.store_batch_size = 2
    crash_on_call(monkeypatch, x12_intake, "queue_997", 1, Crash())
    with pytest.raises(Crash):
        ingest(five_orders())
    assert_stored_once_with_one_855(db, FIVE_ORDERS)
    assert outbox(db, "997") == []

    monkeypatch.undo()
    [rerun] = ingest(five_orders()).documents

    assert rerun.status == "processed"
    assert_stored_once_with_one_855(db, FIVE_ORDERS)
    assert [m.kind for m in outbox(db)] == ["855"] * 3 + ["997"]  # batches of 2, 2, 1


def test_processing_a_failed_document_again_reports_only_messages_that_exist(db, ingest, settings):
    bad = order_file("4711", sku("HW-1001", qty="TEN"))  # fails: its only 850 is rejected
    ingest(bad)
    [again] = ingest(bad).documents  # a failed document is processed again (a retry)

    assert again.status == "failed"
    [ack] = outbox(db, "997")
    assert [Path(o.path) for o in again.outbound] == [Path(settings.outbox, ack.destination, ack.filename)]


def test_a_crash_between_writing_a_file_and_marking_it_sent_rewrites_the_same_file(
        db, ingest, settings, deliver, monkeypatch):
    ingest(order_file("4711", control=1), order_file("4712", control=2))
    assert [m.kind for m in outbox(db)] == ["855", "997", "855", "997"]
    crash_on_call(monkeypatch, outbox_module, "_mark_sent", 2, Crash())
    with pytest.raises(Crash):
        deliver()

    # The first message is sent; the second is on disk but its row still says pending.
    messages = outbox(db)
    assert [m.status for m in messages] == ["sent", "pending", "pending", "pending"]
    second = settings.outbox / messages[1].destination / messages[1].filename
    assert second.read_bytes() == messages[1].payload

    monkeypatch.undo()
    assert [d.status for d in deliver()] == ["sent"] * 3
    assert deliver() == []

    messages = outbox(db)
    assert [(m.status, m.attempts) for m in messages] == [("sent", 1)] * 4
    on_disk = sorted(p for p in settings.outbox.rglob("*") if p.is_file())  # hidden temp files too
    assert on_disk == sorted(settings.outbox / m.destination / m.filename for m in messages)
    for message in messages:
        assert (settings.outbox / message.destination / message.filename).read_bytes() == message.payload


# ------------------------------------------------------------------------------ control numbers
def strictly_increasing(numbers: list[int]) -> bool:
    return all(a < b for a, b in zip(numbers, numbers[1:]))


def test_outbound_control_numbers_are_unique_and_increasing_per_partner(db, ingest):
    ingest(
        interchange(po_850("A-1"), po_850("A-2"), control=1),         # 855 (two sets), 997
        order_file("G-1", sku("OF-3001", price="22.90"), control=1, sender=GLOBEX),  # 855, 997
        order_file("A-3", control=2),                                 # 855, 997
        order_file("A-4", control=2),                                 # TA1 025
        order_file("A-5", sku("HW-1001", qty="TEN"), control=3),      # 997 rejecting the set
        order_file("G-2", sku("OF-3002", price="10.80"), control=2, sender=GLOBEX),  # 855, 997
    )
    ingest(order_file("A-1", control=4))                              # 855 RJ, 997

    by_partner: dict[str, list] = {}
    for message in outbox(db):
        by_partner.setdefault(message.partner_id, []).append((message, read_reply(message.payload)))
    assert set(by_partner) == {ACME_PARTNER, GLOBEX_PARTNER}
    assert len(by_partner[ACME_PARTNER]) == 8 and len(by_partner[GLOBEX_PARTNER]) == 4

    for partner, messages in by_partner.items():
        isa = [reply.isa13 for _, reply in messages]
        gs = [number for _, reply in messages for number in reply.gs06]
        st = [number for _, reply in messages for number in reply.st02]
        assert strictly_increasing(isa), (partner, isa)
        assert strictly_increasing(gs), (partner, gs)
        assert strictly_increasing(st), (partner, st)
        for message, reply in messages:
            assert reply.problems == [], (message.filename, reply.problems)
            assert message.filename.endswith(f"_{reply.isa13:09d}.x12")
            assert (reply.header.receiver_qualifier, reply.header.receiver_id) == tuple(
                partner.split(":")[1:])
    # Independent sequences: GLOBEX starts at 1 although ACME's numbers ran before and between.
    globex = [reply for _, reply in by_partner[GLOBEX_PARTNER]]
    assert (globex[0].isa13, globex[0].gs06[0], globex[0].st02[0]) == (1, 1, 1)
    acme = [reply for _, reply in by_partner[ACME_PARTNER]]
    assert (acme[0].isa13, acme[0].gs06[0], acme[0].st02[0]) == (1, 1, 1)


def test_the_same_control_number_twice_in_one_file_rejects_the_second_interchange(db, ingest):
    """Not mistaken for a crashed first attempt being resumed (which would report the second
    interchange's PO under the first one's order)."""
    [document] = ingest(order_file("S-1", control=5) + order_file("S-2", control=5)).documents
    assert [(o.po_number, o.status) for o in document.orders] == [("S-1", "accepted")]
    assert "appears twice in this document" in document.problems[0]
    assert po_numbers(db) == ["S-1"]
    [ta1] = replies(db, "TA1")
    assert ta1.service[0][4:6] == ["R", "025"]


@pytest.mark.parametrize("rerun_batch", [2, 1, 3], ids=["same-batches", "smaller", "larger"])
def test_a_duplicate_answered_before_a_crash_is_not_answered_again(db, ingest, settings, monkeypatch,
                                                                  rerun_batch):
    ingest(order_file("PO-2", control=3))  # PO-2 exists: in the next file it is a duplicate
    settings.store_batch_size = 2  # batches: PO-1 PO-2(duplicate) | PO-3 PO-4 | PO-5
    crash_on_call(monkeypatch, x12_intake, "queue_855s", 2, Crash())
    with pytest.raises(Crash):
        ingest(five_orders())
    sets_before = len(acks_855(db))  # PO-2 alone, then PO-1 + the duplicate PO-2

    monkeypatch.undo()
    settings.store_batch_size = rerun_batch  # how the rerun cuts batches must not matter
    [rerun] = ingest(five_orders()).documents

    assert rerun.status == "processed"
    assert [(o.po_number, o.status) for o in rerun.orders] == [
        ("PO-1", "accepted"), ("PO-2", "duplicate"), ("PO-3", "accepted"), ("PO-4", "accepted"),
        ("PO-5", "accepted")]
    assert "already received as order" in rerun.orders[1].hold_reasons[0]
    sets = acks_855(db)
    # One 855 set per PO of the file (PO-2's answering it as a duplicate) and the first PO-2's.
    assert sets_before == 3
    assert sorted(bak(ts)[3] for ts in sets) == ["PO-1", "PO-2", "PO-2", "PO-3", "PO-4", "PO-5"]
    links = rows(db, t.order_acknowledgements)
    assert len(links) == 5  # the five orders; a duplicate's 855 is not the original's acknowledgement


def test_two_partners_using_the_same_isa13_in_one_file_each_get_their_order(db, ingest):
    content = order_file("ACME-9", control=5) + order_file("GLOBEX-9", sku("OF-3001", price=sample_price("GLOBEX", "OF-3001")), control=5,
                                                             sender=GLOBEX)
    [document] = ingest(content).documents
    assert document.status == "processed"
    assert [(o.po_number, o.status) for o in document.orders] == [("ACME-9", "accepted"),
                                                                   ("GLOBEX-9", "accepted")]
    assert po_numbers(db) == ["ACME-9", "GLOBEX-9"]
    assert len({o.source_key for o in rows(db, t.orders)}) == 2
    assert sorted(bak(ts)[3] for ts in acks_855(db)) == ["ACME-9", "GLOBEX-9"]


def test_every_stored_line_belongs_to_its_own_order(db, ingest):
    # Orders already in the table (so new ids do not start at 1), then a batch with a duplicate
    # PO in it (some rows not inserted) and one without: on SQLite the ids of a batch that went
    # in whole are taken from the rowids rather than read back, and must be the same.
    ingest(order_file("L-0", sku("HW-1001", "1"), control=40))
    ingest(interchange(po_850("L-1", sku("HW-1002", "2")), po_850("L-0", sku("HW-1003", "3")),
                       po_850("L-2", sku("JS-2003", "4"), sku("HW-1020", "5")), control=41))
    ingest(interchange(po_850("L-3", sku("HW-1001", "6")), po_850("L-4", sku("JS-2003", "7")),
                       control=42))
    orders = {row.id: row.po_number for row in rows(db, t.orders)}
    lines = sorted((orders[line.order_id], line.sku, int(line.quantity)) for line in rows(db, t.order_lines))
    assert lines == [("L-0", "HW-1001", 1), ("L-1", "HW-1002", 2), ("L-2", "HW-1020", 5),
                     ("L-2", "JS-2003", 4), ("L-3", "HW-1001", 6), ("L-4", "JS-2003", 7)]
