"""Reminders for overdue invoices: the invoice PDF again, by mail, to customers whose invoices
go by mail or CSV (EDI customers' systems track their own payables), at most once in any 7
days per invoice. The reminder's row and its mail are stored in one transaction, keyed by the
day: a rerun, or two workers at once, never send one twice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select

from ordergate.billing.invoicing import OPEN, from_json
from ordergate.masterdata.catalog import Catalog
from ordergate.outbox.kinds import EMAIL_INVOICE
from ordergate.outbox.queue import OutboundMessage, Queued, queue_messages
from ordergate.processing.email.invoices import invoice_recipient
from ordergate.processing.invoices import EDI, invoice_channel
from ordergate.settings import Settings
from ordergate.sinks.email import ReplyNotAllowed
from ordergate.store import tables as t
from ordergate.store.db import insert_ignore

EVERY_DAYS = 7
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(slots=True)
class Reminded:
    invoice_number: str
    customer_id: str
    days_overdue: int
    outbound: list[Queued] = field(default_factory=list)
    problem: str | None = None


def send_reminders(engine: Engine, settings: Settings, *, actor: str,
                   now: datetime) -> list[Reminded]:
    from ordergate.sinks.email.invoice_mail import invoice_mail
    from ordergate.sinks.invoice import render_invoice_pdf

    today = now.date()
    last = (select(t.invoice_reminders.c.invoice_id,
                   func.max(t.invoice_reminders.c.sent_on).label("last"))
            .group_by(t.invoice_reminders.c.invoice_id).subquery())
    query = (select(t.invoices, t.orders.c.format, t.orders.c.document_id, last.c.last)
             .outerjoin(t.orders, t.orders.c.id == t.invoices.c.order_id)
             .outerjoin(last, last.c.invoice_id == t.invoices.c.id)
             .where(t.invoices.c.status == OPEN, t.invoices.c.kind == "invoice",
                    t.invoices.c.due_date < today)
             .order_by(t.invoices.c.due_date, t.invoices.c.id))
    done: list[Reminded] = []
    with engine.begin() as conn:
        catalog = Catalog.load(conn)
        formats = {}
        for row in conn.execute(query).all():
            if row.last is not None and (today - row.last).days < EVERY_DAYS:
                continue
            if row.document_id not in formats:
                formats[row.document_id] = conn.execute(select(t.documents.c.format).where(
                    t.documents.c.id == row.document_id)).scalar()
            if invoice_channel(row, formats[row.document_id], catalog) == EDI:
                continue
            invoice = from_json(row.document)
            reminded = Reminded(row.invoice_number, row.customer_id, (today - row.due_date).days)
            done.append(reminded)
            taken = conn.execute(insert_ignore(conn, t.invoice_reminders)
                                 .returning(t.invoice_reminders.c.invoice_id),
                                 {"invoice_id": row.id, "sent_on": today, "actor": actor}).first()
            if taken is None:
                reminded.problem = "already reminded today"
                continue
            original = invoice_recipient(conn, settings, catalog, row.customer_id, row.document_id)
            if original is None:
                reminded.problem = f"customer {row.customer_id} has no registered mail address"
                continue
            try:
                payload = invoice_mail(invoice, original, render_invoice_pdf(invoice),
                                       our_address=settings.mail_address,
                                       our_name=settings.mail_name, now=now, reminder=True)
            except ReplyNotAllowed as exc:
                reminded.problem = str(exc)
                continue
            reminded.outbound = queue_messages(conn, [OutboundMessage(
                dedupe_key=f"reminder:{row.invoice_number}:{today.isoformat()}",
                kind=EMAIL_INVOICE.name, partner_id=f"email:{row.customer_id}",
                customer_id=row.customer_id, destination=row.customer_id,
                filename=f"reminder_{_UNSAFE.sub('-', row.invoice_number)}_{today:%Y%m%d}.eml",
                payload=payload, order_id=row.order_id)], now)
    return done
