"""The invoice PDFs of a batch (a Factur-X PDF takes about 30 ms, an 810 well under one): a few
are rendered in this process, many in forked workers, one per core, so that a run invoicing
hundreds of mail customers is not held up by one core's PDFs.

The workers are forked with the compact DejaVu already cut here, so none of them cuts its own;
rendering is a pure function of the invoice, so a worker shares nothing else and touches no
database. An error in a worker is raised here as it would have been in this process.

Only a process with no other thread forks them. A fork copies every lock as it was, and a
lock another thread held at that moment (a log stream's, a parser's) is held for good in the
worker: fontTools logging its subsetting hung on a stream lock that way. So in a Prefect flow
run, whose engine keeps threads of its own, the PDFs are rendered here, one after the other;
``ordergate invoices run`` and the shipping commands render them on every core.
"""

from __future__ import annotations

import multiprocessing
import os
import threading

from ordergate.billing.model import Invoice
from ordergate.processing.pipeline import can_fork

PARALLEL_FROM = 16  # PDFs; below this a fork and the workers' start cost more than they save
MAX_WORKERS = 4


def render_invoice_pdfs(invoices: list[Invoice], *, workers: int | None = None) -> list[bytes]:
    """The PDF of each invoice, in order; ``workers`` forked processes at most (default: one
    per core, up to ``MAX_WORKERS``)."""
    from ordergate.sinks.invoice import render_invoice_pdf

    count = min(workers or os.cpu_count() or 1, MAX_WORKERS, len(invoices) // 4 or 1)
    if len(invoices) < PARALLEL_FROM or count < 2 or not can_fork() or _other_threads():
        return [render_invoice_pdf(invoice) for invoice in invoices]
    _warm_fonts()
    context = multiprocessing.get_context("fork")
    with context.Pool(count) as pool:
        # Chunks of a few invoices: fewer round trips, and the workers still end together.
        return pool.map(render_invoice_pdf, invoices, chunksize=max(1, len(invoices) // (count * 8)))


def _other_threads() -> bool:
    return threading.active_count() > 1


def _warm_fonts() -> None:
    from ordergate.sinks.pdf_fonts import DEJAVU_DIR, warm_compact

    warm_compact(DEJAVU_DIR)
