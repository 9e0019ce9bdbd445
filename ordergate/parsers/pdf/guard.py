"""Reading an untrusted PDF in a child process that can be stopped.

``extract_pdf_order`` checks its time limit between pages, which cannot stop pdfminer while it
opens a damaged file or chews on one pathological page, and nothing in-process bounds the
memory a PDF bomb can claim. Here the extraction runs under ``guard.run_guarded``: a forked
child with the parse budget's memory limit, killed at its time limit. The result is a plain
dataclass, so it crosses the pipe cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ordergate.parsers.guard import GuardedReadFailed, ParseBudget, run_guarded
from ordergate.parsers.pdf.extract import extract_pdf_order
from ordergate.parsers.pdf.result import PdfExtraction
from ordergate.parsers.pdf.template import PdfTemplate
from ordergate.parsers.pdf.text import PdfError, PdfLimits

# A bug in the reader, as before the guard was shared by every parser.
PdfReadFailed = GuardedReadFailed


def extract_pdf_order_guarded(content: bytes, *, templates: Sequence[PdfTemplate] = (),
                              limits: PdfLimits = PdfLimits(),
                              budget: ParseBudget = ParseBudget()) -> PdfExtraction:
    # The page-by-page check uses the same time limit, so a slow but steady PDF stops with
    # the page count it reached rather than being killed without one.
    limits = replace(limits, max_seconds=budget.max_seconds)
    # Looked up at call time, so the reader can be replaced (tests) in this module.
    return run_guarded(extract_pdf_order, content, templates=tuple(templates), limits=limits,
                       budget=budget, what="the PDF", error=PdfError)
