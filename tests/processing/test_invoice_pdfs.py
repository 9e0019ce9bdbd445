"""A batch's invoice PDFs: many rendered in forked workers, a few here, each the same invoice
in the same place either way (the Factur-X XML each carries is compared, since factur-x stamps
every file with the time it was made)."""

from __future__ import annotations

import os

import facturx
import pytest

from ordergate.processing import invoice_pdfs
from ordergate.processing.invoice_pdfs import PARALLEL_FROM, render_invoice_pdfs
from ordergate.sinks.invoice import invoice_xml
from tests.kit.invoices import invoice, line


def _batch(count: int) -> list:
    return [invoice([line(1, f"SKU-{n}", str(n + 1), "2.50")],
                    invoice_number=f"INV-2026-{n:06d}", invoice_id=n) for n in range(count)]


def _forks(monkeypatch, *, alone: bool = True) -> list[int]:
    """The pools the batch opened, by their size. The test process may hold threads of other
    tests (servers, Prefect's harness): unless told otherwise the batch is told it is alone,
    as a command is."""
    if alone:
        monkeypatch.setattr(invoice_pdfs, "_other_threads", lambda: False)
    opened: list[int] = []
    real = invoice_pdfs.multiprocessing.get_context

    def get_context(method):
        context = real(method)

        class Counting:
            def Pool(self, processes):  # noqa: N802 - multiprocessing's name
                opened.append(processes)
                return context.Pool(processes)
        return Counting()

    monkeypatch.setattr(invoice_pdfs.multiprocessing, "get_context", get_context)
    return opened


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the batch is rendered here")
def test_a_large_batch_is_rendered_by_workers_in_order(monkeypatch):
    opened = _forks(monkeypatch)
    batch = _batch(PARALLEL_FROM + 4)
    pdfs = render_invoice_pdfs(batch, workers=2)
    assert opened == [2]
    assert [facturx.get_xml_from_pdf(pdf, check_xsd=False)[1] for pdf in pdfs] == [
        invoice_xml(bill) for bill in batch]


def test_a_small_batch_or_one_core_is_rendered_here(monkeypatch):
    opened = _forks(monkeypatch)
    small = _batch(3)
    assert [facturx.get_xml_from_pdf(pdf, check_xsd=False)[1]
            for pdf in render_invoice_pdfs(small, workers=2)] == [invoice_xml(b) for b in small]
    render_invoice_pdfs(_batch(PARALLEL_FROM), workers=1)
    assert opened == []


class Broken(Exception):
    pass


def _fails_on_five(bill) -> bytes:
    """Rendering that fails for one invoice (module level: the pool sends it by name)."""
    if bill.invoice_id == 5:
        raise Broken(f"cannot render {bill.invoice_number}")
    return b"%PDF-"


def test_an_error_in_a_worker_is_raised_here(monkeypatch):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the batch is rendered here")
    import ordergate.sinks.invoice

    monkeypatch.setattr(ordergate.sinks.invoice, "render_invoice_pdf", _fails_on_five)
    opened = _forks(monkeypatch)
    with pytest.raises(Broken, match="cannot render INV-2026-000005"):
        render_invoice_pdfs(_batch(PARALLEL_FROM), workers=2)
    assert opened == [2]


def test_a_process_with_other_threads_renders_here_never_forking_their_locks(monkeypatch):
    import threading

    opened = _forks(monkeypatch, alone=False)
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait, args=(30,))
    busy.start()
    try:
        batch = _batch(PARALLEL_FROM)
        pdfs = render_invoice_pdfs(batch, workers=2)
    finally:
        stop.set()
        busy.join()
    assert opened == [] and len(pdfs) == len(batch)
