"""Fulfilment on the real store (SQLite and PostgreSQL): picking, shipping with notices in the
order's own standard, backorders filled by receipts, cancelling, and shipment files imported
once however often they arrive."""

from __future__ import annotations

import threading
import warnings
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydifact.segmentcollection import Interchange
from sqlalchemy import select

from ordergate.errors import UsageError
from ordergate.fulfilment.receiving import Receipt
from ordergate.fulfilment.shipping import ShipLine, ShipmentRequest
from ordergate.processing.fulfilment import cancel, pick, receive_stock
from ordergate.processing.shipment_files import import_shipments
from ordergate.processing.shipments import ship
from ordergate.store import tables as t
from tests.kit import edifact as edifactkit
from tests.kit.stock import line, lines_of, set_stock, stock_of, stored_order
from tests.kit.x12 import outbox, replies, rows

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=timezone.utc)
SSCC = "106141411234567897"


def x12_order(ingest, po: str, *items, control: int = 1) -> int:
    from tests.kit.x12 import order_file

    [document] = ingest(order_file(po, *items, control=control)).documents
    [order] = document.orders
    assert order.status == "accepted", order
    return order.order_id


def shipping(db, settings, order_id: int, tracking: str, *lines: tuple[int, str], package=None):
    request = ShipmentRequest(order_id=order_id, carrier="UPSN", tracking_number=tracking,
                              ship_date=date(2026, 12, 6), source="test",
                              lines=tuple(ShipLine(n, Decimal(q)) for n, q in lines) or None,
                              package_id=package)
    [shipped] = ship(db, settings, [request], actor="test:warehouse", now=NOW)
    return shipped


def quantities(db, order_id: int) -> list[tuple]:
    return [(row.line_number, row.quantity.normalize(), (row.ship_quantity or Decimal(0)).normalize(),
             row.picked_quantity.normalize(), row.shipped_quantity.normalize())
            for row in lines_of(db, order_id)]


def test_a_partial_then_a_final_shipment_each_send_an_856(db, ingest, settings):
    order_id = x12_order(ingest, "4711", line("HW-1001", 10), line("HW-1002", 4))
    before = stock_of(db, "HW-1001")

    first = shipping(db, settings, order_id, "1Z-A", (1, "6"), package=SSCC)
    assert (first.result.status, first.result.order_status) == ("shipped", "partially_shipped")
    assert quantities(db, order_id) == [(1, 10, 10, 6, 6), (2, 4, 4, 0, 0)]
    after = stock_of(db, "HW-1001")
    assert (before.on_hand - after.on_hand, before.allocated - after.allocated) == (6, 6)

    second = shipping(db, settings, order_id, "1Z-B")  # everything allocated and unshipped
    assert second.result.order_status == "shipped"
    assert [(l.line_number, l.quantity) for l in second.result.notice.lines] == [(1, 4), (2, 4)]
    assert stored_order(db, order_id).status == "shipped"
    notices = replies(db, "856")
    assert len(notices) == 2
    ts = notices[0].only_set("856")
    assert [s[1:] for s in ts.segments if s[0] == "REF" and s[1] == "CN"] == [["CN", "1Z-A"]]
    assert [s for s in ts.segments if s[0] == "MAN"] == [["MAN", "GM", "00" + SSCC]]
    assert [s[2] for s in ts.segments if s[0] == "SN1"] == ["6"]
    assert [s[2] for s in notices[1].only_set("856").segments if s[0] == "SN1"] == ["4", "4"]
    events = rows(db, t.order_events, t.order_events.c.order_id == order_id)
    assert [(e.from_status, e.to_status, e.actor) for e in events][1:] == [
        ("accepted", "partially_shipped", "test:warehouse"),
        ("partially_shipped", "shipped", "test:warehouse")]


def test_shipping_more_than_allocated_an_unknown_line_or_a_held_order_records_nothing(
        db, ingest, settings):
    order_id = x12_order(ingest, "4712", line("HW-1001", 3))
    too_many = shipping(db, settings, order_id, "T-1", (1, "4"))
    assert too_many.result.status == "refused"
    assert "4 is more than the 3 allocated and not yet shipped" in too_many.result.reason
    assert "has no line 7" in shipping(db, settings, order_id, "T-2", (7, "1")).result.reason
    assert shipping(db, settings, order_id, "T-4", (1, "1.5")).result.reason == \
        "line 1 (HW-1001): 1.5 CS is not a whole number of CS"
    assert rows(db, t.shipments) == [] and outbox(db, "856") == []
    assert quantities(db, order_id) == [(1, 3, 3, 0, 0)]
    cancel(db, settings, order_id, reason="not needed", actor="ops", now=NOW)
    refused = shipping(db, settings, order_id, "T-3")
    assert "is cancelled: only accepted, picking or partially shipped orders ship" in \
        refused.result.reason


