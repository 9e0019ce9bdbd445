"""Invoices and credit notes as Factur-X / ZUGFeRD: the EN 16931 Cross Industry Invoice XML
(``cii``) and the printed invoice carrying it as a PDF/A-3 (``pdf``), both saying what the
``Invoice`` says (``text``). The CSV invoice is with the other tables in ``sinks.csv``.
"""

from __future__ import annotations

from ordergate.sinks.invoice.cii import invoice_xml
from ordergate.sinks.invoice.pdf import render_invoice_pdf

__all__ = ["invoice_xml", "render_invoice_pdf"]
