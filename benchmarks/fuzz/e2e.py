"""The end-to-end slice: batches of generated documents through ``ingest_documents`` into a
throwaway SQLite home seeded with samples/masterdata, as ``ordergate ingest --json`` runs them.

Every document must end processed (with orders), failed with a reason that is not an
internal error, or duplicate; the report's JSON must parse. An internal error is re-raised
with the traceback ingest logged, so the engine groups it by where it happened.
"""

from __future__ import annotations

import logging
import random
from functools import cache

from . import gen_mail, gen_pdf, targets
from .targets import Target, Violation, check_json, check_reason

BATCH = 8


class InternalError(Exception):
    """ingest caught an unexpected exception and failed the document with 'internal error'."""


class _Caught(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@cache
def _home():
    engine, settings = targets.seeded_home("ordergate-fuzz-e2e-")
    caught = _Caught()
    logging.getLogger("ordergate").addHandler(caught)
    logging.getLogger("ordergate").setLevel(logging.ERROR)
    logging.getLogger("ordergate").propagate = False  # the tracebacks are reported, not printed
    return engine, settings, caught


def _document(rng: random.Random):
    from ordergate.documents import RawDocument

    kind = rng.choice(("x12", "x12", "edifact", "edifact", "tabular", "email", "pdf"))
    if kind == "pdf":  # PDFs arrive by mail
        content = gen_mail.mail(rng, [gen_pdf.pdf_file(rng)])
        return RawDocument(content=content, channel="email", source_ref="fuzz.pdf.eml")
    content = targets.TARGETS[kind].generate(rng)
    if kind == "tabular":
        return RawDocument(content=content, channel="dropfolder", source_ref="inbox/ACME/fuzz.csv",
                           customer_hint="ACME")
    channel = "email" if kind == "email" else "dropfolder"
    return RawDocument(content=content, channel=channel, source_ref=f"fuzz.{kind}")


def generate(rng: random.Random) -> list:
    return [_document(rng) for _ in range(BATCH)]


def run(batch: list) -> str:
    from ordergate.processing.ingest import ingest_documents

    engine, settings, caught = _home()
    caught.records.clear()
    report = ingest_documents(engine, settings, batch, actor="fuzz")
    check_json(report.to_json(), "the ingest --json report")
    if len(report.documents) != len(batch):
        raise Violation(f"{len(batch)} documents in, {len(report.documents)} reported")
    for document in report.documents:
        if document.error and "internal error" in document.error:
            record = next((r for r in caught.records if r.exc_info), None)
            if record is not None and record.exc_info[1] is not None:
                raise record.exc_info[1]
            raise InternalError(document.error)
        if document.status == "failed":
            check_reason(document.error, "a failed document")
        elif document.status == "processed":
            # An interchange of acknowledgements is processed with nothing to do (outcome.py).
            if not document.orders and not document.problems and document.format not in (
                    "x12", "edifact"):
                raise Violation(f"a {document.format} document processed without orders or a "
                                f"reason")
        elif document.status != "duplicate":
            raise Violation(f"a document ended {document.status!r}")
    return "batch"


def _as_bytes(batch: list) -> bytes:
    """The batch as one file: each document after a line naming its channel and hint."""
    parts = [f"=== {d.channel} {d.source_ref} {d.customer_hint}\n".encode() + d.content
             for d in batch]
    return b"\n".join(parts)


TARGET = Target("e2e", generate, run, _as_bytes)