def test_the_same_tracking_number_for_the_same_order_is_one_shipment(db, ingest, settings):
    order_id = x12_order(ingest, "4713", line("HW-1001", 5))
    assert shipping(db, settings, order_id, "T-9", (1, "2")).result.status == "shipped"
    again = shipping(db, settings, order_id, "T-9", (1, "2"))
    assert again.result.status == "duplicate" and again.outbound == []
    assert len(rows(db, t.shipments)) == 1
    assert quantities(db, order_id) == [(1, 5, 5, 2, 2)]


def test_the_same_shipment_told_with_other_lines_is_refused_not_passed_over(db, ingest, settings):
    order_id = x12_order(ingest, "4745", line("HW-1001", 5))
    assert shipping(db, settings, order_id, "T-9", (1, "2")).result.status == "shipped"
    other = shipping(db, settings, order_id, "T-9", (1, "3"))
    assert other.result.status == "refused"
    assert other.result.reason == (
        f"order {order_id} with tracking number T-9 was recorded before (shipment "
        f"{rows(db, t.shipments)[0].id}) with other lines or quantities; nothing was changed (a "
        f"shipment once recorded stays as it was)")
    assert quantities(db, order_id) == [(1, 5, 5, 2, 2)]
    assert shipping(db, settings, order_id, "T-9", (1, "2.000")).result.status == "duplicate"


def test_an_sscc_ships_once_and_a_ship_date_is_neither_ahead_nor_before_the_po(db, ingest,
                                                                               settings):
    first = x12_order(ingest, "4746", line("HW-1001", 5), control=1)
    second = x12_order(ingest, "4747", line("HW-1001", 5), control=2)
    assert shipping(db, settings, first, "T-1", (1, "1"), package=SSCC).result.status == "shipped"
    again = shipping(db, settings, second, "T-2", (1, "1"), package=SSCC)
    shipment_id = rows(db, t.shipments)[0].id
    assert again.result.reason == (f"package {SSCC} went out before, in shipment {shipment_id}: "
                                   f"an SSCC names one package and is never used twice")
    both = ship(db, settings, [
        ShipmentRequest(order_id=order_id, carrier="UPSN", tracking_number=f"T-3{order_id}",
                        ship_date=date(2026, 12, 6), source="test", package_id=package)
        for order_id, package in ((first, "106141411234567880"), (second, "106141411234567880"))],
        actor="test", now=NOW)
    assert [b.result.status for b in both] == ["shipped", "refused"]
    assert "is in another shipment of the same batch" in both[1].result.reason

    def shipped_on(day: date) -> str:
        [result] = ship(db, settings, [ShipmentRequest(
            order_id=second, carrier="UPSN", tracking_number=f"T-{day}", ship_date=day,
            source="test")], actor="test", now=NOW)
        return result.result.reason or result.result.status

    assert shipped_on(date(2030, 1, 1)) == ("the ship date 2030-01-01 is in the future: record a "
                                            "shipment once it has left")
    po_date = stored_order(db, second).po_date
    assert shipped_on(po_date - timedelta(days=1)) == (
        f"the ship date {po_date - timedelta(days=1)} is before the PO's date {po_date}")
    assert shipped_on(NOW.date() + timedelta(days=1)) == "shipped"  # a time zone ahead


def test_a_bad_package_id_is_refused_by_its_check_digit(db, ingest, settings):
    order_id = x12_order(ingest, "4714", line("HW-1001", 5))
    refused = shipping(db, settings, order_id, "T-1", package="106141411234567890")
    assert "check digit is 0, but the digits before it give 7" in refused.result.reason


