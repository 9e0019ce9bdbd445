"""PDF purchase orders: words and lines from the pages (``text``), header fields (``header``)
and the line table (``table``) read by layout templates (``template``) or the generic rules,
within a time and memory budget (``guard``); what comes out is a ``PdfExtraction``.
"""

from __future__ import annotations

from ordergate.parsers.pdf.guard import extract_pdf_order_guarded
from ordergate.parsers.pdf.result import PdfExtraction
from ordergate.parsers.pdf.template import load_templates

__all__ = [
    "extract_pdf_order_guarded",
    "load_templates",
    "PdfExtraction",
]
