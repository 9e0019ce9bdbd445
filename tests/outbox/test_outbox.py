"""The outbox: dedupe on queue, atomic file delivery, crash-safe marking, safe paths."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from ordergate.outbox import queue as outbox_module
from ordergate.outbox import temp as outbox_temp
from ordergate.outbox.queue import (
    OutboundMessage,
    deliver_pending,
    list_outbox,
    queue_messages,
    safe_name,
)
from ordergate.store import tables as t

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


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

    # It waits out its backoff: the next run leaves it alone, naming it explicitly tries it
    assert deliver_pending(engine, outbox_dir) == []
    assert [d.attempts for d in deliver_pending(engine, outbox_dir, ids=[failed.id])] == [2]

    (outbox_dir / "BLOCKED").unlink()
    assert [d.status for d in deliver_pending(engine, outbox_dir, ids=[failed.id])] == ["sent"]
    assert (outbox_dir / "BLOCKED" / "997_000000002.x12").read_bytes() == b"ISA*2~"
    assert (_rows(engine)[1].last_error, _rows(engine)[1].next_attempt_at) == (None, None)


def test_a_failing_message_waits_longer_each_time_then_fails_for_good(engine, outbox_dir):
    from datetime import timedelta

    from ordergate.outbox.queue import Backoff

    outbox_dir.mkdir()
    (outbox_dir / "BLOCKED").write_text("a file where a folder should be")
    _queue(engine, _message(2, destination="BLOCKED"))
    backoff = Backoff(first=30, cap=100, max_attempts=4)
    assert [backoff.wait(n) for n in (1, 2, 3, 4)] == [timedelta(seconds=s)
                                                        for s in (30, 60, 100, 100)]
    [row] = _rows(engine)
    waits = []
    for attempt in (1, 2, 3):
        before = datetime.now(timezone.utc)
        [tried] = deliver_pending(engine, outbox_dir, ids=[row.id], backoff=backoff)
        assert (tried.status, tried.attempts, tried.final) == ("failed", attempt, False)
        assert "BLOCKED" in tried.error and tried.destination == "BLOCKED"
        waits.append(round((tried.retry_at - before).total_seconds() / 10) * 10)
    assert waits == [30, 60, 100]
    [last] = deliver_pending(engine, outbox_dir, ids=[row.id], backoff=backoff)
    assert (last.attempts, last.final, last.retry_at) == (4, True, None)
    [stored] = _rows(engine)
    assert (stored.status, stored.attempts) == ("failed", 4)
    assert deliver_pending(engine, outbox_dir, ids=[row.id], backoff=backoff) == []


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


# ------------------------------------------------------------ temporary files left behind
_KILLED_WRITER = """
import os, sys
from pathlib import Path
from ordergate.outbox import queue as outbox
outbox.os.replace = lambda *args: os._exit(9)  # killed after writing, before the rename
outbox.write_atomically(Path(sys.argv[1]), b"half-done")
"""


def _aged(path: Path, seconds: float) -> Path:
    path.write_bytes(b"partial")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_a_delivery_removes_temporary_files_left_behind_and_not_those_being_written(
        engine, outbox_dir):
    folder = outbox_dir / "ACME"
    folder.mkdir(parents=True)
    # a writer on this host killed between writing and renaming: its file is fresh, its pid gone
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(folder / "855_1.x12")],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert killed.returncode == 9
    [left_by_killed] = folder.glob(".855_1.x12~*.tmp")
    assert f"~{outbox_temp.new_holder().rsplit(':', 2)[0]}:" in left_by_killed.name
    # files of older code and of other hosts' writers go by age
    old_style_stale = _aged(folder / ".855_000000002.x12.k3j_9x2a.tmp", 20 * 60)
    old_style_fresh = _aged(folder / ".855_000000003.x12.p0q1w2e3.tmp", 30)
    other_host_stale = _aged(folder / ".997_4.x12~elsewhere~4026531836:77:ab12cd34.tmp", 11 * 60)
    other_host_fresh = _aged(folder / ".997_5.x12~elsewhere~4026531836:77:zz12cd34.tmp", 60)
    # a live writer on this host, in the middle of its write
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = outbox_temp.new_holder().rsplit(":", 2)[0]
        being_written = _aged(folder / f".997_6.x12~{host}:{live.pid}:abcd1234.tmp", 5)
        in_this_process = _aged(folder / f".997_7.x12~{host}:{os.getpid()}:abcd1234.tmp", 5)
        # not ours, however old
        theirs = [_aged(folder / name, 3600) for name in (".keep", "notes.tmp", ".x~y.tmp")]

        _queue(engine, _message(8, destination="ACME"))
        [delivery] = deliver_pending(engine, outbox_dir)
    finally:
        live.kill()
        live.wait()

    assert delivery.status == "sent" and delivery.path.read_bytes() == b"ISA*8~"
    assert not left_by_killed.exists() and not old_style_stale.exists()
    assert not other_host_stale.exists()
    kept = [old_style_fresh, other_host_fresh, being_written, in_this_process, *theirs]
    assert all(path.exists() for path in kept)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in kept] + ["997_000000008.x12"])
    assert [r.status for r in _rows(engine)] == ["sent"]


def test_a_write_leaves_no_temporary_file_and_names_its_writer_while_it_lasts(outbox_dir,
                                                                               monkeypatch):
    seen = []
    real_replace = os.replace

    def replace(source, target):
        seen.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(outbox_module.os, "replace", replace)
    long_name = "x" * 240 + ".csv"  # the temporary name stays within 255 bytes
    outbox_module.write_atomically(outbox_dir / "ACME" / long_name, b"data")
    [temp_name] = seen
    assert temp_name.startswith("." + "x" * 80 + "~") and temp_name.endswith(".tmp")
    assert len(temp_name.encode()) <= 255 and outbox_temp._OURS.fullmatch(temp_name)
    assert [p.name for p in (outbox_dir / "ACME").iterdir()] == [long_name]


def test_a_folder_that_does_not_exist_yet_has_nothing_to_remove(tmp_path):
    assert outbox_temp.remove_stale_temp_files(tmp_path / "missing") == []
