"""The PDF reader in a child process: a PDF that never finishes or eats memory is stopped
with a clear reason, a bug is reported as a bug, and a good PDF reads as in-process."""

from __future__ import annotations

import time

import pytest

from benchmarks.bench_pdf_extract import PoLine, PoSpec, build_po_pdf
from ordergate.parsers.guard import ParseBudget
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
