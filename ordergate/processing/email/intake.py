"""Storing one email: who sent it, the orders of its attachments, and the replies.

The mail is the document (stored before this runs); its Message-ID is claimed first, so a
re-sent copy with other Received headers is a duplicate, not a second set of orders. Mail that
must not become orders (unknown sender, failed DMARC/SPF/DKIM, over a limit, broken MIME) is
quarantined: the document fails with the reason and is kept.

A From address proves nothing by itself. The mail counts as the customer's only when one of our
own mail servers vouches for it (``AuthVerdict.proof_for``); an unauthenticated mail from a
known address still becomes orders, each held as "sender not authenticated" until ops release
it, and gets no reply before that. Replies only ever go to the customer's registered addresses.

EDI attachments go through the X12/EDIFACT intakes as if dropped in a folder (997/855 or
CONTRL/ORDRSP to the partner's outbox folder), but only when the mail is authenticated and every
interchange in them names that same customer as its sender: the envelope is the sender's own
text, so it cannot choose whose order it is. PDF and tabular attachments become orders here,
each answered by a threaded email with the PDF confirmation.
"""

from __future__ import annotations

import time
from dataclasses import replace

from sqlalchemy import select

from ordergate.errors import DocumentError
from ordergate.masterdata.catalog import Customer
from ordergate.orders.reload import load_prepared
from ordergate.orders.store import SavedOrder
from ordergate.parsers.email import Attachment, MailDocument, read_mail
from ordergate.processing.checked_orders import store_checked
from ordergate.processing.context import DocumentContext
from ordergate.processing.edi_budget import edi_limits
from ordergate.processing.email.attachments import orders_from_attachment
from ordergate.processing.email.replies import (
    original_of,
    queue_order_replies,
    queue_unreadable_reply,
)
from ordergate.processing.handlers import AttachedTo
from ordergate.processing.outcome import IntakeOutcome, document_status
from ordergate.processing.report import OrderReport
from ordergate.sinks.email import OriginalMail, should_reply
from ordergate.store import tables as t
from ordergate.store.db import insert_ignore

_LEAST_SECONDS = 0.5  # less is no chance to read anything: the attachment is reported unread


class MailQuarantined(DocumentError):
    """The mail is kept but not turned into orders; the message says why."""


def process_email(ctx: DocumentContext, content: bytes) -> tuple[str, str | None]:
    settings = ctx.settings
    # One reading budget for the whole mail, its attachments included: twenty attachments
    # may not take twenty budgets.
    deadline = time.monotonic() + settings.parse_max_seconds
    mail = read_mail(content, limits=settings.mail_limits,
                     trusted_authserv_ids=settings.trusted_authserv_ids, kinds=ctx.formats)
    customer = ctx.catalog.customer_for_email(mail.from_address) if mail.from_address else None
    duplicate_of = _claim(ctx, mail, customer)
    if duplicate_of is not None:
        return "duplicate", (f"Message-ID <{mail.message_id}> was already received as document "
                             f"{duplicate_of}")
    answer_to = ctx.catalog.reply_address(customer.customer_id, mail.from_address) if customer else None
    original = original_of(mail, answer_to)
    proof = mail.auth.proof_for(mail.from_domain)
    if mail.quarantine:
        _answer_unreadable(ctx, original, customer, proof, mail.quarantine)
        raise MailQuarantined("quarantined: " + "; ".join(mail.quarantine))
    if customer is None:
        raise MailQuarantined(
            f"quarantined: the sender {mail.from_address or '(none)'} is not a known customer "
            f"(customers.csv email, or email_addresses/email_domains in a partner profile)")

    attachments = mail.order_attachments
    unverified = None if proof else unauthenticated_reason(mail, settings.trusted_authserv_ids)
    foreign = _untrusted_interchanges(ctx, attachments, customer, unverified)
    if foreign:
        raise MailQuarantined("quarantined: " + "; ".join(foreign))
    problems: list[str] = []
    orders = []
    outcome = IntakeOutcome()
    for attachment in attachments:
        handler = ctx.formats[attachment.kind]
        if handler.read_interchanges is not None:  # read as if dropped in a folder
            mark = ctx.report.orders.mark()
            outcome.add(handler.read_interchanges(ctx, attachment.content))
            _confirm_edi_orders(ctx, original, ctx.report.orders.since(mark))
            continue
        remaining = deadline - time.monotonic()
        if remaining < _LEAST_SECONDS:
            problems.append(f"attachment {attachment.index} ({attachment.name}): not read, the "
                            f"mail's reading budget of {settings.parse_max_seconds:g} s "
                            f"(ORDERGATE_PARSE_MAX_SECONDS) was used up before it")
            continue
        found = orders_from_attachment(handler, attachment, AttachedTo(
            channel=ctx.channel, customer_id=customer.customer_id,
            profile=ctx.catalog.profile(customer.customer_id),
            min_confidence=settings.pdf_min_confidence,
            budget=replace(settings.parse_budget, max_seconds=remaining)))
        for order in found.orders:
            order.sender_unverified = unverified
        orders.extend(found.orders)
        problems.extend(found.problems)
    ctx.report.problems.extend(problems)
    # Held for an unproven sender: nothing is said to anyone until ops release the order.
    saved = _store(ctx, orders, original, reply=proof is not None) if orders else []

    if saved or outcome.accepted_sets:
        return "processed", None
    if not attachments:
        problems.append("no purchase order attached (a PDF, CSV/XLSX or EDI file)" +
                        (f"; {'; '.join(mail.notes)}" if mail.notes else ""))
    if not outcome.interchanges:  # EDI attachments were answered by their own standard
        _answer_unreadable(ctx, original, customer, proof, problems)
    if not problems:  # only EDI attachments, whose sets were all rejected: say why, as for a file
        return document_status(outcome, ctx.report)
    return "failed", "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)"
                                                if len(problems) > 3 else "")


