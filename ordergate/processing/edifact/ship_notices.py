"""DESADVs for shipments of orders that came as EDIFACT ORDERS, one interchange per partner.

The reply address is the interchange the ORDERS came in, read again from the stored document
(a dropped file, or the mail it was attached to), as an ORDRSP on a hold's release is; each
document is read once for all its shipments in the batch.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from ordergate.orders.model import SalesOrder
from ordergate.orders.store import document_content
from ordergate.outbox.control_numbers import allocate
from ordergate.outbox.kinds import EDIFACT_DESADV
from ordergate.outbox.queue import OutboundMessage, queue_messages
from ordergate.parsers import sniff
from ordergate.parsers.edifact import InterchangeHeader, iter_edifact
from ordergate.processing.edifact.replies import destination_for, partner_key
from ordergate.settings import Settings
from ordergate.sinks.edifact import (
    EdifactReply,
    build_desadv,
    parties_of,
    render_interchange,
    reply_from_unb,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def queue_desadvs(conn: Connection, settings: Settings, items: list, *, now: datetime) -> None:
    """``items``: ``processing.shipments.Shipped`` of EDIFACT orders; their ``outbound`` gets
    the queued interchange, or ``problem`` says why none could be addressed."""
    replies = _replies(conn, settings, items)
    by_partner: dict[str, tuple[EdifactReply, list]] = {}
    for item in items:
        reply = replies.get(item.result.order.id)
        if reply is None:
            item.problem = ("the interchange the order came in could not be read again, so no "
                            "DESADV could be addressed")
            continue
        by_partner.setdefault(partner_key(reply), (reply, []))[1].append(item)
    today = now.date()
    for partner, (reply, group) in by_partner.items():
        unb = allocate(conn, partner, "unb", 1)[0]
        messages = []
        numbers = allocate(conn, partner, "unh", len(group))
        for item, unh in zip(group, numbers):
            order = item.result.order
            notice = replace(item.result.notice,
                             parties=parties_of(SalesOrder.model_validate_json(order.detail)))
            messages.append(build_desadv(notice, unh, today))
        first = group[0].result.notice
        what = f"{_UNSAFE.sub('-', first.po_number).strip('-')[:40] or 'order'}_{first.shipment_id}" \
            if len(group) == 1 else f"{len(group)}-shipments_{first.shipment_id}"
        queued = queue_messages(conn, [OutboundMessage(
            dedupe_key=f"DESADV:{partner}:{first.shipment_id}:{len(group)}",
            kind=EDIFACT_DESADV.name, partner_id=partner, customer_id=first.customer_id,
            destination=destination_for(first.customer_id, reply),
            filename=f"DESADV_{what}_{unb}.edi",
            payload=render_interchange(reply, unb, messages, timestamp=now),
            order_id=first.order_id if len(group) == 1 else None,
            interchange_control=str(unb),
            acknowledges=tuple((item.result.order.id, str(unh))
                               for item, unh in zip(group, numbers)))], now)
        for item in group:
            item.outbound.extend(queued)


def _replies(conn: Connection, settings: Settings, items: list) -> dict[int, EdifactReply]:
    orders = [(item.result.order.id, item.result.order.source_key, item.result.order.document_id)
              for item in items]
    return order_replies(conn, settings, orders)


def order_replies(conn: Connection, settings: Settings,
                  orders: list[tuple[int, str, int]]) -> dict[int, EdifactReply]:
    """Order id -> the reply address of the interchange it came in, for (order id, source key,
    document id) of EDIFACT orders."""
    wanted: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for order_id, source_key, document_id in orders:
        # source_key is "<UNB 0020>/<UNG 0048>/<UNH 0062>"; a mail's attachments add "edi/".
        reference = source_key.removeprefix("edi/").split("/", 1)[0]
        wanted[document_id][reference].append(order_id)
    found: dict[int, EdifactReply] = {}
    ours = settings.our_edifact
    for document_id, references in wanted.items():
        content = document_content(conn, document_id)
        for interchange in _interchanges(content, settings):
            for event in iter_edifact(interchange):
                if isinstance(event, InterchangeHeader) and event.present and \
                        event.control_reference in references:
                    reply = reply_from_unb(event.segment, our_id=ours.ident,
                                           our_qualifier=ours.qualifier)
                    for order_id in references[event.control_reference]:
                        found[order_id] = reply
    return found


def _interchanges(content: bytes, settings: Settings) -> list[bytes]:
    """The EDIFACT files a document holds: itself, or a mail's EDIFACT attachments."""
    if sniff.is_edifact(content):
        return [content]
    if sniff.looks_like_mail(content):
        from ordergate.parsers.email import read_mail

        mail = read_mail(content, limits=settings.mail_limits)
        return [a.content for a in mail.attachments if sniff.is_edifact(a.content)]
    return []
