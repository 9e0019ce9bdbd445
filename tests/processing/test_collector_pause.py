"""The cyclic collector is off while documents are processed, and comes back as it was."""

from __future__ import annotations

import gc
import threading

from ordergate.processing.pipeline import collector_paused


def test_off_inside_back_on_after_even_when_nested_or_in_two_threads():
    assert gc.isenabled()
    inside = threading.Event()
    leave = threading.Event()

    def other_document():
        with collector_paused():
            inside.set()
            leave.wait(5)

    worker = threading.Thread(target=other_document)
    worker.start()
    inside.wait(5)
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's document is still being processed
    leave.set()
    worker.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_store_gives_freed_memory_back_every_tenth_batch(db, ingest, settings, monkeypatch):
    """A document of 25 batches of one order: twice (after the 10th and the 20th)."""
    from ordergate.processing import context
    from ordergate.store import tables as t
    from tests.kit.stock import line
    from tests.kit.x12 import interchange, po_850, rows

    given: list[int] = []
    monkeypatch.setattr(context, "give_back_freed_memory", lambda: given.append(1))
    settings.store_batch_size = 1
    [document] = ingest(interchange(*(po_850(f"TRIM-{n}", line("HW-1001", 1))
                                      for n in range(25)))).documents
    assert document.status == "processed" and len(rows(db, t.orders)) == 25
    assert len(given) == 2


def test_on_glibc_the_allocator_is_asked_to_give_memory_back():
    import platform

    import pytest

    from ordergate.processing import pipeline

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's: elsewhere nothing is asked")
    assert pipeline.malloc_trim() is not None
    pipeline.give_back_freed_memory()  # and it can be called at any time
