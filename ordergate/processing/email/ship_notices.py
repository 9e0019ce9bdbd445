"""Ship-notice mails: each shipment of a mailed order, told in the thread of its PO mail.

The PO mail is read again from the stored document for its threading headers, and answered
only at the customer's registered address, as the order reply was. An order that did not come
by mail (a partner profile asking for ``ship_notice: email``) gets a new mail at the
customer's registered address. A mail that must not be answered (a robot's, our own) gets no
notice, and the shipment says so.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from ordergate.masterdata.catalog import Catalog
from ordergate.orders.store import document_content
from ordergate.outbox.kinds import EMAIL_SHIP_NOTICE
from ordergate.outbox.queue import OutboundMessage, queue_messages
from ordergate.parsers import sniff
from ordergate.parsers.email import read_mail
from ordergate.processing.email.replies import original_of
from ordergate.settings import Settings
from ordergate.sinks.email import OriginalMail, ReplyNotAllowed, ship_notice_mail

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def queue_ship_notice_mails(conn: Connection, settings: Settings, catalog: Catalog, items: list,
                            *, now: datetime) -> None:
    """``items``: ``processing.shipments.Shipped`` to announce by mail."""
    originals: dict[int, OriginalMail | None] = {}
    messages, owners = [], []
    for item in items:
        order = item.result.order
        if order.document_id not in originals:
            originals[order.document_id] = _original(conn, settings, catalog, order)
        original = originals[order.document_id]
        if original is None:
            item.problem = (f"customer {order.customer_id} has no registered mail address, so no "
                            f"ship notice was sent")
            continue
        notice = item.result.notice
        try:
            payload = ship_notice_mail(notice, original, our_address=settings.mail_address,
                                       our_name=settings.mail_name, now=now)
        except ReplyNotAllowed as exc:
            item.problem = f"no ship notice mail: {exc}"
            continue
        po = _UNSAFE.sub("-", notice.po_number).strip("-")[:40] or "order"
        messages.append(OutboundMessage(
            dedupe_key=f"{EMAIL_SHIP_NOTICE.name}:{notice.shipment_id}",
            kind=EMAIL_SHIP_NOTICE.name, partner_id=f"email:{order.customer_id}",
            customer_id=order.customer_id, destination=order.customer_id,
            filename=f"ship-notice_{po}_{notice.shipment_id}.eml", payload=payload,
            document_id=order.document_id, order_id=order.id,
            acknowledges=((order.id, str(notice.shipment_id)),)))
        owners.append(item)
    for item, queued in zip(owners, queue_messages(conn, messages, now)):
        item.outbound.append(queued)


def _original(conn: Connection, settings: Settings, catalog: Catalog, order) -> OriginalMail | None:
    customer = catalog.customers.get(order.customer_id)
    content = document_content(conn, order.document_id)
    if sniff.looks_like_mail(content):  # the order came by mail: answer in its thread
        mail = read_mail(content, limits=settings.mail_limits)
        answer_to = catalog.reply_address(order.customer_id, mail.from_address)
        return original_of(mail, answer_to) if answer_to else None
    address = customer.email if customer else None
    if not address:
        return None
    return OriginalMail(message_id=None, from_address=address, from_name=customer.name,
                        subject=None).addressed_to(address)
