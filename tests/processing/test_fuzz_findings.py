"""Inputs the fuzzer (benchmarks/fuzz) found, each built here in its smallest form: every one
must end as a document with a status and a reason, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import zipfile

import pytest

from ordergate.documents import RawDocument
from ordergate.store import tables as t
from tests.kit.mailserver import authentication_results
from tests.kit.x12 import interchange, order_file, po_850, replace_once, rows


def storable(db, text: str) -> str:
    """What the database keeps of a text: PostgreSQL cannot hold NUL, so it holds ``\\x00``."""
    return text.replace("\x00", "\\x00") if db.dialect.name == "postgresql" else text


def test_an_edifact_recipient_with_a_nul_character_fails_the_document_with_a_storable_reason(
        db, ingest):
    """The recipient id goes into the rejection reason, and PostgreSQL text cannot hold NUL:
    finishing the document raised out of ingest_documents and the batch stopped there."""
    content = ("UNB+UNOA:2+5412345000013:14+ORDER\x00GATE+261120:0930+NUL1'"
               "UNH+1+ORDERS:D:96A:UN'BGM+220+NUL-1+9'UNT+3+1'UNZ+1+NUL1'").encode("latin-1")
    bad, good = ingest(content, order_file("AFTER-NUL", control=902)).documents
    assert bad.status == "failed"
    assert "ORDER" in bad.error and "not to us" in bad.error
    [stored] = rows(db, t.documents, t.documents.c.id == bad.document_id)
    assert (stored.status, stored.error) == ("failed", storable(db, bad.error))
    assert [o.status for o in good.orders] == ["accepted"]


def test_an_x12_receiver_with_a_nul_character_fails_the_document_with_a_storable_reason(
        db, ingest):
    content = replace_once(order_file("NUL-2", control=31), "*ORDERGATE      *",
                           "*ORDER\x00GATE      *")
    bad, good = ingest(content, order_file("AFTER-NUL", control=903)).documents
    assert bad.status == "failed"
    assert "ORDER" in bad.error and "not to us" in bad.error
    [stored] = rows(db, t.documents, t.documents.c.id == bad.document_id)
    assert (stored.status, stored.error) == ("failed", storable(db, bad.error))
    assert [o.status for o in good.orders] == ["accepted"]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_ctt_line_count_with_a_huge_exponent_rejects_the_set_not_the_document(db, ingest):
    huge = po_850("CTT-1")
    huge[-1] = ["CTT", "1E5000"]
    [document] = ingest(interchange(huge, po_850("OK-2"), control=32)).documents
    assert "internal error" not in (document.error or ""), document.error
    assert "OK-2" in [o.po_number for o in rows(db, t.orders)]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_csv_with_a_field_over_the_csv_field_limit_fails_with_a_reason(db, ingest):
    content = b"po_number,sku,quantity\nBIG-1,HW-1001," + b"9" * 140_000 + b"\n"
    raw = RawDocument(content=content, channel="dropfolder", source_ref="inbox/ACME/big.csv",
                      customer_hint="ACME")
    [document] = ingest(raw).documents
    assert document.status == "failed"
    assert "internal error" not in document.error, document.error


REJECTED_EDIFACT = ("UNA:+.? 'UNB+UNOC:3+5412345000013:14+ORDERGATE+261120:0930+MAIL1'"
                    "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+EU-MAIL-1+9'UNS+S'CNT+2:.'UNT+5+1'"
                    "UNZ+1+MAIL1'")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_mail_whose_edifact_attachment_is_rejected_fails_with_the_reason(db, ingest):
    mail = (f"Authentication-Results: {authentication_results('initech.example')}\r\n"
            "From: einkauf@initech.example\r\nTo: orders@ordergate.example\r\nSubject: PO\r\n"
            "Message-ID: <edi-1@initech.example>\r\nDate: Fri, 20 Nov 2026 09:30:00 +0000\r\n"
            "Content-Type: application/edifact; name=\"po.edi\"\r\n"
            "Content-Disposition: attachment; filename=\"po.edi\"\r\n\r\n"
            f"{REJECTED_EDIFACT}\r\n").encode("ascii")
    [document] = ingest(RawDocument(content=mail, channel="email", source_ref="edi-1")).documents
    [order] = document.orders
    assert order.status == "rejected" and "CNT" in order.hold_reasons[0]
    assert document.status == "failed"
    assert "CNT" in document.error, repr(document.error)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_an_iea_control_number_of_5000_digits_is_an_envelope_problem_not_an_internal_error(
        db, ingest):
    content = replace_once(order_file("LONG-IEA", control=33), "IEA*1*000000033",
                           "IEA*1*" + "0" * 5000 + "34")
    [document] = ingest(content).documents
    assert "internal error" not in (document.error or ""), document.error


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_an_edifact_interchange_with_a_backslash_terminator_and_line_breaks_is_read(db, ingest):
    segments = ["UNB+UNOC:3+5412345000013:14+ORDERGATE+261120:0930+BS1",
                "UNH+1+ORDERS:D:96A:UN:EAN008", "BGM+220+EU-BS-1+9", "LIN+1++4012345000016:EN",
                "QTY+21:12", "UNS+S", "UNT+6+1", "UNZ+1+BS1"]
    content = ("UNA:+.? \\" + "".join(s + "\\ \n" for s in segments)).encode("latin-1")
    [document] = ingest(content).documents
    assert "internal error" not in (document.error or ""), document.error
    assert [o.po_number for o in document.orders] == ["EU-BS-1"]


def zip_needing_version_16() -> bytes:
    """A workbook-like zip whose central directory asks for zip version 16.0 to extract."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6:central + 8] = (160).to_bytes(2, "little")  # version needed to extract
    return bytes(data)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_zip_of_an_unsupported_version_fails_as_an_unreadable_workbook(db, ingest):
    raw = RawDocument(content=zip_needing_version_16(), channel="dropfolder",
                      source_ref="inbox/ACME/order.xlsx", customer_hint="ACME")
    [document] = ingest(raw).documents
    assert document.status == "failed"
    assert "internal error" not in document.error, document.error
