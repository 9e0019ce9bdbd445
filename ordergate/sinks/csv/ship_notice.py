"""CSV ship notice: what one shipment of an order carried, for a customer's ERP or spreadsheet.

One row per shipped line as the shipment recorded it (a line split over packages is one row
per package, with the package's SSCC), each carrying the order's identifiers and the
shipment's carrier, tracking number and date, so a row can be read on its own. The PO number,
buyer parts, carrier and tracking number come from the customer or the warehouse, so every
cell goes through ``safe_writer``.

Pure: a ``ShipmentNotice`` in, bytes out. Queuing the file in the outbox is the caller's job.
"""

from __future__ import annotations

import io

from ordergate.fulfilment.model import ShipmentNotice
from ordergate.orders.numbers import quantity_text
from ordergate.sinks.csv_safe import safe_writer

SHIP_NOTICE_COLUMNS = ("shipment_id", "order_id", "po_number", "customer_id", "line_number",
                       "sku", "buyer_part", "quantity_shipped", "uom", "quantity_ordered",
                       "quantity_shipped_total", "quantity_open", "carrier", "tracking_number",
                       "ship_date", "package_id")


def render_ship_notice_csv(notice: ShipmentNotice) -> bytes:
    """UTF-8, comma-separated, a header row, CRLF line ends (RFC 4180); empty cells for None;
    quantities as plain decimals ("2.5", never "2.5000" or "1E+3"), the ship date as ISO 8601."""
    buffer = io.StringIO(newline="")
    writer = safe_writer(buffer, lineterminator="\r\n")
    writer.writerow(SHIP_NOTICE_COLUMNS)
    ship_date = notice.ship_date.isoformat()
    for line in notice.lines:
        writer.writerow((notice.shipment_id, notice.order_id, notice.po_number,
                         notice.customer_id, line.line_number, line.sku, line.buyer_part or "",
                         quantity_text(line.quantity), line.uom or "",
                         quantity_text(line.ordered), quantity_text(line.shipped_total),
                         quantity_text(line.open_quantity), notice.carrier,
                         notice.tracking_number, ship_date, line.package_id or ""))
    return buffer.getvalue().encode("utf-8")
