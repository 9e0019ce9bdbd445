"""CSV answers: the acknowledgement table (``ack``), the ship notice (``ship_notice``) and the
invoice (``invoice``), written so no cell runs as a formula in a spreadsheet
(``sinks.csv_safe``, shared with every sink that writes a table).
"""

from __future__ import annotations

from ordergate.sinks.csv.ack import (
    AckRow,
    render_csv_ack,
    row_for_rejected_po,
    rows_for_order,
)
from ordergate.sinks.csv.invoice import render_invoice_csv
from ordergate.sinks.csv.ship_notice import render_ship_notice_csv

__all__ = [
    "AckRow",
    "render_csv_ack",
    "render_invoice_csv",
    "render_ship_notice_csv",
    "row_for_rejected_po",
    "rows_for_order",
]
