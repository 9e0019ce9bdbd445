"""Inputs the fuzzer (benchmarks/fuzz) found, each built here in its smallest form: every one
must end as a document with a status and a reason, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from ordergate.orders import tables as t

from .x12kit import interchange, order_file, po_850, replace_once, rows


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


def test_an_x12_receiver_with_a_nul_character_fails_the_document_with_a_storable_reason(
        request, db, ingest):
    known_on_postgresql(request, db, "the NUL of the receiver id reaches documents.error")
    content = replace_once(order_file("NUL-2", control=31), "*ORDERGATE      *",
                           "*ORDER\x00GATE      *")
    bad, good = ingest(content, order_file("AFTER-NUL", control=903)).documents
    assert bad.status == "failed"
    assert "ORDER" in bad.error and "not to us" in bad.error
    [stored] = rows(db, t.documents, t.documents.c.id == bad.document_id)
    assert (stored.status, stored.error) == ("failed", bad.error)
    assert [o.status for o in good.orders] == ["accepted"]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.xfail(strict=True, reason="x12_850 turns CTT01 into an int and prints it: 10^5000 "
                   "exceeds Python's 4300-digit limit (ValueError), 1E999999999 builds a "
                   "billion-digit int (hangs)")
def test_a_ctt_line_count_with_a_huge_exponent_rejects_the_set_not_the_document(db, ingest):
    huge = po_850("CTT-1")
    huge[-1] = ["CTT", "1E5000"]
    [document] = ingest(interchange(huge, po_850("OK-2"), control=32)).documents
    assert "internal error" not in (document.error or ""), document.error
    assert "OK-2" in [o.po_number for o in rows(db, t.orders)]
