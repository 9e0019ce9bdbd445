"""CSV/XLSX/XLS order files through the whole pipeline: detection, the customer (column, drop
folder, --customer), checked and stored orders, bad rows, duplicates, and the CSV
acknowledgement in the outbox. Runs on SQLite and PostgreSQL.

The third-party files of ../shared/corpus/csv (or $ORDERGATE_CORPUS) are read in place; without
them that test skips, except in strict mode (tests/kit/strict.py), where it fails.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from ordergate.documents import RawDocument
from ordergate.processing.ingest import ingest_documents
from ordergate.processing.registry import FORMATS
from ordergate.sinks.csv.ack import ACK_COLUMNS
from ordergate.store import tables as t
from tests.kit.corpus import CORPUS, require_corpus
from tests.kit.x12 import order_file, outbox, rows, sku

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "csv"

HEADER = ("customer_id,po_number,sku,quantity,uom,unit_price,"
          "ship_to_name,ship_to_street,ship_to_city,ship_to_postal_code,ship_to_country")
NO_CUSTOMER_HEADER = HEADER.removeprefix("customer_id,")
ADDRESS = "Acme DC East,400 Industrial Pkwy,Columbus,43215,US"


def table(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode("utf-8")


def dropped(content: bytes, folder: str, name: str = "orders.csv") -> RawDocument:
    """As the drop folder reads inbox/<folder>/<name>."""
    return RawDocument(content=content, channel="dropfolder", source_ref=f"/inbox/{folder}/{name}",
                       customer_hint=folder)


def given(content: bytes, customer: str, name: str = "orders.csv") -> RawDocument:
    """As ``ordergate ingest FILE --customer CUSTOMER`` reads it."""
    return RawDocument(content=content, channel="cli", source_ref=f"/tmp/{name}",
                       customer_hint=customer)


def ack_rows(payload: bytes) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(payload.decode("utf-8"), newline=""))
    assert tuple(reader.fieldnames or ()) == ACK_COLUMNS
    return list(reader)


def stored_orders(db, document_id: int) -> list[tuple[str, str, str]]:
    return [(o.po_number, o.customer_id, o.status)
            for o in rows(db, t.orders, t.orders.c.document_id == document_id)]


# ---------------------------------------------------------------- detection
def test_tables_are_detected_by_content_and_prose_is_not_a_table():
    assert FORMATS.detect((SAMPLES / "acme_4500012400.csv").read_bytes()) == "csv"
    assert FORMATS.detect((SAMPLES / "initech_0047110815.csv").read_bytes()) == "csv"
    assert FORMATS.detect(b"Hello, Anna.\nThanks, Bob\n") is None
    assert FORMATS.detect(b"Dear team,\nwe need bolts, nuts\nand washers, soon\n") is None
    assert FORMATS.detect(xlsx([["po_number", "sku", "quantity"], ["P-1", "HW-1001", 2]])) == "xlsx"
    assert FORMATS.detect(b"ISA*00*") == "x12" and FORMATS.detect(b"UNB+UNOC:3") == "edifact"
    assert FORMATS.detect(b"%PDF-1.7") == "pdf"
    mail = b"From: a@b.example\nTo: c@d.example\nSubject: x\n\nhi, there\n"
    assert FORMATS.detect(mail) == "email"


def test_prose_is_refused_as_no_known_format(ingest):
    [document] = ingest(dropped(b"Hello, Anna.\nThanks, Bob\n", "ACME", "note.txt")).documents
    assert document.status == "failed" and "not a format ordergate reads" in document.error


# ---------------------------------------------------------------- the customer
def test_customer_from_the_customer_id_column(db, ingest):
    content = (SAMPLES / "acme_4500012400.csv").read_bytes()
    [document] = ingest(RawDocument(content=content, channel="dropfolder",
                                    source_ref="/inbox/acme_4500012400.csv")).documents
    assert (document.format, document.status, document.error) == ("csv", "processed", None)
    assert [(o.po_number, o.customer_id) for o in document.orders] == [("4500012400", "ACME")]
    assert stored_orders(db, document.document_id) == [("4500012400", "ACME", "accepted")]
    [ack] = outbox(db, "csv-ack")
    assert (ack.destination, ack.customer_id, ack.document_id) == \
        ("ACME", "ACME", document.document_id)
    assert [(r["po_number"], r["sku"], r["status"]) for r in ack_rows(ack.payload)] == [
        ("4500012400", "HW-1001", "accepted"), ("4500012400", "HW-1020", "accepted"),
        ("4500012400", "JS-2001", "accepted")]


def test_customer_from_the_drop_folder(db, ingest):
    content = (SAMPLES / "initech_0047110815.csv").read_bytes()  # no customer column
    [document] = ingest(dropped(content, "INITECH", "initech_0047110815.csv")).documents
    assert document.status == "processed", document.error
    [order] = document.orders
    assert (order.po_number, order.customer_id, order.currency) == ("0047110815", "INITECH", "EUR")
    [ack] = outbox(db, "csv-ack")
    assert ack.destination == "INITECH" and ack.filename == \
        f"initech_0047110815_ack_{document.document_id}.csv"


def test_customer_from_the_command_line(db, ingest):
    content = table(f"P-CLI-1,OF-3001,2,CS,22.90,{ADDRESS}", header=NO_CUSTOMER_HEADER)
    [document] = ingest(given(content, "GLOBEX")).documents
    assert document.status == "processed", document.error
    assert stored_orders(db, document.document_id) == [("P-CLI-1", "GLOBEX", "accepted")]
    assert [m.destination for m in outbox(db, "csv-ack")] == ["GLOBEX"]


@pytest.mark.parametrize("arrive, hint, fragments", [
    (dropped, "NOSUCH", ("inbox/NOSUCH/", "'NOSUCH'", "not a known customer")),
    (given, "NOSUCH", ("--customer NOSUCH", "not a known customer")),
    (dropped, "acme", ("inbox/acme/", "did you mean 'ACME'?")),
], ids=["drop folder", "--customer", "case slip"])
def test_a_hint_naming_an_unknown_customer_fails_the_document(db, ingest, arrive, hint, fragments):
    # The file's own customer column names a known customer: the hint still decides.
    [document] = ingest(arrive(table(f"ACME,P-1,HW-1001,1,CS,16.50,{ADDRESS}"), hint)).documents
    assert document.status == "failed"
    for fragment in fragments:
        assert fragment in document.error, (fragment, document.error)
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_an_unknown_customer_in_the_column_fails_naming_row_and_column(db, ingest):
    content = table(f"NOSUCH,P-1,HW-1001,1,CS,16.50,{ADDRESS}")
    [document] = ingest(content).documents
    assert document.status == "failed"
    assert "customer 'NOSUCH'" in document.error and "row 2" in document.error
    assert "customer column" in document.error and "customers.csv" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_a_file_without_any_customer_says_how_to_give_one(db, ingest):
    content = table(f"P-1,HW-1001,1,CS,16.50,{ADDRESS}", header=NO_CUSTOMER_HEADER)
    [document] = ingest(content).documents
    assert document.status == "failed"
    assert "no customer for this file" in document.error
    assert "inbox/<customer_id>/" in document.error and "--customer" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_without_a_customer_no_column_map_is_tried_and_the_error_says_so(db, ingest):
    # Headers only a customer's column map could name.
    [document] = ingest(b"Beleg;Teil;Stueckzahl\nB-1;SF-4001;3\n").documents
    assert document.status == "failed"
    assert "no header row found" in document.error
    assert "without a customer" in document.error and "--customer" in document.error


def test_an_unreadable_file_from_a_known_customer_gets_a_one_row_negative_ack(db, ingest):
    [document] = ingest(dropped(b"Beleg;Teil;Stueckzahl\nB-1;SF-4001;3\n", "INITECH",
                                "export.csv")).documents
    assert document.status == "failed" and "no header row found" in document.error
    [ack] = outbox(db, "csv-ack")
    assert ack.destination == "INITECH" and [o.kind for o in document.outbound] == ["csv-ack"]
    assert ack.filename == f"export_ack_{document.document_id}_refused.csv"
    [row] = ack_rows(ack.payload)
    assert (row["po_number"], row["status"], row["reason"]) == ("", "rejected", document.error)


def test_the_initech_export_without_its_folder_has_no_customer(db, ingest):
    [document] = ingest((SAMPLES / "initech_0047110815.csv").read_bytes()).documents
    assert document.status == "failed" and "no customer for this file" in document.error
    assert rows(db, t.orders) == []


# ---------------------------------------------------------------- orders and bad rows
def test_several_pos_with_one_bad_row_store_the_good_ones_and_ack_all(db, ingest):
    content = table(f"ACME,P-A,HW-1001,2,CS,16.50,{ADDRESS}",
                    f"GLOBEX,P-B,OF-3001,1,CS,22.90,{ADDRESS}",
                    f"ACME,P-C,HW-1002,3,CS,9.75,{ADDRESS}",
                    f"ACME,P-C,HW-1003,lots,CS,6.40,{ADDRESS}",
                    f"ACME,P-D,HW-1003,4,CS,6.40,{ADDRESS}")
    [document] = ingest(dropped(content, "ACME")).documents

    assert (document.status, document.error) == ("processed", None)
    assert stored_orders(db, document.document_id) == [("P-A", "ACME", "accepted"),
                                                       ("P-D", "ACME", "accepted")]
    # GLOBEX's row in a file from ACME's folder is ACME's text, not GLOBEX's order.
    assert any("row 3, column 'customer_id': names customer 'GLOBEX'" in p for p in document.problems)
    assert any("row 5, column 'quantity'" in p and "'lots'" in p for p in document.problems)
    refused = {o.po_number: o for o in document.orders if o.status == "rejected"}
    assert sorted(refused) == ["P-B", "P-C"] and refused["P-C"].order_id is None

    acks = {m.destination: ack_rows(m.payload) for m in outbox(db, "csv-ack")}
    assert sorted(acks) == ["ACME"]  # nothing goes to GLOBEX
    assert [(r["po_number"], r["line_number"], r["status"]) for r in acks["ACME"]] == [
        ("P-A", "1", "accepted"), ("P-D", "1", "accepted"), ("P-B", "", "rejected"),
        ("P-C", "", "rejected")]
    rejected = acks["ACME"][-1]
    assert rejected["order_id"] == "" and "row 5" in rejected["reason"] \
        and "'lots' is not a number" in rejected["reason"]
    assert "file holds only its sender's orders" in acks["ACME"][-2]["reason"]


def test_a_file_whose_pos_all_fail_is_failed_with_the_first_reasons_and_a_negative_ack(db, ingest):
    content = table(f"ACME,P-X,HW-1001,none,CS,16.50,{ADDRESS}",
                    f"ACME,P-Y,HW-1001,-1,CS,16.50,{ADDRESS}")
    [document] = ingest(dropped(content, "ACME")).documents
    assert document.status == "failed"
    assert "row 2" in document.error and "'none' is not a number" in document.error
    assert rows(db, t.orders) == []
    [ack] = outbox(db, "csv-ack")
    assert [(r["po_number"], r["status"]) for r in ack_rows(ack.payload)] == [
        ("P-X", "rejected"), ("P-Y", "rejected")]


def test_the_ack_lists_every_line_with_what_was_resolved_and_why(db, ingest):
    content = table(f"ACME,P-ACK,HW-1001,2,CS,,{ADDRESS}",
                    f"ACME,P-ACK,XX-0000,5,EA,1.00,{ADDRESS}")
    [document] = ingest(dropped(content, "ACME")).documents
    [order] = document.orders
    [ack] = outbox(db, "csv-ack")
    first, second = ack_rows(ack.payload)
    # No price on the row: the customer learns the one we will charge.
    assert [first[c] for c in ("po_number", "order_id", "line_number", "sku", "buyer_part",
                               "quantity", "uom", "unit_price")] == \
        ["P-ACK", str(order.order_id), "1", "HW-1001", "", "2", "CS", "16.50"]
    # The order is held for line 2, so line 1 waits with it and says why.
    assert order.status == "held" and first["status"] == "held"
    assert "line 2: unknown item" in first["reason"]
    assert (second["line_number"], second["sku"], second["quantity"], second["status"]) == \
        ("2", "", "5", "unknown_item")
    assert "line 2: unknown item (tried vendor part 'XX-0000')" in second["reason"]
    assert ack.payload.endswith(b"\r\n") and ack.kind == "csv-ack"


def test_large_files_are_stored_and_acknowledged_in_batches(db, settings):
    small = settings.model_copy(update={"store_batch_size": 2})
    content = table(*(f"ACME,P-{n},HW-1001,1,CS,16.50,{ADDRESS}" for n in range(5)))
    [document] = ingest_documents(db, small, [dropped(content, "ACME", "big.csv")],
                                  actor="test").documents
    assert document.status == "processed" and len(document.orders) == 5
    acks = outbox(db, "csv-ack")
    doc = document.document_id
    assert [m.filename for m in acks] == [f"big_ack_{doc}.csv", f"big_ack_{doc}_2.csv",
                                          f"big_ack_{doc}_3.csv"]
    acked = [r["po_number"] for m in acks for r in ack_rows(m.payload)]
    assert acked == [f"P-{n}" for n in range(5)]
    links = rows(db, t.order_acknowledgements)
    assert sorted(link.order_id for link in links) == sorted(o.order_id for o in document.orders)


# ---------------------------------------------------------------- duplicates
def test_a_redropped_file_is_a_duplicate_document(db, ingest):
    content = table(f"ACME,P-R,HW-1001,1,CS,16.50,{ADDRESS}")
    [first] = ingest(dropped(content, "ACME", "r.csv")).documents
    [again] = ingest(dropped(content, "ACME", "r-copy.csv")).documents
    assert (again.status, again.document_id) == ("duplicate", first.document_id)
    assert f"document {first.document_id}" in again.error
    assert len(rows(db, t.orders)) == 1 and len(outbox(db, "csv-ack")) == 1


def test_a_po_already_received_by_edi_is_a_duplicate_order(db, ingest):
    [edi] = ingest(order_file("4711", sku("HW-1001", qty="1"))).documents
    [original] = edi.orders
    content = table(f"ACME,4711,HW-1001,1,CS,16.50,{ADDRESS}",
                    f"ACME,4712,HW-1001,1,CS,16.50,{ADDRESS}")
    [document] = ingest(dropped(content, "ACME")).documents
    assert document.status == "processed"
    assert [(o.po_number, o.status, o.order_id) for o in document.orders][0] == \
        ("4711", "duplicate", original.order_id)
    assert f"already received as order {original.order_id}" in document.orders[0].hold_reasons[0]
    assert stored_orders(db, document.document_id) == [("4712", "ACME", "accepted")]
    [ack] = outbox(db, "csv-ack")
    duplicate = ack_rows(ack.payload)[0]
    assert (duplicate["po_number"], duplicate["order_id"], duplicate["status"]) == \
        ("4711", str(original.order_id), "duplicate")


# ---------------------------------------------------------------- workbooks
def xlsx(sheet_rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in sheet_rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_made_with_openpyxl_becomes_orders_with_typed_cells(db, ingest):
    content = xlsx([
        ["Order export"],
        ["PO Number", "Order Date", "Item #", "Qty", "Unit Price", "Ship To", "Street", "City",
         "Zip", "Country"],
        ["00815", datetime(2026, 3, 2), "HW-1001", 12, 16.5, "Acme DC", "1 Main St", "Columbus",
         "43215", "US"],
        ["00815", datetime(2026, 3, 2), "HW-1002", 2.5, 9.75, "Acme DC", "1 Main St", "Columbus",
         "43215", "US"],
        ["00816", datetime(2026, 3, 3), "HW-1003", 1, 6.4, "Acme DC", "1 Main St", "Columbus",
         "43215", "US"],
    ])
    [document] = ingest(given(content, "ACME", "export.xlsx")).documents
    assert (document.format, document.status) == ("xlsx", "processed"), document.error
    first, second = document.orders
    assert (first.po_number, second.po_number) == ("00815", "00816")  # leading zeros kept
    assert [(line.quantity, line.unit_price) for line in first.lines] == [
        (Decimal("12"), Decimal("16.5")), (Decimal("2.5"), Decimal("9.75"))]
    [stored] = rows(db, t.orders, t.orders.c.po_number == "00815")
    assert stored.po_date.isoformat() == "2026-03-02" and stored.customer_id == "ACME"
    [ack] = outbox(db, "csv-ack")
    assert ack.filename == f"export_ack_{document.document_id}.csv"
    assert [r["po_number"] for r in ack_rows(ack.payload)] == ["00815", "00815", "00816"]


def test_a_damaged_workbook_fails_with_a_readable_reason(db, ingest):
    content = xlsx([["po_number", "sku", "quantity"], ["P-1", "HW-1001", 1]])
    [document] = ingest(given(content[:len(content) // 2], "ACME", "cut.xlsx")).documents
    assert document.status == "failed"
    assert "internal error" not in (document.error or "") and "\n" not in document.error


def test_a_workbook_that_would_unfold_to_gigabytes_fails_with_the_reason(db, ingest):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "PO"
    sheet["A1"], sheet["XFD1"], sheet["A10000"] = "po_number", "x", "y"
    buffer = io.BytesIO()
    workbook.save(buffer)
    [document] = ingest(dropped(buffer.getvalue(), "ACME", "wide.xlsx")).documents
    assert document.status == "failed"
    assert "sheet 'PO' uses columns up to XFD (16,384); at most 256 (IV) are read" in document.error
    [ack] = outbox(db, "csv-ack")  # the customer learns why, as for any refused file
    assert ack_rows(ack.payload)[0]["reason"] == document.error


def test_the_parse_budget_of_the_settings_applies_to_workbooks(db, settings, monkeypatch):
    import time

    from ordergate.parsers import guard
    from ordergate.parsers.tabular import read

    monkeypatch.setattr(guard, "_GRACE_SECONDS", 0.0)
    # The child that reads the workbook takes far longer than the budget: a slow read made
    # certain, rather than a large workbook that a fast machine may read within it.
    real_check = read.check_xlsx
    monkeypatch.setattr(read, "check_xlsx", lambda *a, **k: (time.sleep(30), real_check(*a, **k)))
    workbook = openpyxl.Workbook()
    workbook.active["A1"], workbook.active["B1"] = "po_number", "quantity"
    buffer = io.BytesIO()
    workbook.save(buffer)
    hurried = settings.model_copy(update={"parse_max_seconds": 0.5})
    [document] = ingest_documents(db, hurried, [dropped(buffer.getvalue(), "ACME", "slow.xlsx")],
                                  actor="test").documents
    assert document.status == "failed"
    assert "reading the XLSX workbook took longer than 0.5 s and was stopped" in document.error


# ---------------------------------------------------------------- third-party files
def corpus_files() -> list[Path]:
    folder = CORPUS / "csv"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def test_every_corpus_table_ends_processed_or_failed_with_a_readable_reason(db, settings):
    require_corpus(CORPUS / "csv")
    raws = [dropped(path.read_bytes(), "ACME", path.name) for path in corpus_files()]
    report = ingest_documents(db, settings, raws, actor="test")
    outcomes = {Path(d.path).name: (d.format, d.status) for d in report.documents}
    for document in report.documents:
        assert document.format in ("csv", "xlsx", "xls"), document.path
        assert document.status in ("processed", "failed"), document.path
        if document.status == "failed":
            assert "internal error" not in document.error and "\n" not in document.error
    # The files the tabular reader understands without a column map become ACME's orders.
    assert outcomes["miniwms__purchaseorders.xlsx"] == ("xlsx", "processed")
    assert outcomes["miniwms__purchaseorders.xls"] == ("xls", "processed")
    assert outcomes["rfscanner__PO_409650.csv"] == ("csv", "processed")
    assert outcomes["ocaedi__order_file_test1.csv"] == ("csv", "failed")
