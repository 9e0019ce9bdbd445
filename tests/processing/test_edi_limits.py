"""What reading one X12 or EDIFACT document may cost: a segment too long and a transaction set
or message with too many segments are rejected with the standard's negative acknowledgement
(and not held), their neighbours go on; a document over its time budget fails with a reason,
keeps what it stored, and a replay finishes it without doing anything twice.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ordergate.parsers.edi_limits import Budget, EdiLimits
from ordergate.parsers.edifact.reader import iter_edifact
from ordergate.parsers.edifact.types import Message
from ordergate.parsers.x12.reader import iter_x12
from ordergate.parsers.x12.types import TransactionSet
from ordergate.store import tables as t
from tests.kit import edifact as ek
from tests.kit.x12 import interchange, outbox, po_850, replies, seg, segs, sku


def _orders_by_po(db) -> dict[str, int]:
    with db.connect() as conn:
        return dict(conn.execute(select(t.orders.c.po_number, func.count())
                                 .group_by(t.orders.c.po_number)).all())


# ------------------------------------------------------------------------------ X12
# 150,000 characters sits inside one 1 MB chunk; 3,000,000 is longer than a chunk.
@pytest.mark.parametrize("length", [150_000, 3_000_000])
def test_an_850_with_a_segment_over_the_limit_is_rejected_with_ak4_and_the_neighbour_goes_on(
        db, ingest, length):
    big = po_850("LONG-1")
    big[2] = ["N1", "ST", "N" * length, "92", "ST017"]  # the ship-to name
    content = interchange(big, po_850("OK-1"), control=71)
    [document] = ingest(content).documents
    assert document.status == "processed", document.error
    assert [(o.po_number, o.status) for o in document.orders] == [(None, "rejected"),
                                                                  ("OK-1", "accepted")]
    assert "ORDERGATE_EDI_MAX_SEGMENT_BYTES" in document.orders[0].hold_reasons[0]
    [ack] = replies(db, "997")
    ts = ack.only_set("997")
    assert [s[1:] for s in segs(ts, "AK5")] == [["R", "5"], ["A"]]
    assert seg(ts, "AK3")[1:] == ["N1", "4", "", "8"]  # ST = 1, BEG, CUR, N1
    assert seg(ts, "AK4")[1:4] == ["2", "", "5"]  # N102, data element too long
    assert _orders_by_po(db) == {"OK-1": 1}


def test_the_reader_holds_no_segment_of_a_set_over_the_limit():
    big = po_850("LONG-2")
    big[2] = ["N1", "ST", "N" * 3_000_000, "92", "ST017"]
    sets = [e for e in iter_x12(interchange(big, po_850("OK-2"))) if isinstance(e, TransactionSet)]
    assert [s.ok for s in sets] == [False, True]
    assert [row[0] for row in sets[0].segments] == ["ST", "SE"]  # the rest was never kept
    assert max(len(value) for row in sets[0].segments for value in row) < 1_000


def test_an_850_with_more_segments_than_the_limit_is_rejected_and_the_neighbour_goes_on(
        db, ingest, settings):
    settings.edi_max_set_segments = 20
    lines = [sku("HW-1001")] * 30  # ST BEG CUR N1, 30 PO1, CTT, SE: 36 segments
    content = interchange(po_850("MANY-1", *lines), po_850("OK-3"), control=72)
    [document] = ingest(content).documents
    assert document.status == "processed", document.error
    assert [(o.po_number, o.status) for o in document.orders] == [(None, "rejected"),
                                                                  ("OK-3", "accepted")]
    assert "more than 20 segments" in document.orders[0].hold_reasons[0]
    ts = replies(db, "997")[0].only_set("997")
    assert [s[1:] for s in segs(ts, "AK5")] == [["R", "5"], ["A"]]
    assert seg(ts, "AK3")[1:] == ["PO1", "21", "", "5"]  # the first segment past the limit
    assert _orders_by_po(db) == {"OK-3": 1}


def test_a_set_over_the_limit_across_chunks_is_dropped_as_it_is_read():
    # 250,000 PO1s (about 7 MB, several chunks) against the default 200,000: the set's segments
    # stop being held once it passes the limit; its SE01 is still checked against all of them.
    big = po_850("HUGE-1", *[sku("HW-1001")] * 250_000)
    sets = [e for e in iter_x12(interchange(big, po_850("OK-4")), EdiLimits())
            if isinstance(e, TransactionSet)]
    assert [s.ok for s in sets] == [False, True]
    [problem] = sets[0].problems
    assert (problem.code, problem.segment_code, problem.segment_position_in_set) == ("5", "5", 200_001)
    assert [row[0] for row in sets[0].segments] == ["ST", "SE"]


# ------------------------------------------------------------------------------ EDIFACT
@pytest.mark.parametrize("length", [150_000, 3_000_000])
def test_an_orders_with_a_segment_over_the_limit_is_rejected_with_ucd_39_and_the_neighbour_goes_on(
        db, ingest, length):
    big = ek.order("LONG-E1", reference="1")
    big.body.insert(2, ["FTX", "AAI", "", "", "F" * length])
    content = ek.interchange(big, ek.order("OK-E1", reference="2"), reference="IC71")
    [document] = ingest(content).documents
    assert document.status == "processed", document.error
    assert [(o.po_number, o.status) for o in document.orders] == [(None, "rejected"),
                                                                  ("OK-E1", "accepted")]
    segments = ek.contrl(db).segments
    ucm = [ek.as_list(s) for s in segments if s.tag == "UCM"]
    assert [(u[1], u[3]) for u in ucm] == [("1", "4")]  # the neighbour is accepted: no UCM
    assert [ek.as_list(s) for s in segments if s.tag in ("UCS", "UCD")] == [
        ["UCS", "4"], ["UCD", "39", ["5", "1"]]]  # UNH BGM DTM FTX; its 4th element
    assert _orders_by_po(db) == {"OK-E1": 1}


def test_an_orders_with_more_segments_than_the_limit_gets_ucm_35_and_the_neighbour_goes_on(
        db, ingest, settings):
    settings.edi_max_set_segments = 20
    many = ek.order("MANY-E1", *[ek.gtin("HW-1001")] * 12, reference="1")
    content = ek.interchange(many, ek.order("OK-E2", reference="2"), reference="IC72")
    [document] = ingest(content).documents
    assert document.status == "processed", document.error
    assert [(o.po_number, o.status) for o in document.orders] == [(None, "rejected"),
                                                                  ("OK-E2", "accepted")]
    assert "more than 20 segments" in document.orders[0].hold_reasons[0]
    [ucm] = [ek.as_list(s) for s in ek.contrl(db).segments if s.tag == "UCM"]
    assert (ucm[1], ucm[3], ucm[4]) == ("1", "4", "35")
    assert _orders_by_po(db) == {"OK-E2": 1}


def test_the_edifact_reader_holds_no_segment_of_a_message_over_the_limit():
    big = ek.order("HUGE-E1", *[ek.gtin("HW-1001")] * 1_000, reference="1")
    content = ek.interchange(big, ek.order("OK-E3", reference="2"))
    messages = [e for e in iter_edifact(content, EdiLimits(max_set_segments=500))
                if isinstance(e, Message)]
    assert [m.ok for m in messages] == [False, True]
    assert [s.tag for s in messages[0].segments] == ["UNH", "UNT"]
    assert "35" in [p.code for p in messages[0].problems]  # and no UNT count mismatch
    assert "29" not in [p.code for p in messages[0].problems]


# ------------------------------------------------------------------------------ time
def _over_budget(settings, parallel: bool) -> None:
    # No time at all: the budget runs out during the first chunk, and is seen after it, so
    # exactly the first chunk's sets are prepared and stored (one order per batch).
    settings.parse_max_seconds = 1e-9
    settings.parse_seconds_per_mb = 0
    settings.store_batch_size = 1
    settings.parallel_from_bytes = 1 if parallel else 0


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "prepare process"])
def test_an_x12_document_over_its_time_budget_fails_with_a_reason_and_a_replay_finishes_it(
        db, ingest, settings, parallel):
    # One interchange per chunk: the reader checks the budget after each.
    content = b"".join(interchange(po_850(f"T-{n}"), control=80 + n) for n in range(5))
    _over_budget(settings, parallel)
    [document] = ingest(content).documents
    assert document.status == "failed"
    # Whichever process sees it first: the reader, or the store between two chunks of items.
    assert "took longer than 1e-09 s (the budget for a document of 0.0 MB)" in document.error
    assert "ORDERGATE_PARSE_SECONDS_PER_MB" in document.error
    assert _orders_by_po(db) == {"T-0": 1}  # stored before the budget ran out, and kept

    settings.parse_max_seconds, settings.parse_seconds_per_mb = 60.0, 5.0
    [again] = ingest(content).documents  # what `ordergate replay` does with the stored bytes
    assert (again.document_id, again.status) == (document.document_id, "processed"), again.error
    assert _orders_by_po(db) == {f"T-{n}": 1 for n in range(5)}
    assert len(outbox(db, "855")) == 5
    # One 997 per interchange: the first attempt stopped before it answered any.
    assert sorted(int(r.only_set("997").segments[1][2]) for r in replies(db, "997")) == [
        80, 81, 82, 83, 84]


def test_an_edifact_document_over_its_time_budget_fails_and_a_replay_finishes_it(db, ingest, settings):
    # About 20 KB of messages in one interchange: several 4 KB chunks.
    messages = [ek.order(f"E-{n}", reference=str(n)) for n in range(1, 41)]
    content = ek.interchange(*messages, reference="IC80")
    _over_budget(settings, parallel=False)
    [document] = ingest(content).documents
    assert document.status == "failed"
    assert "took longer than" in document.error
    stored = _orders_by_po(db)
    assert 0 < len(stored) < 40 and set(stored.values()) == {1}

    settings.parse_max_seconds, settings.parse_seconds_per_mb = 60.0, 5.0
    [again] = ingest(content).documents
    assert again.status == "processed", again.error
    assert _orders_by_po(db) == {f"E-{n}": 1 for n in range(1, 41)}
    assert len(ek.ordrsps(db)) == 40
    assert len(outbox(db, "CONTRL")) == 1, "one CONTRL per interchange, not one per attempt"


def test_a_budget_is_the_minimum_or_the_size_in_mb_times_the_rate():
    assert Budget.start(1_000, 60.0, 5.0).seconds == 60.0
    assert Budget.start(50 * 1024 * 1024, 60.0, 5.0).seconds == 250.0
