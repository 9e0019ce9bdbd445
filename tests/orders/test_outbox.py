"""The outbox: dedupe on queue, atomic file delivery, crash-safe marking, safe paths."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from ordergate.orders import outbox as outbox_module
from ordergate.orders import tables as t
from ordergate.orders.outbox import (
    OutboundMessage,
    deliver_pending,
    list_outbox,
    queue_messages,
    safe_name,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _message(n: int = 1, **changes) -> OutboundMessage:
    values = dict(dedupe_key=f"997:doc{n}", kind="997", partner_id="ZZ:ACMEBUY", customer_id="ACME",
                  destination="ACME", filename=f"997_{n:09d}.x12", payload=f"ISA*{n}~".encode())
    values.update(changes)
    return OutboundMessage(**values)


def _queue(engine, *messages: OutboundMessage) -> None:
    with engine.begin() as conn:
        queue_messages(conn, list(messages), NOW)


def _rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(t.outbox).order_by(t.outbox.c.id)).all()


@pytest.fixture
def outbox_dir(tmp_path: Path) -> Path:
    return tmp_path / "outbox"  # not tmp_path itself: the SQLite database lives there


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_queuing_the_same_message_twice_keeps_one_row(engine):
    _queue(engine, _message(1), _message(2))
    _queue(engine, _message(1, payload=b"different"), _message(3))
    rows = _rows(engine)
    assert [r.dedupe_key for r in rows] == ["997:doc1", "997:doc2", "997:doc3"]
    assert rows[0].payload == b"ISA*1~"  # the first one queued wins
    assert {r.status for r in rows} == {"pending"} and {r.attempts for r in rows} == {0}


def test_queuing_nothing_is_fine(engine):
    _queue(engine)
    assert _rows(engine) == []


def test_a_rolled_back_transaction_queues_nothing(engine):
    with engine.connect() as conn:
        with conn.begin() as trans:
            queue_messages(conn, [_message(1)], NOW)
            trans.rollback()
    assert _rows(engine) == []


def test_delivery_writes_each_message_once_and_marks_it_sent(engine, outbox_dir):
    _queue(engine, _message(1), _message(2, destination="GLOBEX"))
    deliveries = deliver_pending(engine, outbox_dir)
    assert [(d.kind, d.status, d.path) for d in deliveries] == [
        ("997", "sent", outbox_dir / "ACME" / "997_000000001.x12"),
        ("997", "sent", outbox_dir / "GLOBEX" / "997_000000002.x12"),
    ]
    assert (outbox_dir / "ACME" / "997_000000001.x12").read_bytes() == b"ISA*1~"
    assert _files(outbox_dir) == ["ACME/997_000000001.x12", "GLOBEX/997_000000002.x12"]
    rows = _rows(engine)
    assert [(r.status, r.attempts, r.sent_at is not None) for r in rows] == [("sent", 1, True)] * 2
    assert deliver_pending(engine, outbox_dir) == []


def test_a_crash_before_marking_rewrites_the_same_file_on_the_next_run(engine, outbox_dir, monkeypatch):
    _queue(engine, _message(1))

    def crash(*_args):
        raise KeyboardInterrupt("power cut after the file was written")

    monkeypatch.setattr(outbox_module, "_mark_sent", crash)
    with pytest.raises(KeyboardInterrupt):
        deliver_pending(engine, outbox_dir)
    assert _files(outbox_dir) == ["ACME/997_000000001.x12"]
    assert _rows(engine)[0].status == "pending"

    monkeypatch.undo()
    deliveries = deliver_pending(engine, outbox_dir)
    assert [d.status for d in deliveries] == ["sent"]
    assert _files(outbox_dir) == ["ACME/997_000000001.x12"]  # same name, no second copy
    assert (outbox_dir / "ACME" / "997_000000001.x12").read_bytes() == b"ISA*1~"
    assert _rows(engine)[0].status == "sent"


def test_a_message_another_worker_already_marked_is_reported_as_skipped(engine, outbox_dir, monkeypatch):
    _queue(engine, _message(1))
    real_mark = outbox_module._mark_sent

    def other_worker_wins(eng, message_id, now):
        assert real_mark(eng, message_id, now)  # the other worker marks it first
        return real_mark(eng, message_id, now)

    monkeypatch.setattr(outbox_module, "_mark_sent", other_worker_wins)
    assert [d.status for d in deliver_pending(engine, outbox_dir)] == ["skipped"]
    assert _rows(engine)[0].attempts == 1


@pytest.mark.parametrize("destination, filename, expected", [
    ("../../etc", "passwd", "etc/passwd"),
    ("/abs/olute", "/tmp/x.x12", "abs_olute/tmp_x.x12"),
    ("ACME", "../../../escape.x12", "ACME/escape.x12"),
    ("C:\\Windows", "a\\b..c", "C__Windows/a_b.c"),
    (".hidden", "..x12", "hidden/x12"),
    ("ACME Corp", "855 PO#1.x12", "ACME_Corp/855_PO_1.x12"),
])
def test_names_are_sanitised_so_files_stay_inside_the_outbox(engine, outbox_dir, destination, filename,
                                                           expected):
    _queue(engine, _message(1, destination=destination, filename=filename))
    [delivery] = deliver_pending(engine, outbox_dir)
    assert delivery.status == "sent"
    assert delivery.path == outbox_dir / expected
    assert delivery.path.resolve().is_relative_to(outbox_dir.resolve())
    assert _files(outbox_dir) == [expected]
    assert _rows(engine)[0].filename == expected.split("/")[1]  # stored as it will be written


@pytest.mark.parametrize("name", ["", "..", "../..", "...", "/", " / . "])
def test_a_name_with_nothing_usable_left_is_refused(engine, name):
    with pytest.raises(ValueError, match="cannot be used"):
        safe_name(name)
    with pytest.raises(ValueError, match="cannot be used"):
        _queue(engine, _message(1, destination=name))


def test_names_tampered_with_in_the_database_are_sanitised_at_delivery(engine, outbox_dir):
    _queue(engine, _message(1), _message(2))
    with engine.begin() as conn:
        conn.execute(t.outbox.update().values(destination="../ACME", filename="/etc/cron.d/x"))
        conn.execute(t.outbox.update().where(t.outbox.c.dedupe_key == "997:doc2")
                     .values(destination="../.."))
    first, second = deliver_pending(engine, outbox_dir)
    assert (first.status, first.path) == ("sent", outbox_dir / "ACME" / "etc_cron.d_x")
    assert (second.status, second.path) == ("failed", None)
    assert "cannot be used" in _rows(engine)[1].last_error
    assert _files(outbox_dir) == ["ACME/etc_cron.d_x"]


def test_a_write_error_is_recorded_and_the_others_are_still_delivered(engine, outbox_dir):
    outbox_dir.mkdir()
    (outbox_dir / "BLOCKED").write_text("a file where a folder should be")
    _queue(engine, _message(1), _message(2, destination="BLOCKED"), _message(3))
    deliveries = deliver_pending(engine, outbox_dir)
    assert [d.status for d in deliveries] == ["sent", "failed", "sent"]
    failed = _rows(engine)[1]
    assert (failed.status, failed.attempts) == ("pending", 1)
    assert "BLOCKED" in failed.last_error
    assert not list(outbox_dir.glob("**/.*.tmp"))

    deliver_pending(engine, outbox_dir)
    assert _rows(engine)[1].attempts == 2

    (outbox_dir / "BLOCKED").unlink()
    assert [d.status for d in deliver_pending(engine, outbox_dir)] == ["sent"]
    assert (outbox_dir / "BLOCKED" / "997_000000002.x12").read_bytes() == b"ISA*2~"
    assert _rows(engine)[1].last_error is None


def test_delivery_can_be_limited_to_ids_and_a_count(engine, outbox_dir):
    _queue(engine, *(_message(n) for n in range(1, 6)))
    ids = [r.id for r in _rows(engine)]
    assert [d.id for d in deliver_pending(engine, outbox_dir, ids=[ids[3], ids[1]])] == [ids[1], ids[3]]
    assert [d.id for d in deliver_pending(engine, outbox_dir, limit=2)] == [ids[0], ids[2]]
    assert [d.id for d in deliver_pending(engine, outbox_dir, ids=[])] == []
    assert [d.id for d in deliver_pending(engine, outbox_dir)] == [ids[4]]


def test_delivery_pages_through_a_large_backlog(engine, outbox_dir, monkeypatch):
    monkeypatch.setattr(outbox_module, "_PAGE", 3)
    _queue(engine, *(_message(n) for n in range(1, 9)))
    assert len(deliver_pending(engine, outbox_dir, limit=7)) == 7
    assert len(deliver_pending(engine, outbox_dir)) == 1
    assert len(_files(outbox_dir)) == 8


def test_list_outbox_shows_newest_first_without_payloads(engine, outbox_dir):
    _queue(engine, _message(1), _message(2), _message(3))
    deliver_pending(engine, outbox_dir, limit=1)
    everything = list_outbox(engine)
    assert [(r.filename, r.status, r.size) for r in everything] == [
        ("997_000000003.x12", "pending", 6), ("997_000000002.x12", "pending", 6),
        ("997_000000001.x12", "sent", 6)]
    assert [r.filename for r in list_outbox(engine, status="pending", limit=1)] == ["997_000000003.x12"]
    assert [r.attempts for r in list_outbox(engine, status="sent")] == [1]
    assert not hasattr(everything[0], "payload")
