"""Partners' 997s and CONTRLs matched to what we sent: the outbox row's ack_status moves from
pending to accepted or rejected, with the detail ops act on."""

from __future__ import annotations

from tests.kit import edifact as edifactkit
from tests.kit.x12 import group, interchange, order_file, outbox, sku, transaction


def x12_997(group_control: str, *, accepted: bool, control: int) -> bytes:
    segments = [["AK1", "PR", group_control], ["AK2", "855", "0001"]]
    if not accepted:
        segments += [["AK3", "PO1", "4", "", "8"], ["AK4", "2", "330", "1"]]
    segments += [["AK5", "A" if accepted else "R", *([] if accepted else ["5"])],
                 ["AK9", "A" if accepted else "R", "1", "1", "1" if accepted else "0"]]
    return interchange(groups=[group(transaction(segments, 1, set_id="997"), control=control,
                                     functional_id="FA")], control=control)


def test_a_997_marks_our_855_accepted_or_rejected_with_the_detail(db, ingest):
    ingest(order_file("A-1", sku("HW-1001", "1")))
    [ack855] = outbox(db, "855")
    assert ack855.ack_status == "pending" and ack855.group_control.isdigit()
    assert [row.ack_status for row in outbox(db, "997")] == [None]  # acks are not acknowledged
    [received] = ingest(x12_997(ack855.group_control, accepted=True, control=50)).documents
    assert received.status == "processed", received.error
    [ack855] = outbox(db, "855")
    assert ack855.ack_status == "accepted" and ack855.acked_at is not None
    [rejected] = ingest(x12_997(ack855.group_control, accepted=False, control=51)).documents
    [ack855] = outbox(db, "855")
    assert ack855.ack_status == "rejected"
    assert "set 855 0001 rejected" in ack855.ack_detail and "segment PO1 at 4" in ack855.ack_detail


def test_a_997_for_nothing_we_sent_is_logged_and_the_document_processed(db, ingest, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="ordergate.processing.remittances"):
        [received] = ingest(x12_997("424242", accepted=True, control=52)).documents
    assert (received.status, received.problems) == ("processed", [])
    assert "a 997 for group 424242 of x12:ZZ:ACMEBUY answers nothing we sent" in caplog.text


def test_a_contrl_marks_our_ordrsp(db, ingest):
    ingest(edifactkit.order_file("PO-C1", edifactkit.sku("JS-2001", "12")))
    [ordrsp] = outbox(db, "ORDRSP")
    assert ordrsp.ack_status == "pending"
    contrl = edifactkit.Msg("1", [["UCI", ordrsp.interchange_control, list(edifactkit.US[:1]),
                                   list(edifactkit.INITECH), "4"],
                                  ["UCM", "1", ["ORDRSP", "D", "96A", "UN"], "4", "12"]],
                            identifier=("CONTRL", "D", "3", "UN"))
    [received] = ingest(edifactkit.interchange(contrl, reference="CT1")).documents
    assert received.status != "failed", received.error
    [ordrsp] = outbox(db, "ORDRSP")
    assert ordrsp.ack_status == "rejected" and "message 1 rejected (code 12)" in ordrsp.ack_detail


def test_outbox_list_shows_the_ack_status(db, ingest):
    from ordergate.outbox.queue import list_outbox

    ingest(order_file("A-2", sku("HW-1001", "1")))
    rows = {row.kind: row for row in list_outbox(db)}
    assert (rows["855"].ack_status, rows["997"].ack_status) == ("pending", None)


def test_rejections_and_overdue_acknowledgements_are_told_once(db, ingest):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from ordergate.outbox.acks import ack_news
    from ordergate.store import tables as t

    ingest(order_file("A-3", sku("HW-1001", "1"), control=1))
    ingest(order_file("A-4", sku("HW-1001", "1"), control=2))
    first, second = outbox(db, "855")
    now = datetime(2026, 12, 6, 12, tzinfo=timezone.utc)
    with db.begin() as conn:  # both went out two days ago; the partner rejected the first
        conn.execute(update(t.outbox).where(t.outbox.c.kind == "855")
                     .values(status="sent", sent_at=now - timedelta(days=2)))
    ingest(x12_997(first.group_control, accepted=False, control=60))
    with db.begin() as conn:
        news = ack_news(conn, due_hours=24, now=now)
    assert [(n.outbox_id, n.what) for n in news] == [(first.id, "rejected"), (second.id, "overdue")]
    with db.begin() as conn:
        assert ack_news(conn, due_hours=24, now=now) == []
