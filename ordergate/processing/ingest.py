"""The one entry point the command line and the flows share: raw documents in, reports out.

Each document is stored first, then processed by the handler for its sniffed format. A bad
document ends as ``failed`` with a reason; an unexpected error in one document is logged with
its traceback, marks that document failed, and the batch carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Engine

from ordergate.buffers import as_bytes, is_blank, is_mapped
from ordergate.clock import utcnow
from ordergate.documents import RawDocument
from ordergate.errors import DocumentError
from ordergate.formats import DocumentFormat
from ordergate.masterdata.catalog import Catalog
from ordergate.parsers.email import mail_title
from ordergate.orders.store import (
    DUPLICATE,
    FAILED,
    IN_PROGRESS,
    finish_document,
    store_document,
)
from ordergate.processing.context import DocumentContext
from ordergate.processing.edi_budget import edi_limits
from ordergate.processing.handlers import FormatHandler
from ordergate.processing.pipeline import collector_paused
from ordergate.processing.registry import FORMATS
from ordergate.processing.report import DocumentReport, IngestReport, OrderReports
from ordergate.settings import Settings
from ordergate.sources.files import HEAD_BYTES
from ordergate.store.claims import (
    ClaimRefused,
    DocumentClaim,
    FinishedMeanwhile,
    claim_document,
    claim_kept_alive,
    release_claim,
)

log = logging.getLogger(__name__)


class ForeignSender(DocumentError):
    """An EDI file whose envelopes name another sender than the customer its channel names."""


def ingest_documents(engine: Engine, settings: Settings, raws: Iterable[RawDocument], *,
                     actor: str, spool_orders: bool = False) -> IngestReport:
    """``spool_orders``: keep every order's report (on disk) for ``IngestReport.write_json``;
    otherwise a report keeps counts and a bounded sample (``report.OrderReports``)."""
    catalog = None
    report = IngestReport()
    for raw in raws:
        if catalog is None:  # once per batch: master data does not change under a batch
            with engine.connect() as conn:
                catalog = Catalog.load(
                    conn, price_tolerance_percent=settings.price_tolerance_percent)
        with collector_paused():
            report.documents.append(ingest_document(engine, settings, catalog, raw, actor=actor,
                                                    spool_orders=spool_orders))
    return report


def ingest_document(engine: Engine, settings: Settings, catalog: Catalog, raw: RawDocument, *,
                    actor: str, spool_orders: bool = False) -> DocumentReport:
    stored = store_document(engine, raw)
    report = DocumentReport(path=raw.source_ref, document_id=stored.id, format=None, status=DUPLICATE,
                            orders=OrderReports(spool=spool_orders))
    if not stored.needs_processing:
        report.error = _already_received(stored.id, stored.status)
        return report
    with engine.begin() as conn:
        claim = claim_document(conn, stored.id, now=utcnow(),
                               lease_seconds=settings.document_lease_seconds)
    if isinstance(claim, FinishedMeanwhile):
        report.error = _already_received(stored.id, claim.status)
        return report
    if isinstance(claim, ClaimRefused):
        report.status, report.error = IN_PROGRESS, claim.reason()
        return report
    ctx = DocumentContext(engine=engine, settings=settings, catalog=catalog,
                          document_id=stored.id, channel=raw.channel, now=utcnow(), actor=actor,
                          report=report, formats=FORMATS, customer_hint=raw.customer_hint,
                          claim=claim)
    finished = False
    try:
        with claim_kept_alive(engine, claim):
            _process_claimed(ctx, raw)
        finished = True
    finally:
        if not finished:  # the worker is stopping (Ctrl-C, shutdown): the next one resumes now
            _give_back(engine, claim)
    if report.format == DocumentFormat.EMAIL:
        report.title = mail_title(as_bytes(raw.content))
    return report


def _already_received(document_id: int, status: str) -> str:
    return f"the same content was already received as document {document_id} ({status})"


def _process_claimed(ctx: DocumentContext, raw: RawDocument) -> None:
    """Process the document this worker has claimed and record its outcome in ``ctx.report``."""
    report, document_id = ctx.report, ctx.document_id
    content = raw.content
    # A mapped file is a large X12 interchange (``sources.files``): its head tells its format.
    fmt = ctx.formats.detect(content[:HEAD_BYTES] if is_mapped(content) else content)
    report.format = fmt
    if is_mapped(content) and (fmt is None or not ctx.formats[fmt].reads_maps):
        content = as_bytes(content)
    try:
        status, error = _process(ctx, fmt, content)
    except DocumentError as exc:
        status, error = FAILED, str(exc)
    except Exception as exc:  # a bug must not sink the batch; the document is kept for replay
        log.exception("internal error while processing document %s (%s)", document_id, raw.source_ref)
        status, error = FAILED, (f"internal error ({type(exc).__name__}: {exc}); the document is "
                                 f"kept as {document_id} and can be replayed once this is fixed")
    report.status, report.error = status, error
    with ctx.engine.begin() as conn:
        if release_claim(conn, ctx.claim):
            finish_document(conn, document_id, status, fmt=fmt, error=error)
            return
    # Its lease ran out and another worker took the document over: that one records it.
    lease = ctx.settings.document_lease_seconds
    log.warning("document %s was taken over by another worker while this one processed it "
                "(lease %s s); its outcome is left to that worker", document_id, lease)
    report.status = IN_PROGRESS
    report.error = (f"document {document_id} was taken over by another worker: this worker's "
                    f"claim ran out after {lease} s (document_lease_seconds)")


def _give_back(engine: Engine, claim: DocumentClaim) -> None:
    try:
        with engine.begin() as conn:
            release_claim(conn, claim)
    except Exception:  # the database may be what failed; the lease runs out on its own
        log.warning("could not give back the claim on document %s", claim.document_id, exc_info=True)


def _process(ctx: DocumentContext, fmt: str | None, content: bytes) -> tuple[str, str | None]:
    if is_blank(content):
        return FAILED, "the file is empty"
    if fmt is None:
        head = content[:40].decode("latin-1").encode("unicode_escape").decode("ascii")
        return FAILED, (f"not a format ordergate reads (expected an X12 interchange starting with "
                        f"ISA, an EDIFACT one starting with UNA or UNB, or an email message); the "
                        f"file starts with '{head}'")
    handler = ctx.formats[fmt]
    if handler.process is None:
        return FAILED, (f"{fmt} documents are not processed yet; supported formats: "
                        f"{', '.join(ctx.formats.processable())}")
    if ctx.customer_hint is not None and handler.foreign_senders is not None:
        _refuse_foreign_senders(ctx, handler, content)
    return handler.process(ctx, content)


def _refuse_foreign_senders(ctx: DocumentContext, handler: FormatHandler, content: bytes) -> None:
    """A file that came for a customer (its drop folder, ``--customer``) may only hold that
    customer's interchanges: nothing in it is read or answered otherwise."""
    foreign = handler.foreign_senders(ctx.catalog, content, ctx.customer_hint,
                                      edi_limits(ctx.settings, content))
    if foreign:
        more = f" (and {len(foreign) - 3} more)" if len(foreign) > 3 else ""
        raise ForeignSender(f"{ctx.hint_origin()} says the file is customer {ctx.customer_hint}'s, "
                            f"but it holds {'; '.join(foreign[:3])}{more}; no order was made and "
                            f"nothing was sent")