def test_a_backorder_filled_by_a_receipt_then_ships(db, ingest, settings):
    set_stock(db, "HW-1020", on_hand=Decimal(3), allocated=Decimal(0))
    order_id = x12_order(ingest, "4715", line("HW-1020", 5))
    assert quantities(db, order_id) == [(1, 5, 3, 0, 0)]
    shipping(db, settings, order_id, "T-1")
    filled = receive_stock(db, [Receipt("HW-1020", Decimal(10), "DN-1")], actor="dock", now=NOW)
    assert [(f.order_id, f.line_number, f.quantity, f.still_open) for f in filled] == [
        (order_id, 1, 2, 0)]
    assert (stock_of(db, "HW-1020").on_hand, stock_of(db, "HW-1020").allocated) == (10, 2)
    with pytest.raises(UsageError, match="DN-1 was booked before"):
        receive_stock(db, [Receipt("HW-1020", Decimal(10), "DN-1")], actor="dock", now=NOW)
    assert stock_of(db, "HW-1020").on_hand == 10  # the refused receipt booked nothing
    final = shipping(db, settings, order_id, "T-2")
    assert [(l.line_number, l.quantity, l.open_quantity) for l in final.result.notice.lines] == [
        (1, 2, 0)]
    assert stored_order(db, order_id).status == "shipped"


def test_a_receipt_fills_the_oldest_backorders_first_and_never_more_than_it_brought(
        db, ingest, settings):
    set_stock(db, "HW-1020", on_hand=Decimal(0), allocated=Decimal(0))
    older = x12_order(ingest, "4716", line("HW-1020", 4), control=1)
    newer = x12_order(ingest, "4717", line("HW-1020", 4), control=2)
    filled = receive_stock(db, [Receipt("HW-1020", Decimal(5), "DN-2")], actor="dock", now=NOW)
    assert [(f.order_id, f.quantity) for f in filled] == [(older, 4), (newer, 1)]
    assert [q[2] for q in quantities(db, older) + quantities(db, newer)] == [4, 1]
    assert stock_of(db, "HW-1020").allocated == 5


def test_cancelling_gives_stock_and_credit_back_and_answers_rj_with_ir_lines(db, ingest, settings):
    order_id = x12_order(ingest, "4718", line("HW-1001", 10))
    before = stock_of(db, "HW-1001").allocated
    total = stored_order(db, order_id).total
    [exposure_before] = rows(db, t.customer_exposure, t.customer_exposure.c.customer_id == "ACME")
    assert total > 0 and exposure_before.open_orders >= total
    done = cancel(db, settings, order_id, reason="customer withdrew the PO", actor="ops:ann", now=NOW)
    assert done.status == "cancelled" and [q.kind for q in done.outbound] == ["855"]
    assert before - stock_of(db, "HW-1001").allocated == 10
    [exposure] = rows(db, t.customer_exposure, t.customer_exposure.c.customer_id == "ACME")
    assert exposure_before.open_orders - exposure.open_orders == total
    assert [(l.status, l.ship_quantity) for l in lines_of(db, order_id)] == [("rejected", None)]
    ts = replies(db, "855")[-1].only_set("855")
    assert [s for s in ts.segments if s[0] == "BAK"][0][2] == "RJ"
    assert [s[1] for s in ts.segments if s[0] == "ACK"] == ["IR"]
    with pytest.raises(UsageError, match="is cancelled: only accepted, picking or held"):
        cancel(db, settings, order_id, reason="again", actor="ops", now=NOW)


def test_the_stock_a_cancelled_order_gives_back_fills_the_oldest_backorder(db, ingest, settings):
    set_stock(db, "HW-1020", on_hand=Decimal(3), allocated=Decimal(0))
    first = x12_order(ingest, "4741", line("HW-1020", 3), control=1)
    waiting = x12_order(ingest, "4742", line("HW-1020", 2), control=2)
    assert [q[2] for q in quantities(db, first) + quantities(db, waiting)] == [3, 0]
    done = cancel(db, settings, first, reason="customer withdrew the PO", actor="ops", now=NOW)
    assert [(f.order_id, f.line_number, f.quantity, f.still_open, f.reference)
            for f in done.filled] == [(waiting, 1, 2, 0, f"order {first} cancelled")]
    assert quantities(db, waiting) == [(1, 2, 2, 0, 0)]
    assert (stock_of(db, "HW-1020").on_hand, stock_of(db, "HW-1020").allocated) == (3, 2)
    assert shipping(db, settings, waiting, "T-1").result.order_status == "shipped"


