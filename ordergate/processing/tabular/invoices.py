"""CSV invoices: each invoice as a table in the customer's outbox folder, beside the CSV
acknowledgements and ship notices of the order files it sent."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from ordergate.outbox.kinds import CSV_INVOICE
from ordergate.outbox.queue import OutboundMessage, queue_messages

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def queue_csv_invoices(conn: Connection, items: list, *, now: datetime) -> None:
    """``items``: ``processing.invoices.InvoiceOut`` to file as CSV."""
    from ordergate.sinks.csv import render_invoice_csv

    messages = []
    for item in items:
        invoice = item.invoiced.invoice
        messages.append(OutboundMessage(
            dedupe_key=f"{CSV_INVOICE.name}:{invoice.invoice_number}", kind=CSV_INVOICE.name,
            partner_id=f"customer:{invoice.customer_id}", customer_id=invoice.customer_id,
            destination=invoice.customer_id,
            filename=f"{_UNSAFE.sub('-', invoice.invoice_number)}.csv",
            payload=render_invoice_csv(invoice), order_id=invoice.order_id))
    for item, queued in zip(items, queue_messages(conn, messages, now)):
        item.outbound.append(queued)
