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
