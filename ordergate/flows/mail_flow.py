"""The mailbox flow: take a batch of mail (IMAP, or the local Maildir), turn each into a
document with its orders, move it to Processed or Failed, deliver the replies.

One task for the batch rather than one per mail: a mail is small and a busy mailbox would
otherwise cost hundreds of task runs per flow run (see README: Prefect's local server stalls
after about a thousand in quick succession). Each mail is still one document in the run's
artifacts, with its reason when it failed.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from ordergate.app import mail_source, open_engine
from ordergate.flows.artifacts import publish
from ordergate.flows.events import emit_hold_events
from ordergate.flows.outbox_flow import deliver_outbox_task
from ordergate.flows.retries import network_retries
from ordergate.processing.mail_run import poll_mailbox
from ordergate.processing.report import IngestReport
from ordergate.settings import Settings


# Retried on a lost connection: mail already stored is recognised by its mailbox identity
# and only moved, so a second try makes no second order.
@task(name="ingest-mail-batch", **network_retries())
def ingest_mail_batch_task(actor: str, limit: int | None = None) -> IngestReport:
    settings = Settings()
    with mail_source(settings) as source:
        polled = poll_mailbox(open_engine(settings), settings, source, actor=actor, limit=limit)
    return IngestReport(documents=polled.documents)


@flow(name="ingest-mailbox", log_prints=False)
def ingest_mailbox(max_mails: int | None = None, deliver: bool = True) -> IngestReport:
    from prefect.runtime import flow_run

    actor = f"flow:ingest-mailbox/{flow_run.get_name() or flow_run.get_id()}"
    report = ingest_mail_batch_task(actor, max_mails)
    if deliver:
        deliver_outbox_task()
    get_run_logger().info("%d mails; orders %s", len(report.documents), report.order_counts())
    publish(report, key_prefix="mail")
    emit_hold_events(report)
    return report
