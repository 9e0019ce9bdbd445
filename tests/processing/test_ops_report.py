"""The operations report's figures against values counted by hand on a small database: three
orders over two days and two channels, one held, one shipped in part, known timestamps."""

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import update

from ordergate.processing.ops_report import Period, build_report, reason_kind
from ordergate.store import tables as t

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "x12"


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=timezone.utc)


def test_the_figures_are_the_ones_counted_by_hand(db, ingest, deliver, settings):
    from ordergate.fulfilment.shipping import ShipLine, ShipmentRequest
    from ordergate.processing.shipments import ship

    report = ingest((SAMPLES / "acme_4500012345.edi").read_bytes(),
                    (SAMPLES / "acme_two_orders.edi").read_bytes())
    deliver()
    first, second = report.documents
    [one] = first.orders
    two, held = second.orders
    assert (one.status, two.status, held.status) == ("accepted", "accepted", "held")
    with db.begin() as conn:  # the week set by hand below: the sample PO is dated later
        conn.execute(update(t.orders).where(t.orders.c.id == one.order_id)
                     .values(po_date=date(2026, 11, 1)))
    [request] = [ShipmentRequest(order_id=one.order_id, carrier="UPSN", tracking_number="T1",
                                 ship_date=date(2026, 11, 4), source="test",
                                 lines=(ShipLine(1, Decimal(10)), ShipLine(2, Decimal(2))))]
    [shipped] = ship(db, settings, [request], actor="wh", now=at(4, 10, 0, 5))
    assert shipped.result.status == "shipped"
    with db.begin() as conn:  # the clock of a real week, set by hand
        conn.execute(update(t.documents).where(t.documents.c.id == first.document_id)
                     .values(received_at=at(2, 10)))
        conn.execute(update(t.documents).where(t.documents.c.id == second.document_id)
                     .values(received_at=at(3, 9)))
        conn.execute(update(t.orders).where(t.orders.c.id == one.order_id)
                     .values(created_at=at(2, 10, 0, 5)))
        conn.execute(update(t.orders).where(t.orders.c.id.in_([two.order_id, held.order_id]))
                     .values(created_at=at(3, 9, 0, 5), channel="dropfolder"))
        for order_id, sent in ((one.order_id, at(2, 10, 0, 10)), (two.order_id, at(3, 9, 0, 25))):
            outbox_id = conn.execute(t.order_acknowledgements.select().where(
                t.order_acknowledgements.c.order_id == order_id,
                t.order_acknowledgements.c.kind == "855")).one().outbox_id
            conn.execute(update(t.outbox).where(t.outbox.c.id == outbox_id).values(sent_at=sent))
        conn.execute(update(t.stock).where(t.stock.c.sku == "HW-1001")
                     .values(reorder_point=Decimal(300)))
        conn.execute(update(t.stock).where(t.stock.c.sku == "HW-1002")
                     .values(reorder_point=Decimal(1)))

    figures = build_report(db, Period(date(2026, 11, 1), date(2026, 11, 30)))

    assert figures.orders == 3
    assert figures.orders_per_day == [{"day": "2026-11-02", "channel": "test", "orders": 1},
                                      {"day": "2026-11-03", "channel": "dropfolder", "orders": 2}]
    # touchless: accepted and never held; the held order needed a person
    assert figures.touchless_by_channel == [
        {"channel": "dropfolder", "orders": 2, "touchless": 1, "rate": 0.5},
        {"channel": "test", "orders": 1, "touchless": 1, "rate": 1.0}]
    assert figures.touchless_by_customer == [
        {"customer_id": "ACME", "orders": 3, "touchless": 2, "rate": 0.6667}]
    assert figures.hold_reasons == [{"reason": "unknown item", "count": 1, "share": 1.0,
                                     "cumulative": 1.0}]
    # receipt 10:00:00 → 855 sent 10:00:10; receipt 09:00:00 → 09:00:25; the held one has none
    assert figures.ack_seconds == [{"channel": "dropfolder", "orders": 1, "p50": 25.0, "p95": 25.0},
                                   {"channel": "test", "orders": 1, "p50": 10.0, "p95": 10.0}]
    # 10 of 10 CS and 2 of 4 CS shipped, 0 of 2 EA: 12 of 16; two days from order to shipment
    assert (figures.fill_rate, figures.shipped_orders) == (0.75, 1)
    assert figures.hours_to_ship == {"p50": 48.0, "p95": 48.0}
    # HW-1001: 240 on hand - 10 shipped = 230, nothing allocated, below 300
    assert figures.below_reorder_point == [{"sku": "HW-1001", "available": 230.0,
                                            "reorder_point": 300.0}]
    assert build_report(db, Period(date(2026, 12, 1), date(2026, 12, 31))).orders == 0


def test_a_reason_is_counted_by_its_kind_not_its_detail():
    assert reason_kind("line 2: unknown item (tried vendor part 'XX-9999')") == "unknown item"
    assert reason_kind("credit limit exceeded: 1,200.00 over 1,000.00") == "credit limit exceeded"
    assert reason_kind("sender not authenticated") == "sender not authenticated"


def test_the_page_and_charts_are_made_from_the_figures(tmp_path):
    from ordergate.processing.ops_report import OpsReport
    from ordergate.sinks.charts import render_charts, report_markdown

    figures = OpsReport(
        since="2026-11-01", until="2026-11-30", orders=3,
        orders_per_day=[{"day": "2026-11-02", "channel": "email", "orders": 3}],
        touchless_by_channel=[{"channel": "email", "orders": 3, "touchless": 2, "rate": 0.6667}],
        touchless_by_customer=[{"customer_id": "A|CME", "orders": 3, "touchless": 2,
                                "rate": 0.6667}],
        hold_reasons=[{"reason": "unknown item", "count": 1, "share": 1.0, "cumulative": 1.0}],
        ack_seconds=[{"channel": "email", "orders": 2, "p50": 1.5, "p95": 2.0}])
    charts = render_charts(figures)
    assert set(charts) == {"orders_per_day", "touchless", "hold_reasons", "ack_seconds"}
    assert all(png.startswith(b"\x89PNG") for png in charts.values())
    page = report_markdown(figures, {"touchless": "touchless.png"})
    assert "![touchless](touchless.png)" in page and "| A\\|CME | 3 | 2 | 66\\.7 % |" in page
