"""PostgreSQL's statistics on ``orders`` are refreshed as a large document is stored, so the
look-up of a batch's orders by document and source key uses both halves of the unique index
instead of reading every order of the document (which made a 100,000-order interchange
slower as it went)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from ordergate.documents import RawDocument
from ordergate.masterdata.seed import seed_masterdata
from ordergate.processing.ingest import ingest_documents
from tests.kit.x12 import interchange, po_850, sku

MASTERDATA = Path(__file__).resolve().parents[2] / "samples" / "masterdata"

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg_db(pg_engine):
    seed_masterdata(pg_engine, MASTERDATA)
    return pg_engine


def last_analyze(engine):
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        return conn.execute(text("SELECT last_analyze FROM pg_stat_user_tables "
                                 "WHERE relname = 'orders'")).scalar_one()


def test_orders_are_analysed_during_a_document_of_several_batches(pg_db, settings):
    settings = settings.model_copy(update={"store_batch_size": 2})
    before = last_analyze(pg_db)  # the session's database: an earlier test may have analysed
    many = interchange(*(po_850(f"MANY-{n}", sku("HW-1001", "1")) for n in range(6)), control=2)
    report = ingest_documents(pg_db, settings, [_raw(many, "many.edi")], actor="test")
    assert report.documents[0].status == "processed" and len(report.documents[0].orders) == 6
    after = last_analyze(pg_db)
    assert after is not None and after != before


def _raw(content: bytes, name: str) -> RawDocument:
    return RawDocument(content=content, channel="test", source_ref=name)
