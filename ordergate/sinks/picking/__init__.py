"""Pick lists for the warehouse: the printed list with a box to tick per line (``list_pdf``)
and the same rows as CSV (``list_csv``), both in the order the pick list gives.
"""

from __future__ import annotations

from ordergate.sinks.picking.list_csv import render_pick_list_csv
from ordergate.sinks.picking.list_pdf import render_pick_list_pdf

__all__ = ["render_pick_list_csv", "render_pick_list_pdf"]
