"""The PDF reader in a child process: a PDF that never finishes or eats memory is stopped
with a clear reason, a bug is reported as a bug, and a good PDF reads as in-process."""

from __future__ import annotations

import time

import pytest

from benchmarks.bench_pdf_extract import PoLine, PoSpec, build_po_pdf
from ordergate.parsers.guard import ParseBudget, run_guarded
from ordergate.parsers.pdf import guard as pdf_guard
from ordergate.parsers.pdf.extract import extract_pdf_order
from ordergate.parsers.pdf.text import PdfError
from tests.kit.processes import children

PDF = build_po_pdf(PoSpec(po_number="PO-G1", lines=[
    PoLine(vendor_part="HW-1001", description=("Hex bolt",), quantity="3")]))


def test_a_good_pdf_reads_the_same_as_in_process():
    before = children()
    guarded = pdf_guard.extract_pdf_order_guarded(PDF)
    direct = extract_pdf_order(PDF)
    assert guarded == direct and guarded.po_number == "PO-G1"
    assert children() <= before  # the guarded child is gone


def test_a_pdf_that_never_finishes_is_stopped_at_the_time_limit(monkeypatch):
    before = children()
    monkeypatch.setattr(pdf_guard, "extract_pdf_order", lambda *a, **k: time.sleep(60))
    started = time.monotonic()
    with pytest.raises(PdfError, match="longer than 0.5 s and was stopped"):
        pdf_guard.extract_pdf_order_guarded(PDF, budget=ParseBudget(max_seconds=0.5))
    assert time.monotonic() - started < 10
    assert children() <= before  # the guarded child is gone


def test_a_pdf_that_wants_too_much_memory_is_refused(monkeypatch):
    def greedy(*args, **kwargs):
        return bytearray(512 * 1024 * 1024)  # over the 64 MB budget below

    monkeypatch.setattr(pdf_guard, "extract_pdf_order", greedy)
    with pytest.raises(PdfError, match="more than 64 MB of memory"):
        pdf_guard.extract_pdf_order_guarded(PDF, budget=ParseBudget(max_memory_mb=64))


def test_a_bug_in_the_reader_is_not_blamed_on_the_pdf(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("bug in the reader")

    monkeypatch.setattr(pdf_guard, "extract_pdf_order", broken)
    with pytest.raises(pdf_guard.PdfReadFailed, match="ZeroDivisionError: bug in the reader"):
        pdf_guard.extract_pdf_order_guarded(PDF)


def test_a_bad_pdf_keeps_its_reason():
    with pytest.raises(PdfError) as guarded:
        pdf_guard.extract_pdf_order_guarded(b"%PDF-1.4 not really")
    with pytest.raises(PdfError) as direct:
        extract_pdf_order(b"%PDF-1.4 not really")
    assert str(guarded.value) == str(direct.value)


def test_a_real_pdf_over_a_tiny_time_budget_is_stopped_with_the_time_sentence():
    with pytest.raises(PdfError, match="reading the PDF took longer than 0.001 s"):
        pdf_guard.extract_pdf_order_guarded(PDF, budget=ParseBudget(max_seconds=0.001))


class _LockedStream:
    """A log stream whose every write takes a lock, as a buffered file's does."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()
        self.written: list[str] = []

    def write(self, text: str) -> None:
        with self.lock:
            self.written.append(text)

    def flush(self) -> None:
        pass


def _logs_then_answers() -> int:
    import logging

    logging.getLogger("tests.guard.chatty").warning("a library's warning, in the child")
    return 42


def test_a_log_lock_another_thread_holds_at_the_fork_does_not_hang_the_child():
    """A fork copies a lock held by another thread as held, for good: a library logging in the
    child would wait on it until the time limit. The child logs nothing (its stderr goes nowhere
    anyway), so it answers."""
    import logging
    import threading

    stream = _LockedStream()
    handler = logging.StreamHandler(stream)
    chatty = logging.getLogger("tests.guard.chatty")
    chatty.addHandler(handler)
    chatty.propagate = False
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with stream.lock:  # held while the parent forks
            held.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        held.wait(5)
        assert run_guarded(_logs_then_answers, budget=ParseBudget(max_seconds=3),
                           what="the test") == 42
        release.set()
        thread.join()
        _logs_then_answers()  # here, in this process, the record is written as before
        assert stream.written == ["a library's warning, in the child\n"]
    finally:
        release.set()
        chatty.removeHandler(handler)
        chatty.propagate = True
