"""Inputs the fuzzer (benchmarks/fuzz) found, each built here in its smallest form: every one
must end as a document with a status and a reason, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from ordergate.orders import tables as t

from .x12kit import order_file, rows


def known_on_postgresql(request, db, reason: str) -> None:
    """Strict, so the test says so once the fix lands on PostgreSQL."""
    if db.dialect.name == "postgresql":
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def test_an_edifact_recipient_with_a_nul_character_fails_the_document_with_a_storable_reason(
        request, db, ingest):
    """The recipient id goes into the rejection reason, and PostgreSQL text cannot hold NUL:
    finishing the document raised out of ingest_documents and the batch stopped there."""
    known_on_postgresql(request, db, "the NUL of the recipient id reaches documents.error")
    content = ("UNB+UNOA:2+5412345000013:14+ORDER\x00GATE+261120:0930+NUL1'"
               "UNH+1+ORDERS:D:96A:UN'BGM+220+NUL-1+9'UNT+3+1'UNZ+1+NUL1'").encode("latin-1")
    bad, good = ingest(content, order_file("AFTER-NUL", control=902)).documents
    assert bad.status == "failed"
    assert "ORDER" in bad.error and "not to us" in bad.error
    [stored] = rows(db, t.documents, t.documents.c.id == bad.document_id)
    assert (stored.status, stored.error) == ("failed", bad.error)
    assert [o.status for o in good.orders] == ["accepted"]