def test_a_carrier_or_tracking_number_with_a_control_character_is_refused(db, ingest, settings):
    order_id = x12_order(ingest, "4743", line("HW-1001", 2))
    request = ShipmentRequest(order_id=order_id, carrier="UP\x1b[2JS", tracking_number="1Z-1",
                              ship_date=date(2026, 12, 6), source="test")
    [refused] = ship(db, settings, [request], actor="test", now=NOW)
    assert refused.result.status == "refused"
    assert refused.result.reason == ("the carrier 'UP\\x1b[2JS' holds the control character "
                                     "\\x1b, which would reach the customer's documents as it is")
    [bell] = ship(db, settings, [ShipmentRequest(
        order_id=order_id, carrier="UPSN", tracking_number="Z\x07Z", ship_date=date(2026, 12, 6),
        source="test")], actor="test", now=NOW)
    assert "the tracking number 'Z\\x07Z' holds the control character \\x07" in bell.result.reason
    assert rows(db, t.shipments) == [] and outbox(db, "856") == []
    with pytest.raises(UsageError, match="the reason 'no\\\\x1b\\[2J' holds"):
        cancel(db, settings, order_id, reason="no\x1b[2J", actor="ops", now=NOW)
    assert stored_order(db, order_id).status == "accepted"


def test_a_shipment_file_naming_an_order_id_past_any_row_refuses_only_that_shipment(
        db, ingest, settings):
    order_id = x12_order(ingest, "4744", line("HW-1001", 2))
    content = (f"order_id,line_number,quantity,carrier,tracking_number,ship_date\n"
               f"99999999999999999999999,1,1,UPSN,1Z-1,2026-12-06\n"
               f"{order_id},1,2,UPSN,1Z-2,2026-12-06\n"
               f"{order_id},1,0.00001,UPSN,1Z-3,2026-12-06\n").encode()
    result = import_shipments(db, settings, content, "wh.csv", actor="wh", now=NOW)
    assert [(s.tracking_number, s.status) for s in result] == [
        ("1Z-2", "shipped"), ("1Z-3", "refused"), ("1Z-1", "refused")]
    assert result[1].error == "wh.csv line 4, field quantity: '0.00001' is not a quantity above 0"
    assert result[2].error == "wh.csv line 2, field order_id: '99999999999999999999999' is not " \
                              "an order id"


def test_cancelling_after_a_shipment_is_refused(db, ingest, settings):
    order_id = x12_order(ingest, "4719", line("HW-1001", 10))
    shipping(db, settings, order_id, "T-1", (1, "1"))
    with pytest.raises(UsageError, match="has shipped"):
        cancel(db, settings, order_id, reason="too late", actor="ops", now=NOW)


def test_an_edifact_order_ships_with_a_desadv_to_its_sender(db, ingest, settings):
    content = edifactkit.order_file("PO-EU-9", edifactkit.sku("JS-2001", "12"))
    [document] = ingest(content).documents
    [order] = document.orders
    assert order.status == "accepted"
    shipped = shipping(db, settings, order.order_id, "DHL-1", package=SSCC)
    assert [q.kind for q in shipped.outbound] == ["DESADV"]
    [row] = outbox(db, "DESADV")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydifact has no directory to validate against
        interchange = Interchange.from_str(bytes(row.payload).decode("latin-1"))
    assert row.destination == "INITECH" and row.partner_id == edifactkit.INITECH_PARTNER
    [message] = list(interchange.get_messages())
    tags = [segment.tag for segment in message.segments]
    assert tags[0] == "BGM" and "GIN" in tags and tags.count("LIN") == 1
    assert ["ON", "PO-EU-9"] in [s.elements[0] for s in message.segments if s.tag == "RFF"]


def test_pick_lists_take_each_allocated_quantity_once_sorted_by_bin(db, ingest, settings):
    set_stock(db, "HW-1002", location="A-09-9")
    set_stock(db, "HW-1001", location="A-01-1")
    first = x12_order(ingest, "4720", line("HW-1002", 2), line("HW-1001", 3), control=1)
    second = x12_order(ingest, "4721", line("HW-1001", 1), control=2)
    made = pick(db, settings, order_ids=None, actor="ops", now=NOW)
    assert [(l.location, l.sku, l.order_id, l.quantity) for l in made.pick_list.lines] == [
        ("A-01-1", "HW-1001", first, 3), ("A-01-1", "HW-1001", second, 1),
        ("A-09-9", "HW-1002", first, 2)]
    assert made.pdf.read_bytes().startswith(b"%PDF") and b"HW-1002" in made.csv.read_bytes()
    assert {stored_order(db, o).status for o in (first, second)} == {"picking"}
    assert pick(db, settings, order_ids=None, actor="ops", now=NOW) is None  # nothing left
    shipping(db, settings, first, "T-1")
    assert stored_order(db, first).status == "shipped"


