"""CSV ship notices: each shipment as a table in the customer's outbox folder, beside the CSV
acknowledgements of the order files it sent."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from ordergate.outbox.kinds import CSV_SHIP_NOTICE
from ordergate.outbox.queue import OutboundMessage, queue_messages
from ordergate.sinks.csv import render_ship_notice_csv

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def queue_csv_ship_notices(conn: Connection, items: list, *, now: datetime) -> None:
    """``items``: ``processing.shipments.Shipped`` to announce with a CSV notice."""
    messages = []
    for item in items:
        notice = item.result.notice
        po = _UNSAFE.sub("-", notice.po_number).strip("-")[:40] or "order"
        messages.append(OutboundMessage(
            dedupe_key=f"{CSV_SHIP_NOTICE.name}:{notice.shipment_id}", kind=CSV_SHIP_NOTICE.name,
            partner_id=f"customer:{notice.customer_id}", customer_id=notice.customer_id,
            destination=notice.customer_id,
            filename=f"{po}_shipment_{notice.shipment_id}.csv",
            payload=render_ship_notice_csv(notice), order_id=notice.order_id,
            acknowledges=((notice.order_id, str(notice.shipment_id)),)))
    for item, queued in zip(items, queue_messages(conn, messages, now)):
        item.outbound.append(queued)