def unauthenticated_reason(mail: MailDocument, trusted_authserv_ids: tuple[str, ...]) -> str:
    """Why the mail's From address is not proven, in words ops can act on."""
    domain = mail.from_domain or "the sender's domain"
    if not trusted_authserv_ids:
        return (f"no trusted mail server is configured (ORDERGATE_MAIL_TRUSTED_AUTHSERV_IDS), so "
                f"nothing proves the mail came from {domain}")
    return (f"no Authentication-Results from {', '.join(trusted_authserv_ids)} shows DMARC pass, "
            f"or SPF or DKIM pass for {domain}")


def _untrusted_interchanges(ctx: DocumentContext, attachments: list[Attachment],
                            customer: Customer, unverified: str | None) -> list[str]:
    """Reasons to refuse the mail's EDI attachments: an unproven mail, or an interchange whose
    envelope names another partner (or none we know) than the mail's customer."""
    reasons: list[str] = []
    for attachment in attachments:
        handler = ctx.formats[attachment.kind]
        if handler.foreign_senders is None:
            continue
        label = f"attachment {attachment.index} ({attachment.name})"
        if unverified:
            reasons.append(f"{label} is an {attachment.kind.upper()} interchange, taken only from an "
                           f"authenticated sender: {unverified}")
            continue
        limits = edi_limits(ctx.settings, attachment.content)
        for foreign in handler.foreign_senders(ctx.catalog, attachment.content, customer.customer_id,
                                               limits):
            reasons.append(f"{label} holds {foreign}, but the mail is from customer "
                           f"{customer.customer_id}; no order was made and nothing was sent")
    return reasons


def _claim(ctx: DocumentContext, mail: MailDocument, customer: Customer | None) -> int | None:
    """None when this document holds the Message-ID (now or from an earlier attempt), else the
    document that does."""
    with ctx.transaction() as conn:
        conn.execute(insert_ignore(conn, t.mail_claims), {
            "message_id": mail.message_id[:400], "document_id": ctx.document_id,
            "from_address": (mail.from_address or "")[:320] or None,
            "customer_id": customer.customer_id if customer else None, "received_at": ctx.now})
        holder = conn.execute(select(t.mail_claims.c.document_id)
                              .where(t.mail_claims.c.message_id == mail.message_id[:400])).scalar_one()
    return None if holder == ctx.document_id else holder


def _answer_unreadable(ctx: DocumentContext, original: OriginalMail, customer: Customer | None,
                       proof: str | None, reasons: list[str]) -> None:
    if customer is None or proof is None or not reasons:
        return  # never answer an unknown or unproven sender
    if should_reply(original, ctx.settings.mail_address) is not None:
        return
    with ctx.transaction() as conn:
        ctx.note_outbound(queue_unreadable_reply(conn, ctx, original, customer.customer_id, reasons))


def _store(ctx: DocumentContext, orders, original: OriginalMail, *, reply: bool):
    def replies(conn, saved):
        if not reply or should_reply(original, ctx.settings.mail_address) is not None:
            return []
        return queue_order_replies(conn, ctx, original, saved)

    return store_checked(ctx, orders, replies)


def _confirm_edi_orders(ctx: DocumentContext, original: OriginalMail,
                        reported: list[OrderReport]) -> None:
    """The mail's sender is told about orders from an EDI attachment too (the partner's EDI
    system already got its 997/855 or CONTRL/ORDRSP from the intake)."""
    stored = [order for order in reported if order.order_id is not None]
    if not stored or should_reply(original, ctx.settings.mail_address) is not None:
        return
    with ctx.transaction() as conn:
        rows = load_prepared(conn, [order.order_id for order in stored])
        answers = []
        for order in stored:
            row = rows[order.order_id]
            # A duplicate reports the original order; the reply is about this mail's PO.
            outcome = "duplicate" if order.status == "duplicate" else "new"
            answers.append(SavedOrder(row._replace(source_key=f"edi/{order.source_key}"), outcome,
                                      order.order_id, order.status, tuple(order.hold_reasons)))
        for message in queue_order_replies(conn, ctx, original, answers):
            ctx.note_outbound(message)
