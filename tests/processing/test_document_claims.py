"""One worker at a time processes a document (store/claims.py), on SQLite and PostgreSQL.

Two workers that receive the same bytes at once both store them (one document); only the one
holding the claim processes it. The other reports ``in_progress`` and leaves the file or mail
where it is. A claim whose lease ran out, or whose holder on this host has died, is taken
over; a worker whose claim was taken over commits nothing more.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from ordergate.clock import utcnow
from ordergate.documents import RawDocument
from ordergate.errors import DocumentError
from ordergate.masterdata.catalog import Catalog
from ordergate.processing.context import DocumentContext
from ordergate.processing.dropfolder_run import ingest_drop_file
from ordergate.processing.ingest import ingest_documents
from ordergate.processing.registry import FORMATS
from ordergate.processing.report import DocumentReport
from ordergate.sources.dropfolder import scan_inbox
from ordergate.store import claims as claims_module
from ordergate.store import tables as t
from ordergate.store.claims import (
    ClaimRefused,
    DocumentClaim,
    FinishedMeanwhile,
    claim_document,
    keep_claim,
    release_claim,
)
from tests.kit.x12 import order_file, outbox, rows, sku

LEASE = 900


def stored_document(db, content: bytes = b"ISA*...") -> int:
    from ordergate.orders.store import store_document

    return store_document(db, RawDocument(content=content, channel="test", source_ref="x.edi")).id


def claim(db, document_id: int, lease: float = LEASE):
    with db.begin() as conn:
        return claim_document(conn, document_id, now=utcnow(), lease_seconds=lease)


def claim_rows(db) -> list:
    return rows(db, t.document_claims)


def expired_claim(db) -> tuple[int, DocumentClaim]:
    document_id = stored_document(db)
    held = claim(db, document_id)
    with db.begin() as conn:  # the holder stalled past its lease...
        conn.execute(update(t.document_claims).values(expires_at=utcnow() - timedelta(seconds=1)))
    held.renewed_at -= timedelta(seconds=LEASE)  # ...and renews in its next transaction
    return document_id, held


def dead_pid() -> int:
    """The id of a process of this host that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ------------------------------------------------------------------------------ the claim
def test_a_claimed_document_is_refused_to_a_second_worker_until_given_back(db):
    document_id = stored_document(db)
    first = claim(db, document_id)
    assert isinstance(first, DocumentClaim)

    second = claim(db, document_id)
    assert isinstance(second, ClaimRefused)
    assert second.holder == first.holder
    reason = second.reason()
    assert f"document {document_id} is being processed by another worker ({first.holder}" in reason
    assert "can be processed again after" in reason

    with db.begin() as conn:
        assert release_claim(conn, first)
    assert claim_rows(db) == []
    assert isinstance(claim(db, document_id), DocumentClaim)


def test_a_claim_whose_lease_ran_out_is_taken_over_and_the_old_holder_commits_nothing(db):
    document_id, old = expired_claim(db)

    new = claim(db, document_id)
    assert isinstance(new, DocumentClaim) and new.holder != old.holder
    [row] = claim_rows(db)
    assert row.holder == new.holder

    with db.begin() as conn:  # the old worker would renew now, and finds the claim lost
        assert not keep_claim(conn, old)
        assert not release_claim(conn, old)
    [row] = claim_rows(db)
    assert row.holder == new.holder


def test_a_claim_of_a_process_of_this_host_that_died_is_taken_over_at_once(db):
    document_id = stored_document(db)
    held = claim(db, document_id)
    gone = held.holder.rsplit(":", 2)
    gone[1] = str(dead_pid())
    with db.begin() as conn:
        conn.execute(update(t.document_claims).values(holder=":".join(gone)))

    taken = claim(db, document_id)
    assert isinstance(taken, DocumentClaim)
    [row] = claim_rows(db)
    assert row.holder == taken.holder


def test_a_live_holder_of_another_host_is_waited_for(db):
    document_id = stored_document(db)
    claim(db, document_id)
    with db.begin() as conn:
        conn.execute(update(t.document_claims).values(holder=f"elsewhere:{dead_pid()}:abcd1234"))
    assert isinstance(claim(db, document_id), ClaimRefused)


def test_a_document_finished_meanwhile_is_not_claimed(db):
    document_id = stored_document(db)
    with db.begin() as conn:
        conn.execute(update(t.documents).values(status="processed"))
    assert claim(db, document_id) == FinishedMeanwhile("processed")
    assert claim_rows(db) == []


