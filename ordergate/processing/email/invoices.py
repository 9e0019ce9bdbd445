"""Invoice mails: the invoice PDF (a Factur-X e-invoice) to the customer, in the thread of
its PO mail when it ordered by mail, else to its invoice address (customers.csv
``invoice_email``, else ``email``)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from ordergate.masterdata.catalog import Catalog
from ordergate.orders.store import document_content
from ordergate.outbox.kinds import EMAIL_INVOICE
from ordergate.outbox.queue import OutboundMessage, queue_messages
from ordergate.parsers import sniff
from ordergate.parsers.email import read_mail
from ordergate.processing.email.replies import original_of
from ordergate.settings import Settings
from ordergate.sinks.email import OriginalMail, ReplyNotAllowed

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def queue_invoice_mails(conn: Connection, settings: Settings, catalog: Catalog, items: list, *,
                        now: datetime) -> None:
    """``items``: ``processing.invoices.InvoiceOut`` to send by mail."""
    from ordergate.processing.invoice_pdfs import render_invoice_pdfs
    from ordergate.sinks.email.invoice_mail import invoice_mail

    addressed = []
    for item in items:
        order = item.invoiced.order
        original = invoice_recipient(conn, settings, catalog, order.customer_id, order.document_id)
        if original is None:
            item.problem = (f"customer {order.customer_id} has no registered mail address, so the "
                            f"invoice PDF was not sent")
            continue
        addressed.append((item, original))
    pdfs = render_invoice_pdfs([item.invoiced.invoice for item, _ in addressed])
    messages, owners = [], []
    for (item, original), pdf in zip(addressed, pdfs):
        invoice = item.invoiced.invoice
        try:
            payload = invoice_mail(invoice, original, pdf, our_address=settings.mail_address,
                                   our_name=settings.mail_name, now=now)
        except ReplyNotAllowed as exc:
            item.problem = f"no invoice mail: {exc}"
            continue
        messages.append(OutboundMessage(
            dedupe_key=f"{EMAIL_INVOICE.name}:{invoice.invoice_number}", kind=EMAIL_INVOICE.name,
            partner_id=f"email:{invoice.customer_id}", customer_id=invoice.customer_id,
            destination=invoice.customer_id,
            filename=f"invoice_{_UNSAFE.sub('-', invoice.invoice_number)}.eml", payload=payload,
            order_id=invoice.order_id,
            acknowledges=((invoice.order_id, invoice.invoice_number[:35]),)
            if invoice.order_id else ()))
        owners.append(item)
    for item, queued in zip(owners, queue_messages(conn, messages, now)):
        item.outbound.append(queued)


def invoice_recipient(conn: Connection, settings: Settings, catalog: Catalog, customer_id: str,
                      document_id: int | None) -> OriginalMail | None:
    """The PO mail's thread when the order came by mail and the customer has no separate invoice
    address; else a new mail to ``invoice_email`` (or ``email``); None when there is neither."""
    customer = catalog.customers.get(customer_id)
    if customer is None:
        return None
    if document_id is not None and not customer.invoice_email:
        content = document_content(conn, document_id)
        if sniff.looks_like_mail(content):
            mail = read_mail(bytes(content), limits=settings.mail_limits)
            answer_to = catalog.reply_address(customer_id, mail.from_address)
            if answer_to:
                return original_of(mail, answer_to)
    address = customer.invoice_email or customer.email
    if not address:
        return None
    return OriginalMail(message_id=None, from_address=address, from_name=customer.name,
                        subject=None).addressed_to(address)
