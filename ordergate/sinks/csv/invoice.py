"""CSV invoice: an invoice or credit note as a table a customer's ERP or spreadsheet imports.

One row per invoice line, each carrying the invoice's number, kind, dates, customer, PO and
order (the line's own on a day's invoice of several orders), currency, totals and payment
terms, so a row can be read on its own and a file of many
invoices concatenated. Amounts are the stored ones in cents ("10.80"), quantities and rates
plain decimals ("2.5", "19"), dates ISO 8601; ``kind`` is "invoice" or "credit_note". The PO
number, buyer parts and descriptions come from the customer or our master data, so every cell
goes through ``safe_writer``.

Pure: an ``Invoice`` in, bytes out. Queuing the file in the outbox is the caller's job.
"""

from __future__ import annotations

import io
from decimal import Decimal

from ordergate.billing.model import Invoice
from ordergate.orders.numbers import quantity_text, tidy_money, tidy_quantity
from ordergate.sinks.csv_safe import safe_writer

INVOICE_COLUMNS = ("invoice_number", "kind", "invoice_date", "due_date", "customer_id",
                   "po_number", "order_id", "line_number", "sku", "buyer_part", "description",
                   "quantity", "uom", "unit_price", "tax_rate", "amount", "tax", "currency",
                   "subtotal", "tax_total", "total", "terms")


def render_invoice_csv(invoice: Invoice) -> bytes:
    """UTF-8, comma-separated, a header row, CRLF line ends (RFC 4180); empty cells for None."""
    buffer = io.StringIO(newline="")
    writer = safe_writer(buffer, lineterminator="\r\n")
    writer.writerow(INVOICE_COLUMNS)
    head = (invoice.invoice_number, invoice.kind, invoice.issue_date.isoformat(),
            invoice.due_date.isoformat(), invoice.customer_id)
    tail = (invoice.currency, _money(invoice.subtotal), _money(invoice.tax),
            _money(invoice.total), invoice.terms.text)
    for line in invoice.lines:
        # A day's invoice may bill several orders: each row names the order of its line.
        po_number = invoice.po_number or line.po_number or ""
        order_id = invoice.order_id if invoice.order_id is not None else line.order_id
        writer.writerow((*head, po_number, "" if order_id is None else order_id, line.line_number, line.sku, line.buyer_part or "",
                         line.description or "", quantity_text(line.quantity), line.uom or "",
                         _money(line.unit_price), format(tidy_quantity(line.tax_rate), "f"),
                         _money(line.amount), _money(line.tax), *tail))
    return buffer.getvalue().encode("utf-8")


def _money(value: Decimal) -> str:
    # format "f": never "1E+3", which a spreadsheet or a strict reader would misread
    return format(tidy_money(value), "f")
