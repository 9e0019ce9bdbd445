"""Fixtures for the pipeline tests: settings with a temporary ORDERGATE_HOME, a database seeded
with the sample master data (on SQLite and on PostgreSQL, via the ``engine`` fixture), and
short-hands to ingest documents and deliver the outbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ordergate.documents import RawDocument
from ordergate.masterdata.seed import seed_masterdata
from ordergate.outbox.queue import Delivery, deliver_pending
from ordergate.processing.ingest import ingest_documents
from ordergate.processing.report import IngestReport
from ordergate.settings import Settings
from tests.kit.mailserver import TRUSTED_AUTHSERV_ID

MASTERDATA = Path(__file__).resolve().parents[2] / "samples" / "masterdata"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Every field the pipeline reads is given, so ORDERGATE_* variables of the caller do not leak in.
    return Settings(home=tmp_path / "home", database_url=None, x12_id="ZZ:ORDERGATE",
                    edifact_id="ORDERGATE", store_batch_size=2000, parallel_from_bytes=0,
                    mail_trusted_authserv_ids=TRUSTED_AUTHSERV_ID)


@pytest.fixture
def db(engine: Engine) -> Engine:
    """The migrated, empty ``engine`` (SQLite and PostgreSQL) with the sample master data."""
    seed_masterdata(engine, MASTERDATA)
    return engine


def as_raw(document: bytes | RawDocument, name: str) -> RawDocument:
    if isinstance(document, RawDocument):
        return document
    return RawDocument(content=document, channel="test", source_ref=name)


@pytest.fixture
def ingest(db: Engine, settings: Settings) -> Callable[..., IngestReport]:
    """``ingest(doc, doc, ...)``: one ``ingest_documents`` call over the given bytes."""
    calls = 0

    def run(*documents: bytes | RawDocument) -> IngestReport:
        nonlocal calls
        calls += 1
        raws = [as_raw(d, f"call{calls}/doc{n}.edi") for n, d in enumerate(documents, start=1)]
        return ingest_documents(db, settings, raws, actor="test")

    return run


@pytest.fixture
def deliver(db: Engine, settings: Settings) -> Callable[[], list[Delivery]]:
    return lambda: deliver_pending(db, settings.outbox)
