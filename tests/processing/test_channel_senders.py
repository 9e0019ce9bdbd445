"""An EDI file that came for one customer (its drop folder, ``--customer``) may only hold that
customer's interchanges: the envelope is the sender's text and cannot choose whose order it is."""

from __future__ import annotations

from ordergate.documents import RawDocument
from ordergate.store import tables as t
from tests.kit import edifact as edifactkit
from tests.kit.x12 import GLOBEX, order_file, outbox, rows


def dropped(content: bytes, customer: str) -> RawDocument:
    return RawDocument(content=content, channel="dropfolder", source_ref=f"inbox/{customer}/po.edi",
                       customer_hint=customer)


def test_globexs_850_in_acmes_drop_folder_makes_no_order_and_sends_nothing(db, ingest):
    [document] = ingest(dropped(order_file("G-1", sender=GLOBEX), "ACME")).documents
    assert document.status == "failed"
    assert document.error == ("the drop folder inbox/ACME/ says the file is customer ACME's, but it "
                              "holds an interchange from X12 sender 12:5551234567 (customer GLOBEX); "
                              "no order was made and nothing was sent")
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_an_orders_file_given_with_another_customer_is_refused(db, ingest):
    raw = RawDocument(content=edifactkit.order_file("I-1", *edifactkit.GOOD_LINES), channel="cli",
                      source_ref="orders.edi", customer_hint="ACME")
    [document] = ingest(raw).documents
    assert document.status == "failed" and document.error.startswith("--customer ACME says")
    assert "EDIFACT sender 5412345000013:14 (customer INITECH)" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_a_customers_own_850_in_its_folder_is_processed(db, ingest):
    [document] = ingest(dropped(order_file("A-1"), "ACME")).documents
    assert document.status == "processed"
    assert [(o.po_number, o.customer_id) for o in document.orders] == [("A-1", "ACME")]
    assert sorted(m.kind for m in outbox(db)) == ["855", "997"]
