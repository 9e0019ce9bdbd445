"""The formats ordergate tells apart, as ``StrEnum``s: stored, printed as JSON and offered
as command-line choices by the same definition.

``DocumentFormat`` is what a received document was sniffed as (``documents.format``, from
``parsers.detect``); ``OrderFormat`` what a sales order was read from (``orders.format``,
set by the mapping). A member equals its string, so code comparing with ``"x12"`` keeps
working. This module sits beside ``errors`` below every layer: parsers, mappings and the
store all use it without importing one another.
"""

from __future__ import annotations

from enum import StrEnum


class DocumentFormat(StrEnum):
    X12 = "x12"
    EDIFACT = "edifact"
    PDF = "pdf"
    EMAIL = "email"
    CSV = "csv"
    XLSX = "xlsx"
    XLS = "xls"
    ZIP = "zip"  # an archive that is not a workbook: refused, with the reason


class OrderFormat(StrEnum):
    X12_850 = "x12-850"
    EDIFACT_ORDERS = "edifact-orders"
    PDF_PO = "pdf-po"
    CSV = "csv"
    XLSX = "xlsx"
    XLS = "xls"
