"""Ingesting files: drop-folder files (moved to archive/failed afterwards) and plain paths."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from ordergate.clock import utcnow
from ordergate.documents import RawDocument
from ordergate.orders.store import IN_PROGRESS
from ordergate.outbox.queue import Mailer
from ordergate.processing.delivery import deliver
from ordergate.processing.ingest import ingest_documents
from ordergate.processing.report import DocumentReport, IngestReport
from ordergate.processing.shipment_files import SHIPMENTS_FOLDER, import_stored
from ordergate.settings import Settings
from ordergate.sources.files import read_document
from ordergate.sources.dropfolder import DropFile, finish_drop_file, read_drop_file


TAKEN_BY_ANOTHER_WORKER = ("the file left the inbox after this run listed it: another worker "
                           "sharing the inbox took it")


def ingest_drop_file(engine: Engine, settings: Settings, drop: DropFile, *, actor: str) -> DocumentReport:
    """One inbox file: store, process, then move it to archive/ (or failed/). A file another
    worker is processing stays where it is, for that worker to move; one that left the inbox
    since it was listed was taken by another worker sharing the inbox."""
    try:
        raw = read_drop_file(drop)
    except FileNotFoundError:
        return DocumentReport(path=str(drop.path), document_id=None, format=None,
                              status=IN_PROGRESS, error=TAKEN_BY_ANOTHER_WORKER)
    if drop.customer_hint == SHIPMENTS_FOLDER:  # the warehouse's confirmations
        document, _ = import_stored(engine, settings, raw, actor=actor, now=utcnow())
    else:
        document = ingest_documents(engine, settings, [raw], actor=actor).documents[0]
    if document.status == IN_PROGRESS:
        return document
    finish_drop_file(drop, archive=settings.archive, failed=settings.failed,
                     document_id=document.document_id, ok=document.status != "failed")
    return document


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, folders as the files directly inside them (sorted), a Maildir as the
    messages in its new/ and cur/."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir():
            files.extend(p for sub in ("new", "cur") for p in sorted((path / sub).iterdir())
                         if p.is_file() and not p.name.startswith("."))
        elif path.is_dir():
            files.extend(p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return files


def ingest_paths(engine: Engine, settings: Settings, paths: list[Path], *, actor: str,
                 customer: str | None = None, spool_orders: bool = False) -> IngestReport:
    """Files named on the command line: processed in place, never moved, each read only when
    its turn comes (a folder of large interchanges is never in memory at once). Files that
    cannot be read are reported first."""
    missing: list[DocumentReport] = []

    def raws():
        for path in expand_paths(paths):
            try:
                content = read_document(path)
            except OSError as exc:
                missing.append(DocumentReport(path=str(path), document_id=None, format=None,
                                              status="failed",
                                              error=f"cannot read the file: {exc.strerror}"))
                continue
            yield RawDocument(content=content, channel="cli", source_ref=str(path),
                              customer_hint=customer)

    report = ingest_documents(engine, settings, raws(), actor=actor, spool_orders=spool_orders)
    report.documents[:0] = missing
    return report


def deliver_and_annotate(engine: Engine, settings: Settings, report: IngestReport, *,
                         mailer: Mailer | None) -> None:
    """Deliver what is pending and mark each reported outbound message with its status."""
    delivered = {str(d.path): d.status for d in deliver(engine, settings, mailer=mailer)}
    for document in report.documents:
        for outbound in document.outbound:
            outbound.status = delivered.get(outbound.path, outbound.status)
