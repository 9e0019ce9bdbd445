"""PDF extraction → canonical ``SalesOrder`` (format "pdf-po").

The mapping carries what was read and nothing more: buyer part, vendor part (our SKU) and
GTIN go through as printed so the checks' item resolution (vendor part, then GTIN, then the
customer's buyer-part cross-reference) decides what was ordered. Whether the order is held
for its confidences is the caller's decision (``PdfExtraction.hold_reason``).
"""

from __future__ import annotations

from ordergate.errors import MappingError
from ordergate.formats import OrderFormat
from ordergate.orders.model import Address, OrderLine, SalesOrder
from ordergate.parsers.pdf import PdfExtraction

PDF_FORMAT = OrderFormat.PDF_PO


def sales_order_from_pdf(extraction: PdfExtraction, *, source_key: str, channel: str,
                         partner_id: str, customer_id: str | None) -> SalesOrder:
    if not extraction.lines:
        raise MappingError(f"PDF order {extraction.po_number} has no lines",
                           partner=partner_id, field="lines")
    lines = [
        OrderLine(
            line_number=number,
            buyer_line_id=line.buyer_line_id,
            buyer_part=line.buyer_part,
            vendor_part=line.vendor_part,
            gtin=line.gtin,
            description=line.description,
            quantity=line.quantity,
            uom=line.uom,
            unit_price=line.unit_price,
            source_position=line.page,  # the page, for "see page 2" in messages
        )
        for number, line in enumerate(extraction.lines, start=1)
    ]
    return SalesOrder(
        source_key=source_key, channel=channel, format=PDF_FORMAT, partner_id=partner_id,
        customer_id=customer_id, po_number=extraction.po_number, po_date=extraction.po_date,
        currency=extraction.currency, lines=lines,
        ship_to=Address(**extraction.ship_to.filled()) if extraction.ship_to else None,
        notes=list(extraction.notes))