def test_the_lease_is_extended_once_half_of_it_has_passed(db):
    document_id = stored_document(db)
    held = claim(db, document_id, lease=600)
    [before] = claim_rows(db)
    with db.begin() as conn:
        assert keep_claim(conn, held)  # early on: nothing to do
    assert claim_rows(db)[0].expires_at == before.expires_at

    held.renewed_at -= timedelta(seconds=400)
    with db.begin() as conn:
        assert keep_claim(conn, held)
    [after] = claim_rows(db)
    assert after.expires_at > before.expires_at
    assert held.renewed_at > utcnow() - timedelta(seconds=60)


def test_a_transaction_of_a_worker_that_lost_its_document_rolls_back(db, settings):
    document_id = stored_document(db)
    held = claim(db, document_id)
    with db.begin() as conn:
        conn.execute(update(t.document_claims).values(holder="elsewhere:1:ffffffff"))
    held.renewed_at -= timedelta(seconds=LEASE)
    with db.connect() as conn:
        catalog = Catalog.load(conn, price_tolerance_percent=2)
    ctx = DocumentContext(engine=db, settings=settings, catalog=catalog, document_id=document_id,
                          channel="test", now=utcnow(), actor="test",
                          report=DocumentReport(path="x", document_id=document_id, format=None,
                                                status="received"), formats=FORMATS, claim=held)
    with pytest.raises(DocumentError, match="taken over by another worker"):
        with ctx.transaction() as conn:
            conn.execute(update(t.documents).values(error="written by the stale worker"))
    [document] = rows(db, t.documents)
    assert document.error is None


# ------------------------------------------------------------------------------ ingesting
def test_a_document_another_worker_holds_is_left_to_it(db, settings):
    content = order_file("4711")
    document_id = stored_document(db, content)
    other = claim(db, document_id)

    [report] = ingest_documents(db, settings, [RawDocument(content=content, channel="test",
                                                           source_ref="a.edi")], actor="test").documents
    assert (report.status, report.document_id) == ("in_progress", document_id)
    assert other.holder in report.error
    assert rows(db, t.orders) == [] and outbox(db) == []
    [document] = rows(db, t.documents)
    assert document.status == "received"

    with db.begin() as conn:
        release_claim(conn, other)  # the other worker stopped without finishing
    [report] = ingest_documents(db, settings, [RawDocument(content=content, channel="test",
                                                           source_ref="a.edi")], actor="test").documents
    assert report.status == "processed"
    assert [o.po_number for o in rows(db, t.orders)] == ["4711"]
    assert claim_rows(db) == []


def test_a_drop_file_another_worker_holds_stays_in_the_inbox(db, settings):
    content = order_file("4711")
    inbox = settings.inbox
    inbox.mkdir(parents=True)
    (inbox / "po.edi").write_bytes(content)
    claim(db, stored_document(db, content))

    [drop] = scan_inbox(inbox)
    report = ingest_drop_file(db, settings, drop, actor="test")
    assert report.status == "in_progress"
    assert (inbox / "po.edi").read_bytes() == content
    assert not settings.archive.exists() or not any(settings.archive.rglob("*po.edi"))
    assert not settings.failed.exists() or not any(settings.failed.rglob("*po.edi"))


def test_a_worker_whose_document_was_taken_over_records_nothing(db, settings, monkeypatch):
    content = order_file("4711")
    real = FORMATS["x12"].process

    def taken_over_meanwhile(ctx, data):
        result = real(ctx, data)
        with db.begin() as conn:  # another worker took the claim while this one worked
            conn.execute(update(t.document_claims).values(holder="elsewhere:1:ffffffff"))
        return result

    monkeypatch.setitem(FORMATS.handlers, "x12", replace(FORMATS["x12"], process=taken_over_meanwhile))
    [report] = ingest_documents(db, settings, [RawDocument(content=content, channel="test",
                                                           source_ref="a.edi")], actor="test").documents
    assert report.status == "in_progress"
    assert "taken over by another worker" in report.error
    [document] = rows(db, t.documents)
    assert document.status == "received"  # the new holder records the outcome
    [row] = claim_rows(db)
    assert row.holder == "elsewhere:1:ffffffff"


def test_a_worker_stopped_half_way_gives_the_document_back(db, settings, monkeypatch):
    class Stop(BaseException):
        """Ctrl-C or a shutdown, not an error of the document."""

    def stopped(ctx, data):
        raise Stop()

    monkeypatch.setitem(FORMATS.handlers, "x12", replace(FORMATS["x12"], process=stopped))
    raw = RawDocument(content=order_file("4711"), channel="test", source_ref="a.edi")
    with pytest.raises(Stop):
        ingest_documents(db, settings, [raw], actor="test")
    assert claim_rows(db) == []
    monkeypatch.undo()
    assert ingest_documents(db, settings, [raw], actor="test").documents[0].status == "processed"


