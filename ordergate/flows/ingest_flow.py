"""The drop-folder ingest flow: a task per file (parsing and storing in batches inside it),
then delivery of the outbox, then the run's artifacts."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from ordergate.app import open_engine
from ordergate.flows.artifacts import publish
from ordergate.flows.events import emit_hold_events
from ordergate.flows.outbox_flow import deliver_outbox_task
from ordergate.printable import printable
from ordergate.processing.dropfolder_run import ingest_drop_file
from ordergate.processing.report import DocumentReport, IngestReport
from ordergate.settings import Settings
from ordergate.sources.dropfolder import DropFile, scan_inbox


def _file_run_name() -> str:
    """The task run's name in the UI: the file's name, which its sender chose, escaped."""
    from prefect.runtime import task_run

    return f"ingest {printable(task_run.parameters['drop'].path.name)}"


@task(name="ingest-file", task_run_name=_file_run_name)
def ingest_file_task(drop: DropFile, actor: str) -> DocumentReport:
    settings = Settings()
    return ingest_drop_file(open_engine(settings), settings, drop, actor=actor)


@flow(name="ingest-drop-folder", log_prints=False)
def ingest_drop_folder(max_files: int | None = None, deliver: bool = True) -> IngestReport:
    """Take up to ``max_files`` files from the inbox (the rest wait for the next run, so a run
    stays in the tens of tasks), process each, deliver acknowledgements."""
    from prefect.runtime import flow_run

    settings = Settings()
    logger = get_run_logger()
    files = scan_inbox(settings.inbox, limit=max_files or settings.max_files_per_run)
    actor = f"flow:ingest-drop-folder/{flow_run.get_name() or flow_run.get_id()}"
    report = IngestReport(documents=[ingest_file_task(drop, actor) for drop in files])
    if deliver:
        deliver_outbox_task()
    counts = report.order_counts()
    logger.info("%d files; orders %s", len(files), counts)
    publish(report, key_prefix="ingest")
    emit_hold_events(report)
    return report
