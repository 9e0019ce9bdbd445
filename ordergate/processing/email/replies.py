"""Email answers as outbox rows: a reply per order, or one saying what could not be read.

Queued in the caller's transaction like the 855s; the dedupe key (document + order source key)
makes a rerun after a crash queue nothing twice. Delivery sends them over SMTP when
``ORDERGATE_SMTP_HOST`` is set, and otherwise writes them as .eml files to the outbox folder.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection

from ordergate.orders.store import SavedOrder
from ordergate.outbox.kinds import EMAIL_REPLY
from ordergate.outbox.queue import OutboundMessage, Queued, queue_messages
from ordergate.parsers.email import MailDocument
from ordergate.processing.context import DocumentContext
from ordergate.sinks.email import OriginalMail, order_reply, unreadable_reply

EMAIL = EMAIL_REPLY.name
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def original_of(mail: MailDocument, answer_to: str | None) -> OriginalMail:
    """What a reply needs to know about the mail it answers (threading, subject), answered at
    ``answer_to``: one of the customer's registered addresses (``Catalog.reply_address``).
    None leaves no address, so ``should_reply`` refuses every reply.

    Everything comes from the ``MailDocument`` that ``read_mail`` made within its limits and
    budget: the mail's headers are never parsed again here, outside them.
    """
    # RFC 5322 3.6.4: without References, In-Reply-To names the parent.
    references = mail.references or ([mail.in_reply_to] if mail.in_reply_to else [])
    original = OriginalMail(
        # Never thread a reply onto an id the mail did not have.
        message_id=None if mail.message_id_synthesised else mail.message_id,
        from_address=mail.from_address or "", from_name=mail.from_name, subject=mail.subject or None,
        references=references, auto_submitted=mail.auto_submitted, precedence=mail.precedence)
    return original.addressed_to(answer_to or "")


def queue_order_replies(conn: Connection, ctx: DocumentContext, original: OriginalMail,
                        saved: list[SavedOrder]) -> list[Queued]:
    return queue_replies_for(conn, ctx.settings, original, saved, document_id=ctx.document_id,
                             now=ctx.now)


def queue_replies_for(conn: Connection, settings, original: OriginalMail, saved: list[SavedOrder],
                      *, document_id: int, now, occasion: str = "") -> list[Queued]:
    messages = []
    for item in saved:
        if item.outcome == "resumed":  # answered by the attempt that stored it
            continue
        order = item.order._replace(status=item.status, hold_reasons=item.hold_reasons)
        reply = order_reply(original, order, item.order_id, our_address=settings.mail_address,
                            our_name=settings.mail_name, now=now)
        po = _UNSAFE.sub("-", order.po_number).strip("-")[:40] or "order"
        messages.append(OutboundMessage(
            dedupe_key=f"{EMAIL}:{document_id}:{order.source_key}{occasion}", kind=EMAIL,
            partner_id=order.partner_id, customer_id=order.customer_id,
            destination=order.customer_id or "unknown", filename=f"reply_{po}_{item.order_id}_{document_id}{occasion.replace(':', '_')}.eml",
            payload=reply.as_bytes(), document_id=document_id,
            order_id=item.order_id if item.outcome == "new" else None,
            acknowledges=((item.order_id, "1"),) if item.outcome == "new" else ()))
    return queue_messages(conn, messages, now)


def queue_unreadable_reply(conn: Connection, ctx: DocumentContext, original: OriginalMail,
                           customer_id: str, reasons: list[str]) -> Queued:
    settings = ctx.settings
    reply = unreadable_reply(original, reasons, our_address=settings.mail_address,
                             our_name=settings.mail_name, now=ctx.now)
    [queued] = queue_messages(conn, [OutboundMessage(
        dedupe_key=f"{EMAIL}:{ctx.document_id}:unreadable", kind=EMAIL,
        partner_id=f"email:{customer_id}", customer_id=customer_id, destination=customer_id,
        filename=f"reply_unreadable_{ctx.document_id}.eml", payload=reply.as_bytes(),
        document_id=ctx.document_id)], ctx.now)
    return queued