def test_two_workers_with_the_same_document_at_once_process_it_once(db, settings):
    """Threads standing in for two pollers: whichever claims first processes, the other is told
    (in progress, or a duplicate once the first has finished); nothing fails, nothing doubles."""
    pos = [f"PO{n}" for n in range(120)]
    content = order_file(pos[0], sku("HW-1001"))
    for n, po in enumerate(pos[1:], start=2):  # one interchange per order, in one file
        content += order_file(po, sku("HW-1001"), control=n)
    start = threading.Barrier(2)
    reports: dict[str, DocumentReport] = {}

    def worker(name: str) -> None:
        raw = RawDocument(content=content, channel="test", source_ref=f"{name}.edi")
        start.wait()
        reports[name] = ingest_documents(db, settings, [raw], actor=name).documents[0]

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(r.status for r in reports.values())
    assert statuses in (["in_progress", "processed"], ["duplicate", "processed"]), reports
    assert sorted(o.po_number for o in rows(db, t.orders)) == sorted(pos)
    assert len(rows(db, t.order_lines)) == len(pos)
    assert len(outbox(db, "855")) >= 1
    acknowledged = [a.order_id for a in rows(db, t.order_acknowledgements)]
    assert len(acknowledged) == len(set(acknowledged)) == len(pos)
    assert claim_rows(db) == []
    [document] = rows(db, t.documents)
    assert document.status == "processed"


def test_a_drop_file_another_worker_took_after_it_was_listed_is_left_to_that_worker(db, settings):
    inbox = settings.inbox
    inbox.mkdir(parents=True)
    (inbox / "po.edi").write_bytes(order_file("4711"))
    [drop] = scan_inbox(inbox)
    (inbox / "po.edi").rename(settings.home / "taken.edi")  # the other worker has it now

    report = ingest_drop_file(db, settings, drop, actor="test")
    assert (report.status, report.document_id) == ("in_progress", None)
    assert "another worker" in report.error
    assert rows(db, t.documents) == [] and rows(db, t.orders) == []
    assert (settings.home / "taken.edi").exists()


