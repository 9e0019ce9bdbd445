"""INVOICs for invoices of orders that came as EDIFACT ORDERS, one interchange per partner,
addressed from the interchange each ORDERS came in (``ship_notices.order_replies``)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from ordergate.outbox.control_numbers import allocate
from ordergate.outbox.kinds import EDIFACT_INVOIC
from ordergate.outbox.queue import OutboundMessage, queue_messages
from ordergate.processing.edifact.replies import destination_for, partner_key
from ordergate.processing.edifact.ship_notices import order_replies
from ordergate.settings import Settings
from ordergate.sinks.edifact import EdifactReply, render_interchange

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def queue_invoics(conn: Connection, settings: Settings, items: list, *, now: datetime) -> None:
    """``items``: ``processing.invoices.InvoiceOut`` of EDIFACT orders."""
    from ordergate.sinks.edifact import build_invoic

    replies = order_replies(conn, settings, [
        (item.invoiced.order.order_id, item.invoiced.order.source_key,
         item.invoiced.order.document_id) for item in items])
    by_partner: dict[str, tuple[EdifactReply, list]] = {}
    for item in items:
        reply = replies.get(item.invoiced.order.order_id)
        if reply is None:
            item.problem = ("the interchange the order came in could not be read again, so no "
                            "INVOIC could be addressed")
            continue
        by_partner.setdefault(partner_key(reply), (reply, []))[1].append(item)
    for partner, (reply, group) in by_partner.items():
        unb = allocate(conn, partner, "unb", 1)[0]
        numbers = allocate(conn, partner, "unh", len(group))
        messages = [build_invoic(item.invoiced.invoice, unh) for item, unh in zip(group, numbers)]
        first = group[0].invoiced.invoice
        what = first.invoice_number if len(group) == 1 else \
            f"{len(group)}-invoices_{first.invoice_number}"
        queued = queue_messages(conn, [OutboundMessage(
            dedupe_key=f"INVOIC:{partner}:{first.invoice_number}:{len(group)}",
            kind=EDIFACT_INVOIC.name, partner_id=partner, customer_id=first.customer_id,
            destination=destination_for(first.customer_id, reply),
            filename=f"INVOIC_{_UNSAFE.sub('-', what)}_{unb}.edi",
            payload=render_interchange(reply, unb, messages, timestamp=now),
            order_id=first.order_id if len(group) == 1 else None,
            interchange_control=str(unb),
            acknowledges=tuple((item.invoiced.invoice.order_id, str(unh))
                               for item, unh in zip(group, numbers)
                               if item.invoiced.invoice.order_id))], now)
        for item in group:
            item.outbound.extend(queued)