SHIPMENTS_CSV = """order_id,line_number,quantity,carrier,tracking_number,ship_date,package_id
{o},1,2,UPSN,1Z-1,2026-12-06,
{o},2,1,UPSN,1Z-1,2026-12-06,{sscc}
{o},1,1,UPSN,1Z-2,2026-12-07,
{o},1,99,UPSN,1Z-3,2026-12-07,
{o},1,1,UPSN,1Z-4,2026-13-01,
"""


def test_a_shipment_file_ships_each_good_shipment_once_and_names_the_bad_rows(db, ingest, settings):
    order_id = x12_order(ingest, "4722", line("HW-1001", 5), line("HW-1002", 2))
    content = SHIPMENTS_CSV.format(o=order_id, sscc=SSCC).encode()
    result = import_shipments(db, settings, content, "wh.csv", actor="wh", now=NOW)
    assert [(s.tracking_number, s.status) for s in result] == [
        ("1Z-1", "shipped"), ("1Z-2", "shipped"), ("1Z-3", "refused"), ("1Z-4", "refused")]
    assert result[2].error == "wh.csv line 5: line 1 (HW-1001): 99 is more than the 2 allocated " \
                              "and not yet shipped"
    assert result[3].error == ("wh.csv line 6, field ship_date: '2026-13-01' is not a date "
                               "(YYYY-MM-DD)")
    assert quantities(db, order_id) == [(1, 5, 5, 3, 3), (2, 2, 2, 1, 1)]
    again = import_shipments(db, settings, content, "wh.csv", actor="wh", now=NOW)
    assert [s.status for s in again] == ["duplicate", "duplicate", "refused", "refused"]
    assert quantities(db, order_id) == [(1, 5, 5, 3, 3), (2, 2, 2, 1, 1)]
    assert len(outbox(db, "856")) == 1  # one interchange for the batch's two shipments
    assert len(replies(db, "856")[0].sets) == 2


def test_a_shipment_file_may_name_orders_by_customer_and_po_in_any_column_order(db, ingest,
                                                                               settings):
    order_id = x12_order(ingest, "4730", line("HW-1001", 5), line("HW-1002", 2))
    customer = stored_order(db, order_id).customer_id
    content = (f" PO_Number ,Customer_ID,Quantity,line_number,carrier,tracking_number,ship_date,"
               f"package_id\n"
               f"4730,{customer},2,1,UPSN,1Z-9,2026-12-06,\n"
               f"\n"
               f"4730,{customer},1,2,UPSN,1Z-9,2026-12-06,{SSCC}\n"
               f"4730,{customer},1,1,UPSN,1Z-8,2026-12-06,\n"
               f"4730,{customer},1,2,UPSN,1Z-9,2026-12-06,00{SSCC}\n"
               f"4730,{customer},1,2,UPSN,1Z-8\n"
               f"4731,{customer},1,1,UPSN,1Z-7,2026-12-06,\n").encode()
    result = import_shipments(db, settings, content, "wh.csv", actor="wh", now=NOW)
    assert [(s.order_ref, s.tracking_number, s.rows, s.status) for s in result] == [
        (f"customer {customer} PO 4730", "1Z-9", [2, 4, 6], "shipped"),
        (f"customer {customer} PO 4730", "1Z-8", [5, 7], "refused"),
        (f"customer {customer} PO 4731", "1Z-7", [8], "refused")]
    assert result[1].error == "wh.csv line 7, field ship_date: '' is not a date (YYYY-MM-DD)"
    assert result[2].error == f"wh.csv line 8: there is no order of customer {customer} with PO " \
                              f"number 4731"
    assert quantities(db, order_id) == [(1, 5, 5, 2, 2), (2, 2, 2, 2, 2)]
    [notice] = replies(db, "856")
    assert [s for s in notice.only_set("856").segments if s[0] == "MAN"] == [
        ["MAN", "GM", "00" + SSCC]]