def test_two_workers_sharing_an_inbox_take_every_file_once(db, settings):
    """Two pollers listing the same inbox at once, as two process workers do: each file is
    processed by one of them and moved once; the other leaves it, or finds it gone."""
    inbox = settings.inbox
    inbox.mkdir(parents=True)
    pos: list[str] = []
    for n in range(8):
        batch = [f"W{n}-{k}" for k in range(15)]
        content = b"".join(order_file(po, sku("HW-1001"), control=n * 100 + k + 1)
                           for k, po in enumerate(batch))
        (inbox / f"file{n}.edi").write_bytes(content)
        pos += batch
    listed = scan_inbox(inbox)
    start = threading.Barrier(2)
    reports: dict[str, list[DocumentReport]] = {"a": [], "b": []}

    def worker(name: str) -> None:
        start.wait()
        for drop in listed:
            reports[name].append(ingest_drop_file(db, settings, drop, actor=name))

    threads = [threading.Thread(target=worker, args=(name,)) for name in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    processed = [r.path for name in reports for r in reports[name] if r.status == "processed"]
    assert sorted(processed) == sorted(str(drop.path) for drop in listed)
    others = {r.status for name in reports for r in reports[name] if r.status != "processed"}
    assert others <= {"in_progress", "duplicate"}
    assert sorted(o.po_number for o in rows(db, t.orders)) == sorted(pos)
    acknowledged = [a.order_id for a in rows(db, t.order_acknowledgements)]
    assert len(acknowledged) == len(set(acknowledged)) == len(pos)
    assert len(outbox(db, "997")) == len(pos)  # one interchange per order
    assert list(inbox.iterdir()) == []
    archived = sorted(p.name.split("_", 1)[1] for p in settings.archive.rglob("*.edi"))
    assert archived == sorted(drop.path.name for drop in listed)
    assert claim_rows(db) == []


def test_the_claim_table_names_the_host(db):
    held = claim(db, stored_document(db))
    host, pid, nonce = held.holder.rsplit(":", 2)
    assert host == claims_module._HOST and int(pid) > 0 and len(nonce) == 8


def test_a_mail_another_poller_holds_stays_in_the_mailbox(db, settings, tmp_path):
    import mailbox

    from ordergate.processing.mail_run import poll_mailbox
    from ordergate.sources.maildir import MaildirSource
    from tests.kit.mailserver import make_message

    raw = make_message("PO 4711")
    mailbox.Maildir(tmp_path / "mail", factory=None, create=True).add(raw)
    other = claim(db, stored_document(db, raw))

    with MaildirSource(tmp_path / "mail") as source:
        [report] = poll_mailbox(db, settings, source, actor="test").documents
    assert report.status == "in_progress"
    with MaildirSource(tmp_path / "mail") as source:
        assert [m.raw for m in source.fetch(10)] == [raw]  # still there for the other poller

    with db.begin() as conn:
        release_claim(conn, other)
    with MaildirSource(tmp_path / "mail") as source:
        [report] = poll_mailbox(db, settings, source, actor="test").documents
    assert report.status != "in_progress"
    with MaildirSource(tmp_path / "mail") as source:
        assert source.fetch(10) == []


# ------------------------------------------------------------------------------ interleavings
# On PostgreSQL two workers' statements interleave (on SQLite the claiming transaction holds
# the write lock throughout). Worker B is paused after reading an expired claim and before
# taking it over, while the holder renews or finishes.
@pytest.fixture
def take_over_while(pg_engine):
    """``take_over_while(document_id, action)``: a second worker tries to take the document's
    expired claim, and ``action`` (the holder's transaction) runs between its read of the
    claim and its update; returns what the second worker's claim_document gave."""
    from sqlalchemy import event

    reached, resume = threading.Event(), threading.Event()

    def pause(conn, cursor, statement, *args):
        if threading.current_thread().name == "taker" and statement.startswith("UPDATE document_claims"):
            reached.set()
            resume.wait(timeout=30)

    event.listen(pg_engine, "before_cursor_execute", pause)

    def run(document_id: int, action):
        outcome = {}

        def take() -> None:
            with pg_engine.begin() as conn:
                outcome["claim"] = claim_document(conn, document_id, now=utcnow(), lease_seconds=LEASE)

        taker = threading.Thread(target=take, name="taker")
        taker.start()
        assert reached.wait(timeout=30), "the taker never tried to take the claim over"
        with pg_engine.begin() as conn:
            action(conn)
        resume.set()
        taker.join(timeout=30)
        return outcome["claim"]

    yield run
    resume.set()
    event.remove(pg_engine, "before_cursor_execute", pause)


@pytest.mark.postgresql
def test_a_holder_that_renews_while_another_worker_takes_over_keeps_the_document(
        pg_engine, take_over_while):
    document_id, held = expired_claim(pg_engine)

    def renew(conn) -> None:
        assert keep_claim(conn, held)

    taken = take_over_while(document_id, renew)

    assert isinstance(taken, ClaimRefused)
    assert taken.holder == held.holder
    [row] = claim_rows(pg_engine)
    assert row.holder == held.holder


@pytest.mark.postgresql
def test_a_holder_that_finishes_while_another_worker_takes_over_is_not_redone(
        pg_engine, take_over_while):
    from ordergate.orders.store import finish_document

    document_id, held = expired_claim(pg_engine)

    def finish(conn) -> None:
        assert release_claim(conn, held)
        finish_document(conn, document_id, "processed", fmt="x12", error=None)

    assert take_over_while(document_id, finish) == FinishedMeanwhile("processed")
    assert claim_rows(pg_engine) == []


@pytest.mark.postgresql
def test_a_refusal_names_the_times_in_utc_whatever_the_session_time_zone(pg_url):
    from ordergate.store.db import make_engine

    engine = make_engine(pg_url, connect_args={"options": "-c timezone=America/New_York"})
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE document_claims, documents RESTART IDENTITY CASCADE")
        document_id = stored_document(engine)
        before = utcnow()
        claim(engine, document_id)
        refused = claim(engine, document_id)
    finally:
        engine.dispose()
    assert isinstance(refused, ClaimRefused)
    assert refused.claimed_at.utcoffset() == timedelta(0)
    assert abs(refused.claimed_at - before) < timedelta(seconds=60)
    assert f"since {refused.claimed_at:%Y-%m-%d %H:%M}" in refused.reason()
    assert f"{before:%H:%M}" in refused.reason() or f"{utcnow():%H:%M}" in refused.reason()


def test_the_lease_is_renewed_while_the_document_is_worked_on_with_nothing_stored(db):
    """A long read or prepare before the first batch: the heartbeat renews the claim, so
    another worker is refused all along; once the block ends it stops renewing."""
    from ordergate.store.claims import claim_kept_alive

    document_id = stored_document(db)
    held = claim(db, document_id, lease=0.4)
    assert isinstance(held, DocumentClaim)
    first = claim_rows(db)[0].expires_at
    with claim_kept_alive(db, held, every=0.05):
        threading.Event().wait(1.0)  # 2.5 leases with nothing stored
        assert isinstance(claim(db, document_id), ClaimRefused)
        renewed = claim_rows(db)[0].expires_at
    assert renewed > first
    threading.Event().wait(0.6)  # no heartbeat any more: the lease runs out
    assert isinstance(claim(db, document_id), DocumentClaim)
