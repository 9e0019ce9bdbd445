"""The mailbox flow: take a batch of mail (IMAP, or the local Maildir), turn each into a
document with its orders in a task of its own, move it to Processed or Failed, deliver the
replies.

A task per mail, as per file: each mail's run in the UI is named by its sender and subject,
ends Failed with the reason when the mail could not be read, and logs what it became. The
batch is bounded by ``ORDERGATE_MAX_MAILS_PER_RUN`` so a busy mailbox stays in the tens of
task runs per flow run (Prefect's local server stalls after about a thousand in quick
succession). Fetching and moving mail are tasks of their own that retry a lost connection;
a mail already stored is recognised by its mailbox identity and only moved, so a second try
makes no second order.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from ordergate.app import mail_source, open_engine
from ordergate.flows.artifacts import publish, refresh_standing
from ordergate.flows.events import emit_document_events
from ordergate.flows.outbox_flow import deliver_outbox_task
from ordergate.flows.retries import network_retries
from ordergate.flows.story import document_state, name_run, outcomes, run_state, tell
from ordergate.masterdata.catalog import Catalog
from ordergate.printable import printable
from ordergate.parsers.email import mail_title
from ordergate.processing.mail_run import process_mail, settle
from ordergate.processing.report import DocumentReport, IngestReport
from ordergate.settings import Settings
from ordergate.sources.mailbox import FetchedMail
from ordergate.store.installation import installation_id


@task(name="fetch-mail", **network_retries())
def fetch_mail_task(limit: int | None = None) -> list[FetchedMail]:
    settings = Settings()
    with mail_source(settings) as source:
        return source.fetch(limit or settings.max_mails_per_run)


def _mail_run_name() -> str:
    from prefect.runtime import task_run

    return f"mail {printable(mail_title(task_run.parameters['mail'].raw))}"[:200]


@task(name="ingest-mail", task_run_name=_mail_run_name)
def ingest_mail_task(mail: FetchedMail, actor: str) -> DocumentReport:
    settings = Settings()
    engine = open_engine(settings)
    with engine.connect() as conn:
        catalog = Catalog.load(conn, price_tolerance_percent=settings.price_tolerance_percent)
    report = process_mail(engine, settings, catalog, mail, actor=actor)
    tell(report, get_run_logger())
    emit_document_events(report, installation_id(engine))
    return document_state(report)


@task(name="file-mail", **network_retries())
def file_mail_task(done: list[tuple[FetchedMail, DocumentReport]]) -> None:
    """Move each mail to Processed or Failed (a mail another poller holds stays)."""
    with mail_source(Settings()) as source:
        for mail, document in done:
            settle(source, mail, document)


@flow(name="ingest-mailbox", log_prints=False)
def ingest_mailbox(max_mails: int | None = None, deliver: bool = True) -> IngestReport:
    from prefect.runtime import flow_run

    actor = f"flow:ingest-mailbox/{flow_run.get_name() or flow_run.get_id()}"
    fetched = fetch_mail_task(max_mails)
    documents = outcomes(ingest_mail_task(mail, actor, return_state=True) for mail in fetched)
    report = IngestReport(documents=documents)
    if fetched:
        file_mail_task(list(zip(fetched, documents)))
    if deliver:
        deliver_outbox_task()
    get_run_logger().info("%d mails; orders %s", len(report.documents), report.order_counts())
    if report.documents:  # an empty poll leaves the artifacts of the last run that did work
        publish(report, key_prefix="mail")
        name_run(report, "mails", "email")
        refresh_standing(open_engine(Settings()))
    return run_state(report, "mails")