def test_two_workers_importing_one_file_ship_each_line_once(pg_engine, settings):
    from ordergate.masterdata.seed import seed_masterdata
    from ordergate.processing.ingest import ingest_documents
    from tests.kit.x12 import order_file

    from .conftest import MASTERDATA, as_raw

    seed_masterdata(pg_engine, MASTERDATA)
    set_stock(pg_engine, "HW-1001", on_hand=Decimal(20), allocated=Decimal(0))
    report = ingest_documents(pg_engine, settings, [as_raw(order_file(
        f"P{n}", line("HW-1001", 2), control=n), f"{n}.edi") for n in range(1, 9)], actor="t")
    ids = [o.order_id for d in report.documents for o in d.orders]
    content = ("order_id,line_number,quantity,carrier,tracking_number,ship_date\n" + "".join(
        f"{o},1,2,UPSN,T{o},2026-12-06\n" for o in ids)).encode()
    outcomes: list = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        outcomes.append(import_shipments(pg_engine, settings, content, "wh.csv", actor="wh",
                                         now=NOW))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(s.status for outcome in outcomes for s in outcome)
    assert statuses.count("shipped") == 8 and statuses.count("duplicate") == 8
    assert len(rows(pg_engine, t.shipments)) == 8
    with pg_engine.connect() as conn:
        shipped = conn.execute(select(t.order_lines.c.shipped_quantity)).scalars().all()
    assert [q.normalize() for q in shipped] == [2] * 8
    stock = stock_of(pg_engine, "HW-1001")
    assert (stock.on_hand, stock.allocated) == (4, 0)


def _mail_with_csv(content: bytes) -> bytes:
    import email.policy
    from email.message import EmailMessage

    from tests.kit.mailserver import TRUSTED_AUTHSERV_ID

    message = EmailMessage()
    message["Authentication-Results"] = f"{TRUSTED_AUTHSERV_ID}; dmarc=pass header.from=acme.example"
    message["From"] = "Ann Buyer <buyer@acme.example>"
    message["To"] = "orders@ordergate.example"
    message["Subject"] = "Our order"
    message["Message-ID"] = "<po-mail-1@acme.example>"
    message["Date"] = "Sun, 06 Dec 2026 09:00:00 +0000"
    message.set_content("Please see the attachment.")
    message.add_attachment(content, maintype="text", subtype="csv", filename="po.csv")
    return message.as_bytes(policy=email.policy.SMTP)


ACME_CSV = (b"po_number,sku,quantity,uom,unit_price,ship_to_name,ship_to_street,ship_to_city,"
            b"ship_to_state,ship_to_postal_code,ship_to_country\n"
            b"M-1,HW-1001,5,CS,16.50,Acme DC,1 Dock Rd,Columbus,OH,43215,US\n"
            b"M-1,HW-1002,3,CS,9.75,Acme DC,1 Dock Rd,Columbus,OH,43215,US\n")


def test_a_mailed_order_ships_with_a_mail_in_the_thread_of_its_po(db, ingest, settings):
    import email
    import email.policy

    [document] = ingest(_mail_with_csv(ACME_CSV)).documents
    [order] = document.orders
    assert order.status == "accepted", order.hold_reasons
    shipped = shipping(db, settings, order.order_id, "1Z-MAIL", (1, "5"))
    assert shipped.notice_channel == "email" and [q.kind for q in shipped.outbound] == ["ship-notice"]
    [row] = outbox(db, "ship-notice")
    mail = email.message_from_bytes(bytes(row.payload), policy=email.policy.default)
    assert mail["In-Reply-To"] == "<po-mail-1@acme.example>"
    assert mail["To"] == "Ann Buyer <buyer@acme.example>"
    body = mail.get_body(("plain",)).get_content()
    assert "1Z-MAIL" in body and "HW-1002" in body  # shipped, and what is still open


def test_a_dropped_order_file_ships_with_a_csv_notice_in_its_outbox_folder(db, ingest, settings):
    import csv
    import io

    from ordergate.documents import RawDocument

    [document] = ingest(RawDocument(content=ACME_CSV, channel="dropfolder", source_ref="po.csv",
                                    customer_hint="ACME")).documents
    [order] = document.orders
    assert order.status == "accepted", order.hold_reasons
    shipped = shipping(db, settings, order.order_id, "1Z-CSV")
    assert shipped.notice_channel == "csv"
    [row] = outbox(db, "csv-ship-notice")
    assert row.destination == "ACME"
    table = list(csv.DictReader(io.StringIO(bytes(row.payload).decode("utf-8-sig"))))
    assert [(r["sku"], r["quantity_shipped"], r["tracking_number"]) for r in table] == [
        ("HW-1001", "5", "1Z-CSV"), ("HW-1002", "3", "1Z-CSV")]


