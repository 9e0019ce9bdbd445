"""The prepare stage in a second process: same results as in one process, failures contained.

``parallel_from_bytes=1`` forces every document through ``processing.pipeline``; the
comparison runs the same documents through both paths into two fresh databases.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import re
import time

import pytest

from ordergate.masterdata.seed import seed_masterdata
from ordergate.processing.ingest import ingest_documents
from ordergate.processing.x12 import intake as x12_intake
from ordergate.processing.x12 import prepare as x12_prepare
from ordergate.settings import Settings
from ordergate.store import tables as t
from ordergate.store.db import make_engine, upgrade
from tests.kit.resume import (
    FIVE_ORDERS,
    assert_stored_once_with_one_855,
    crash_on_call,
    five_orders,
)
from tests.kit.x12 import GLOBEX, interchange, order_file, po_850, rows, sku, unknown

from .conftest import MASTERDATA, as_raw

MIXED = [
    interchange(po_850("A-1"), po_850("A-2", unknown()), po_850("A-3", sku("HW-1001", qty="TEN")),
                po_850("A-1"), po_850("A-4"), po_850("A-5"), control=11),
    order_file("G-1", sku("OF-3001"), control=12, sender=GLOBEX),
    order_file("X-1", control=13, receiver=("ZZ", "SOMEONEELSE")),
    order_file("U-1", control=14, sender=("ZZ", "NOBODY")),
    b"ISA*00*not really an interchange~",
]


def run(tmp_path, name: str, documents: list[bytes], parallel: bool) -> tuple[dict, list, list]:
    home = tmp_path / name
    settings = Settings(home=home, database_url=None, x12_id="ZZ:ORDERGATE", store_batch_size=2,
                        parallel_from_bytes=1 if parallel else 0)
    engine = make_engine(f"sqlite:///{tmp_path / (name + '.db')}")
    upgrade(engine)
    seed_masterdata(engine, MASTERDATA)
    raws = [as_raw(d, f"doc{n}.edi") for n, d in enumerate(documents, start=1)]
    report = json.loads(ingest_documents(engine, settings, raws, actor="test").to_json()
                        .replace(str(home), "HOME"))
    orders = [(o.id, o.po_number, o.status, o.hold_reasons, o.total) for o in rows(engine, t.orders)]
    outbox = [(m.kind, m.filename, _untimed(m.payload)) for m in rows(engine, t.outbox)]
    engine.dispose()
    return report, orders, outbox


def _untimed(payload: bytes) -> bytes:
    """The message without the ISA/GS date and time (two runs may straddle a minute)."""
    return re.sub(rb"^(ISA(?:\*[^*]*){8})\*\d{6}\*\d{4}|^(GS(?:\*[^*]*){3})\*\d{8}\*\d{4}",
                  lambda m: (m.group(1) or m.group(2)) + b"*TIME", payload, flags=re.M)


def test_the_second_process_gives_the_same_report_orders_and_outbox(tmp_path):
    inline = run(tmp_path, "inline", MIXED, parallel=False)
    parallel = run(tmp_path, "parallel", MIXED, parallel=True)
    assert parallel == inline
    report = inline[0]
    statuses = [[o["status"] for o in d["orders"]] for d in report["documents"]]
    # A rejected set is reported when read, orders when their batch (of two) is stored.
    assert statuses[0] == ["accepted", "held", "rejected", "duplicate", "accepted", "accepted"]
    assert [d["status"] for d in report["documents"]] == ["processed", "processed", "failed",
                                                          "failed", "failed"]
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("behind", [True, False])
def test_855s_are_the_same_whichever_process_writes_their_lines(tmp_path, monkeypatch, behind):
    inline = run(tmp_path, "inline", MIXED, parallel=False)
    monkeypatch.setattr(parallel.Pace, "store_is_behind", lambda self: behind)
    paced = run(tmp_path, "paced", MIXED, parallel=True)
    assert paced == inline
    assert any(kind == "855" and b"PO1*" in payload for kind, _, payload in paced[2])


def what_the_prepare_process_sees(question) -> tuple[tuple, list[tuple]]:
    """Items ``(n, question(pace))`` for n < 2,000 through a second process, with a store
    that takes the first item and then is busy for half a second: (first item, the rest)."""
    pace = parallel.Pace(backlog=150)

    def produce():
        for n in range(2_000):
            yield n, question(pace)

    items = parallel.prepared_items(produce, in_child=True, pace=pace)
    first = next(items)
    time.sleep(0.5)  # the store is busy: the prepare process runs on, far ahead
    rest = list(items)
    assert [n for n, _ in rest] == list(range(1, 2_000))
    return first, rest


def test_the_prepare_process_works_ahead_only_while_the_store_is_behind():
    first, rest = what_the_prepare_process_sees(parallel.Pace.store_is_behind)
    assert first == (0, False)  # nothing was waiting yet
    assert any(behind for _, behind in rest)


def test_work_is_handed_to_the_store_only_while_it_has_at_most_a_chunk_left():
    first, rest = what_the_prepare_process_sees(parallel.Pace.store_will_wait)
    # While the first two chunks were made, the store had at most one chunk to deal with (it
    # holds item 0 while it sleeps); from the third on, two chunks are waiting for it.
    chunk = parallel.CHUNK
    assert first == (0, True) and all(will_wait for n, will_wait in rest if n < 2 * chunk)
    assert rest[2 * chunk - 1] == (2 * chunk, False)
    assert parallel.store_will_wait(None) is False  # in one process there is nobody to hand to


def test_a_document_the_second_process_cannot_read_fails_with_the_same_reason(tmp_path):
    bad = [b"ISA*00*not really an interchange~"]
    inline = run(tmp_path, "inline", bad, parallel=False)[0]["documents"][0]
    parallel = run(tmp_path, "parallel", bad, parallel=True)[0]["documents"][0]
    assert parallel["status"] == inline["status"] == "failed"
    assert parallel["error"] == inline["error"] and "ISA" in inline["error"]


def test_a_bug_in_the_second_process_fails_that_document_only(db, ingest, settings, monkeypatch, caplog):
    settings.parallel_from_bytes = 1
    real_check = x12_prepare.check_order

    def check_order(order, catalog):
        if order.po_number == "BOOM":
            raise ZeroDivisionError("boom in the checks")
        return real_check(order, catalog)

    monkeypatch.setattr(x12_prepare, "check_order", check_order)  # the fork inherits it
    with caplog.at_level(logging.ERROR):
        first, second = ingest(order_file("BOOM", control=21), order_file("FINE", control=22)).documents
    assert first.status == "failed"
    assert "internal error" in first.error and "ZeroDivisionError: boom in the checks" in first.error
    assert "Traceback" in caplog.text and "boom in the checks" in caplog.text  # the child's traceback
    assert second.status == "processed" and [o.status for o in second.orders] == ["accepted"]
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_store_crash_stops_the_second_process_and_a_rerun_stores_every_order_once(
        db, ingest, settings, monkeypatch):
    settings.store_batch_size = 2  # batches: PO-1 PO-2 | PO-3 PO-4 | PO-5
    settings.parallel_from_bytes = 1
    crash_on_call(monkeypatch, x12_intake, "queue_855s", 3, RuntimeError("disk full"))
    [failed] = ingest(five_orders()).documents
    assert failed.status == "failed" and "disk full" in failed.error
    assert multiprocessing.active_children() == []  # the prepare process did not outlive it
    assert_stored_once_with_one_855(db, FIVE_ORDERS[:4])

    monkeypatch.undo()
    [rerun] = ingest(five_orders()).documents
    assert rerun.status == "processed"
    assert_stored_once_with_one_855(db, FIVE_ORDERS)


# ---------------------------------------------------------------- the process lifecycle itself
from ordergate.errors import DocumentError  # noqa: E402
from ordergate.processing import pipeline as parallel  # noqa: E402


def _numbers(count: int, fail_at: int | None = None):
    def produce():
        for n in range(count):
            if n == fail_at:
                raise DocumentError(f"item {n} is bad")
            yield n
    return produce


def test_a_consumer_that_stops_early_does_not_hang_on_a_child_far_ahead(tmp_path):
    # 30,000 items are 300 chunks: more than the queue holds, so the drain thread is blocked on
    # a full queue when the consumer gives up. Before the stop event this join hung forever.
    items = parallel.prepared_items(_numbers(30_000), in_child=True)
    taken = []
    with pytest.raises(RuntimeError, match="store failed"):
        for item in items:
            taken.append(item)
            if len(taken) == 150:
                raise RuntimeError("store failed")
    items.close()
    assert taken == list(range(150))
    assert multiprocessing.active_children() == []
    assert not [t for t in __import__("threading").enumerate() if t.name == "ordergate-prepare-drain"]


def test_items_prepared_before_a_child_error_arrive_before_the_error():
    received = []
    with pytest.raises(DocumentError, match="item 150 is bad"):
        for item in parallel.prepared_items(_numbers(1_000, fail_at=150), in_child=True):
            received.append(item)
    assert received == list(range(150))  # the partial chunk (100..149) was not dropped
    assert multiprocessing.active_children() == []


def test_the_child_ignores_ctrl_c_and_resets_sigterm():
    import signal

    def produce():
        yield (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))

    original = signal.signal(signal.SIGTERM, lambda *_: None)  # a server's graceful handler
    try:
        [(sigint, sigterm)] = list(parallel.prepared_items(produce, in_child=True))
    finally:
        signal.signal(signal.SIGTERM, original)
    assert sigint == signal.SIG_IGN and sigterm == signal.SIG_DFL
