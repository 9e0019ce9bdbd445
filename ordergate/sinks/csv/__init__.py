"""CSV answers: the acknowledgement table (``ack``), written so no cell runs as a formula in a
spreadsheet (``safe``).
"""

from __future__ import annotations

from ordergate.sinks.csv.ack import (
    AckRow,
    render_csv_ack,
    row_for_rejected_po,
    rows_for_order,
)

__all__ = [
    "AckRow",
    "render_csv_ack",
    "row_for_rejected_po",
    "rows_for_order",
]
