"""The prepare process's queue is bounded by the bytes waiting, not by how many chunks."""

from __future__ import annotations

import queue
import threading

import pytest

from ordergate.processing.pipeline import ByteQueue


def test_put_waits_once_the_bytes_reach_the_limit_and_one_large_item_always_fits():
    q = ByteQueue(limit=100)
    q.put(b"x" * 60)
    q.put(b"y" * 30)  # 90 < 100: still room
    q.put(b"z" * 500)  # the limit is not reached yet when it comes: it goes in
    with pytest.raises(queue.Full):
        q.put(b"w", timeout=0.05)  # 590 bytes waiting
    assert q.get() == b"x" * 60 and q.get() == b"y" * 30
    with pytest.raises(queue.Full):
        q.put(b"w", timeout=0.05)  # the 500 bytes alone are over the limit
    assert q.get() == b"z" * 500
    q.put(b"w" * 1000, timeout=0.05)  # empty: anything fits
    assert q.get() == b"w" * 1000


def test_a_waiting_put_goes_in_when_the_consumer_takes_and_none_marks_the_end():
    q = ByteQueue(limit=10)
    q.put(b"a" * 10)
    done = threading.Event()

    def producer():
        q.put(b"b" * 10)
        q.put(None)
        done.set()

    thread = threading.Thread(target=producer)
    thread.start()
    assert not done.wait(0.1)  # blocked behind the full queue
    assert q.get(timeout=1) == b"a" * 10
    assert q.get(timeout=1) == b"b" * 10
    assert q.get(timeout=1) is None
    thread.join(1)
    assert done.is_set()
    with pytest.raises(queue.Empty):
        q.get(timeout=0.01)
