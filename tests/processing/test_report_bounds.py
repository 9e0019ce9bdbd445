"""A report's memory does not grow with the document: orders are counted, a bounded number is
kept (held and rejected ones first among the rest), and ``--json`` streams every order from a
spool file, in the same JSON the report always printed."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from ordergate.cli.output import MAX_REASONS, render_ingest_summary
from ordergate.processing import report as report_module
from ordergate.processing.report import (
    DocumentReport,
    IngestReport,
    LineReport,
    OrderReport,
    OrderReports,
    OutboundReport,
)


def order(number: int, status: str = "accepted") -> OrderReport:
    return OrderReport(order_id=number, po_number=f"PO-{number}", customer_id="ACME", status=status,
                       hold_reasons=["credit limit exceeded"] if status == "held" else [],
                       total=Decimal("12.50"), currency="USD", source_key=str(number),
                       lines=[LineReport(1, "BP-1", "HW-1", Decimal("2"), "EA", Decimal("6.25"),
                                         "accepted")])


@pytest.fixture
def small_bound(monkeypatch):
    monkeypatch.setattr(report_module, "KEPT_ORDERS", 3)


def test_orders_are_counted_all_and_kept_up_to_the_bound_with_held_ones_after_it(small_bound):
    orders = OrderReports()
    orders.extend(order(n) for n in range(1, 6))
    orders.extend(order(n, "held") for n in range(6, 11))
    assert len(orders) == 10
    assert orders.counts() == {"accepted": 5, "held": 5}
    # the first three, then held ones up to as many again; the rest counted only
    assert [o.order_id for o in orders] == [1, 2, 3, 6, 7, 8]
    assert orders.omitted == 4


def test_json_streams_every_spooled_order_and_reads_as_the_plain_report(small_bound):
    spooled = DocumentReport(path="a.x12", document_id=7, format="x12", status="processed",
                             problems=["a \"quoted\" problem"],
                             orders=OrderReports(spool=True),
                             outbound=[OutboundReport(kind="997", path="/out/997_1.x12")])
    spooled.orders.extend(order(n, "held" if n % 4 == 0 else "accepted") for n in range(1, 9))
    empty = DocumentReport(path="b.x12", document_id=8, format=None, status="failed", error="bad")
    report = IngestReport(documents=[spooled, empty])
    out = io.StringIO()
    report.write_json(out)
    text = out.getvalue()
    data = json.loads(text)
    assert [o["order_id"] for o in data["documents"][0]["orders"]] == list(range(1, 9))
    assert "orders_omitted" not in data["documents"][0]
    assert data["documents"][0]["orders"][0]["lines"][0] == {
        "line_number": 1, "buyer_part": "BP-1", "sku": "HW-1", "quantity": "2", "uom": "EA",
        "unit_price": "6.25", "status": "accepted", "reason": None}
    assert data["documents"][1]["orders"] == [] and data["documents"][1]["error"] == "bad"
    # byte for byte what json.dumps makes of the same data: the stream is plain pretty JSON
    assert text == json.dumps(data, indent=2, ensure_ascii=True)
    # the spool is read again for a second printing, not used up
    assert json.loads(report.to_json()) == data


def test_without_a_spool_the_json_says_how_many_orders_it_left_out(small_bound):
    document = DocumentReport(path="a.x12", document_id=1, format="x12", status="processed")
    document.orders.extend(order(n) for n in range(1, 6))
    data = json.loads(IngestReport(documents=[document]).to_json())
    assert [o["order_id"] for o in data["documents"][0]["orders"]] == [1, 2, 3]
    assert data["documents"][0]["orders_omitted"] == 2
    assert json.loads(IngestReport(documents=[document]).to_json(indent=None)) == data


def test_json_escapes_what_a_sender_wrote():
    bad = order(1)
    bad.po_number = "PO\x1b[31m\u202e"
    document = DocumentReport(path="a.x12", document_id=1, format="x12", status="processed",
                              orders=OrderReports([bad], spool=True))
    text = IngestReport(documents=[document]).to_json()
    assert text.isascii() and "\\u001b[31m\\u202e" in text
    assert json.loads(text)["documents"][0]["orders"][0]["po_number"] == bad.po_number


def test_the_summary_lists_a_bounded_number_of_reasons_and_counts_the_rest():
    document = DocumentReport(path="a.x12", document_id=1, format="x12", status="processed")
    document.orders.extend(order(n, "held") for n in range(MAX_REASONS + 25))
    text = render_ingest_summary(IngestReport(documents=[document]))
    assert text.count("credit limit exceeded") == MAX_REASONS
    assert "... and 25 more held or rejected orders" in text
    assert f"orders: 0 accepted, {MAX_REASONS + 25} held" in text


def test_problems_are_kept_up_to_a_bound_and_the_rest_counted(monkeypatch):
    monkeypatch.setattr(report_module, "MAX_PROBLEMS", 2)
    document = DocumentReport(path="a.x12", document_id=1, format="x12", status="processed")
    document.problems.extend(f"set {n}: bad" for n in range(5))
    document.problems.append("one more")
    assert document.problems == ["set 0: bad", "set 1: bad"]
    data = json.loads(IngestReport(documents=[document]).to_json())["documents"][0]
    assert data["problems"] == ["set 0: bad", "set 1: bad"] and data["problems_omitted"] == 4


def test_a_report_crosses_a_process_with_its_counts_and_kept_orders_not_its_spool():
    import pickle

    document = DocumentReport(path="a.x12", document_id=1, format="x12", status="processed",
                              orders=OrderReports([order(1, "held"), order(2)], spool=True))
    copy = pickle.loads(pickle.dumps(document))
    assert copy.orders.counts() == {"held": 1, "accepted": 1} and copy.orders == list(document.orders)
    assert not copy.orders.spooled and document.orders.spooled
