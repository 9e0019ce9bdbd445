"""The pick list as CSV, for a warehouse system or a spreadsheet to read back.

One row per line to pick, in the order the pick list gives (by location, then SKU). The
descriptions, PO numbers and locations come from senders and from the stock file, so every
cell goes through ``safe_writer``: none runs as a formula in a spreadsheet. An unknown
location is an empty cell.
"""

from __future__ import annotations

import io

from ordergate.fulfilment.model import PickList
from ordergate.orders.numbers import quantity_text
from ordergate.sinks.csv_safe import safe_writer

PICK_LIST_COLUMNS = ("pick_list_id", "location", "sku", "description", "quantity", "uom",
                     "order_id", "po_number", "customer_id", "line_number")


def render_pick_list_csv(pick: PickList) -> bytes:
    """UTF-8, comma-separated, a header row, CRLF line ends (RFC 4180); empty cells for None."""
    buffer = io.StringIO(newline="")
    writer = safe_writer(buffer, lineterminator="\r\n")
    writer.writerow(PICK_LIST_COLUMNS)
    for line in pick.lines:
        writer.writerow((pick.pick_list_id, line.location or "", line.sku, line.description or "",
                         quantity_text(line.quantity), line.uom or "", line.order_id,
                         line.po_number or "", line.customer_id or "", line.line_number))
    return buffer.getvalue().encode("utf-8")