def test_a_profile_can_turn_ship_notices_off(db, ingest, settings, tmp_path):
    from tests.kit.stock import set_acme_profile

    set_acme_profile(db, tmp_path, "ship_notice: none")
    order_id = x12_order(ingest, "4730", line("HW-1001", 1))
    shipped = shipping(db, settings, order_id, "T-1")
    assert shipped.result.status == "shipped" and shipped.outbound == []
    assert outbox(db, "856") == []


def test_a_shipment_file_in_the_drop_folder_is_stored_imported_and_archived(db, ingest, settings):
    from ordergate.processing.dropfolder_run import ingest_drop_file
    from ordergate.sources.dropfolder import scan_inbox

    order_id = x12_order(ingest, "4731", line("HW-1001", 2))
    folder = settings.inbox / "shipments"
    folder.mkdir(parents=True)
    (folder / "wh.csv").write_text("order_id,line_number,quantity,carrier,tracking_number,ship_date\n"
                                   f"{order_id},1,2,UPSN,D-1,2026-12-06\n")
    [drop] = scan_inbox(settings.inbox)
    report = ingest_drop_file(db, settings, drop, actor="flow")
    assert (report.format, report.status, report.error) == ("shipments-csv", "processed", None)
    assert not (folder / "wh.csv").exists() and list(settings.archive.rglob("*wh.csv"))
    [document] = rows(db, t.documents, t.documents.c.id == report.document_id)
    assert (document.format, document.status) == ("shipments-csv", "processed")
    assert stored_order(db, order_id).status == "shipped"


def test_cancelling_an_edifact_order_answers_with_an_ordrsp_not_accepted(db, ingest, settings):
    [document] = ingest(edifactkit.order_file("PO-EU-C", edifactkit.sku("JS-2001", "12"))).documents
    [order] = document.orders
    done = cancel(db, settings, order.order_id, reason="withdrawn", actor="ops", now=NOW)
    assert [q.kind for q in done.outbound] == ["ORDRSP"]
    [message] = edifactkit.ordrsps(db)[-1:]
    assert edifactkit.seg(message, "BGM")[3] == "27"


def test_cancelling_a_dropped_order_files_a_csv_notice(db, ingest, settings):
    from ordergate.documents import RawDocument

    [document] = ingest(RawDocument(content=ACME_CSV, channel="dropfolder", source_ref="po.csv",
                                    customer_hint="ACME")).documents
    [order] = document.orders
    done = cancel(db, settings, order.order_id, reason="withdrawn", actor="ops", now=NOW)
    assert [q.kind for q in done.outbound] == ["csv-ack"]
    [row] = [r for r in outbox(db, "csv-ack") if r.id == done.outbound[0].id]
    assert b"cancelled: withdrawn" in bytes(row.payload) and row.destination == "ACME"


def test_one_line_split_over_two_packages_ships_once_with_both(db, ingest, settings):
    second_sscc = "106141411234567880"
    order_id = x12_order(ingest, "4740", line("HW-1001", 5))
    request = ShipmentRequest(order_id=order_id, carrier="UPSN", tracking_number="T-SPLIT",
                              ship_date=date(2026, 12, 6), source="test",
                              lines=(ShipLine(1, Decimal(2), SSCC), ShipLine(1, Decimal(3), second_sscc)))
    [shipped] = ship(db, settings, [request], actor="wh", now=NOW)
    assert shipped.result.status == "shipped" and shipped.result.order_status == "shipped"
    assert quantities(db, order_id) == [(1, 5, 5, 5, 5)]
    assert [(r.line_number, r.quantity, r.package_id) for r in rows(db, t.shipment_lines)] == [
        (1, 2, SSCC), (1, 3, second_sscc)]
    ts = replies(db, "856")[0].only_set("856")
    assert [s[2] for s in ts.segments if s[0] == "MAN"] == ["00" + SSCC, "00" + second_sscc]
    assert sorted(s[2] for s in ts.segments if s[0] == "SN1") == ["2", "3"]
