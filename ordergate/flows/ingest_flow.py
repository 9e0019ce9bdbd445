"""The drop-folder ingest flow: a task per file (parsing and storing in batches inside it),
then delivery of the outbox, then the run's artifacts. A file that failed ends its task run
Failed, and the run Failed with it (``flows.story``)."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from ordergate.app import open_engine
from ordergate.flows.artifacts import publish, refresh_standing
from ordergate.flows.events import emit_document_events, emit_work_events
from ordergate.flows.outbox_flow import deliver_outbox_task
from ordergate.flows.story import document_state, name_run, outcomes, run_state, tell
from ordergate.printable import printable
from ordergate.processing.dropfolder_run import ingest_drop_file
from ordergate.processing.report import DocumentReport, IngestReport
from ordergate.processing.shipment_files import SHIPMENTS_FORMAT
from ordergate.settings import Settings
from ordergate.sources.dropfolder import DropFile, scan_inbox
from ordergate.store.installation import installation_id


def _file_run_name() -> str:
    """The task run's name in the UI: the file's name, which its sender chose, escaped."""
    from prefect.runtime import task_run

    return f"ingest {printable(task_run.parameters['drop'].path.name)}"


@task(name="ingest-file", task_run_name=_file_run_name)
def ingest_file_task(drop: DropFile, actor: str) -> DocumentReport:
    settings = Settings()
    engine = open_engine(settings)
    report = ingest_drop_file(engine, settings, drop, actor=actor)
    tell(report, get_run_logger())
    emit_document_events(report, installation_id(engine))
    return document_state(report)


@flow(name="ingest-drop-folder", log_prints=False)
def ingest_drop_folder(max_files: int | None = None, deliver: bool = True) -> IngestReport:
    """Take up to ``max_files`` files from the inbox (the rest wait for the next run, so a run
    stays in the tens of tasks), process each, deliver acknowledgements."""
    from prefect.runtime import flow_run

    settings = Settings()
    logger = get_run_logger()
    files = scan_inbox(settings.inbox, limit=max_files or settings.max_files_per_run)
    actor = f"flow:ingest-drop-folder/{flow_run.get_name() or flow_run.get_id()}"
    report = IngestReport(documents=outcomes(
        ingest_file_task.with_options(tags=_file_tags(drop))(drop, actor, return_state=True)
        for drop in files))
    if any(document.format == SHIPMENTS_FORMAT for document in report.documents):
        emit_work_events(open_engine(settings), actor)  # what the warehouse's file shipped
    if deliver:
        deliver_outbox_task()
    logger.info("%d files; orders %s", len(files), report.order_counts())
    if report.documents:  # an empty poll leaves the artifacts of the last run that did work
        publish(report, key_prefix="ingest")
        name_run(report, "files", "dropfolder")
        refresh_standing(open_engine(settings))
    return run_state(report, "files")


def _file_tags(drop: DropFile) -> list[str]:
    tags = ["channel:dropfolder"]
    if drop.customer_hint:
        tags.append(f"customer:{printable(drop.customer_hint)[:60]}")
    return tags
