"""One pass over a mailbox: fetch a batch, record each message, process it, move it.

The order matters for the promise that a message never makes two orders: the mail is stored
as a document and its mailbox identity (mailbox + UIDVALIDITY + UID) recorded before it is
processed, and it is moved out of the inbox only after its outcome is committed. A crash in
between leaves it in the inbox; the next pass finds the same bytes already stored and
finished, reports it as a duplicate, and moves it then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from ordergate.clock import utcnow
from ordergate.documents import RawDocument
from ordergate.masterdata.catalog import Catalog
from ordergate.orders.store import FAILED, IN_PROGRESS, store_document
from ordergate.processing.ingest import ingest_document
from ordergate.processing.report import DocumentReport
from ordergate.settings import Settings
from ordergate.sources.mailbox import FetchedMail, MailSource
from ordergate.store import tables as t
from ordergate.store.db import insert_ignore

CHANNEL = "email"


@dataclass(slots=True)
class MailPollReport:
    mailbox: str
    documents: list[DocumentReport] = field(default_factory=list)


def poll_mailbox(engine: Engine, settings: Settings, source: MailSource, *, actor: str,
                 limit: int | None = None) -> MailPollReport:
    """One batch from ``source`` (the caller opens it: ``ordergate.app.mail_source``)."""
    fetched = source.fetch(limit or settings.max_mails_per_run)
    report = MailPollReport(mailbox=fetched[0].ref.mailbox if fetched else "")
    if not fetched:
        return report
    with engine.connect() as conn:
        catalog = Catalog.load(conn, price_tolerance_percent=settings.price_tolerance_percent)
    for mail in fetched:
        document = process_mail(engine, settings, catalog, mail, actor=actor)
        report.documents.append(document)
        settle(source, mail, document)
    return report


def settle(source: MailSource, mail: FetchedMail, document: DocumentReport) -> None:
    """Move ``mail`` by what became of it, once its outcome is committed."""
    if document.status == IN_PROGRESS:
        return  # another poller has the same message: it moves it when done
    if document.status == FAILED:
        source.mark_failed(mail.ref)
    else:  # processed, or a duplicate of a mail already handled
        source.mark_processed(mail.ref)


def process_mail(engine: Engine, settings: Settings, catalog: Catalog, mail: FetchedMail, *,
                 actor: str) -> DocumentReport:
    raw = RawDocument(content=mail.raw, channel=CHANNEL, source_ref=str(mail.ref))
    stored = store_document(engine, raw)
    with engine.begin() as conn:  # the mailbox identity, before any work on the message
        conn.execute(insert_ignore(conn, t.mailbox_messages), {
            "mailbox": mail.ref.mailbox[:300], "uidvalidity": mail.ref.uidvalidity[:40],
            "uid": mail.ref.uid[:200], "document_id": stored.id, "seen_at": utcnow()})
    return ingest_document(engine, settings, catalog, raw, actor=actor)
