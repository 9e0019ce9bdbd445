"""Invoicing shipments, payments and receivables on the real store (SQLite and PostgreSQL):
amounts as an accountant checks them, gapless numbers, payments applied once, the aging, and
the credit check fed by what customers owe."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import update

from ordergate.billing.invoicing import invoice_shipments
from ordergate.billing.receivables import (
    PaymentIn,
    aging,
    apply_payments,
    list_invoices,
)
from ordergate.errors import ConfigError
from ordergate.fulfilment.shipping import ShipLine, ShipmentRequest
from ordergate.masterdata.catalog import Catalog
from ordergate.masterdata.company import load_company
from ordergate.processing.shipments import ship
from ordergate.store import tables as t
from tests.kit.stock import line, set_acme_profile, set_stock
from tests.kit.x12 import order_file, rows, sku

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=timezone.utc)
TODAY = NOW.date()


def accepted(ingest, po: str, *items, control: int = 1) -> int:
    [document] = ingest(order_file(po, *items, control=control)).documents
    [order] = document.orders
    assert order.status == "accepted", order.hold_reasons
    return order.order_id


def shipped(db, settings, order_id: int, tracking: str, *lines) -> int:
    request = ShipmentRequest(order_id=order_id, carrier="UPSN", tracking_number=tracking,
                              ship_date=TODAY, source="test",
                              lines=tuple(ShipLine(n, Decimal(q)) for n, q in lines) or None)
    [result] = ship(db, settings, [request], actor="wh", now=NOW)
    assert result.result.status == "shipped", result.result.reason
    return result.result.shipment_id


def invoice(db, *, shipment_ids=None, now=NOW):
    with db.begin() as conn:
        company = load_company(conn)
        return invoice_shipments(conn, company, Catalog.load(conn), shipment_ids=shipment_ids,
                                 now=now, actor="billing")


def set_customer(db, customer_id: str, **values) -> None:
    with db.begin() as conn:
        conn.execute(update(t.customers).where(t.customers.c.customer_id == customer_id)
                     .values(**values))


def test_a_shipment_is_invoiced_at_the_confirmed_prices_with_tax_per_line(db, ingest, settings):
    set_customer(db, "ACME", tax_rate=Decimal("7.5"), payment_terms="2/10 NET30")
    order_id = accepted(ingest, "B-1", sku("HW-1001", "3"), sku("HW-1002", "2"))
    shipment = shipped(db, settings, order_id, "T-1", (1, "2"), (2, "2"))
    [made], refused = invoice(db)
    assert refused == []
    bill = made.invoice
    assert bill.invoice_number == f"INV-{TODAY.year}-000001"
    # HW-1001 at ACME's 16.50, HW-1002 at the list price 9.75; tax rounded per line, half up
    assert [(l.line_number, l.quantity, l.unit_price, l.amount, l.tax) for l in bill.lines] == [
        (1, 2, Decimal("16.5"), Decimal("33.00"), Decimal("2.48")),
        (2, 2, Decimal("9.75"), Decimal("19.50"), Decimal("1.46"))]
    assert (bill.subtotal, bill.tax, bill.total) == (Decimal("52.50"), Decimal("3.94"),
                                                     Decimal("56.44"))
    assert (bill.due_date, bill.discount_date, bill.discount_amount) == (
        TODAY + timedelta(days=30), TODAY + timedelta(days=10), Decimal("1.13"))
    assert bill.shipment_id == shipment and bill.seller.tax_id == "DE136695976"
    assert invoice(db) == ([], [])  # invoiced once, however often it runs
    [exposure] = rows(db, t.customer_exposure, t.customer_exposure.c.customer_id == "ACME")
    assert exposure.open_invoices == Decimal("56.44")


def test_many_lines_of_half_a_cent_are_rounded_per_line_then_summed(db, ingest, settings):
    set_stock(db, "HW-1001", on_hand=Decimal(1000), allocated=Decimal(0))
    order_id = accepted(ingest, "B-2", *[sku("HW-1001", "1", price="16.50") for _ in range(9)])
    with db.begin() as conn:  # a price of half a cent per unit, as a contract might have it
        conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order_id)
                     .values(unit_price=Decimal("0.005")))
    shipped(db, settings, order_id, "T-2")
    [made], _ = invoice(db)
    assert {l.amount for l in made.invoice.lines} == {Decimal("0.01")}
    assert made.invoice.subtotal == Decimal("0.09")  # not 9 × 0.005 = 0.045 rounded


def test_invoice_numbers_have_no_gap_when_an_invoice_rolls_back(db, ingest, settings):
    first = accepted(ingest, "B-3", sku("HW-1001", "1"), control=1)
    second = accepted(ingest, "B-4", sku("HW-1001", "1"), control=2)
    a = shipped(db, settings, first, "T-3")
    b = shipped(db, settings, second, "T-4")
    with pytest.raises(RuntimeError), db.begin() as conn:  # a crash mid-invoice
        invoice_shipments(conn, load_company(conn), Catalog.load(conn), shipment_ids=[a],
                          now=NOW, actor="billing")
        raise RuntimeError("the process died here")
    made, _ = invoice(db, shipment_ids=[b])
    assert [m.invoice.invoice_number for m in made] == [f"INV-{TODAY.year}-000001"]
    made, _ = invoice(db, shipment_ids=[a])
    assert [m.invoice.invoice_number for m in made] == [f"INV-{TODAY.year}-000002"]


def test_a_batch_takes_a_block_of_numbers_and_moves_each_customers_sum_once(db, ingest, settings):
    orders = [accepted(ingest, f"B-N{n}", sku("HW-1001", str(n)), control=n) for n in (1, 2, 3)]
    for n, order_id in enumerate(orders, start=1):
        shipped(db, settings, order_id, f"T-N{n}")
    made, _ = invoice(db)
    assert [m.invoice.invoice_number for m in made] == [f"INV-{TODAY.year}-{n:06d}"
                                                         for n in (1, 2, 3)]
    assert [m.invoice.total for m in made] == [Decimal("16.50"), Decimal("33.00"),
                                               Decimal("49.50")]
    stored = {row.invoice_number: row.id for row in rows(db, t.invoices)}
    assert sorted((r.shipment_id, r.invoice_id) for r in rows(db, t.invoice_shipments)) == \
        sorted((m.invoice.shipment_id, stored[m.invoice.invoice_number]) for m in made)
    assert [m.invoice.invoice_id for m in made] == [stored[m.invoice.invoice_number]
                                                    for m in made]
    [exposure] = rows(db, t.customer_exposure, t.customer_exposure.c.customer_id == "ACME")
    assert (exposure.open_orders, exposure.open_invoices) == (0, Decimal("99.00"))


def test_a_batch_with_a_shipment_taken_meanwhile_rolls_back_whole(db, ingest, settings,
                                                                  monkeypatch):
    from ordergate.billing import invoicing

    first = accepted(ingest, "B-M1", sku("HW-1001", "1"), control=1)
    second = accepted(ingest, "B-M2", sku("HW-1001", "1"), control=2)
    a, b = shipped(db, settings, first, "T-M1"), shipped(db, settings, second, "T-M2")
    read_lines = invoicing._shipped_lines
    taken = []

    def lines_after_b_was_taken(conn, shipment_ids):
        # Between this batch's read of what is pending and its writes, shipment b is invoiced
        # (as another worker's batch would, here in the same transaction).
        if not taken:
            taken.append(b)
            invoicing.invoice_shipments(conn, load_company(conn), Catalog.load(conn),
                                        shipment_ids=[b], now=NOW, actor="other")
        return read_lines(conn, shipment_ids)

    monkeypatch.setattr(invoicing, "_shipped_lines", lines_after_b_was_taken)
    with pytest.raises(invoicing.InvoicedMeanwhile, match=f"shipment {b} was invoiced"):
        invoice(db)
    assert taken == [b] and rows(db, t.invoices) == [] and rows(db, t.invoice_shipments) == []
    monkeypatch.setattr(invoicing, "_shipped_lines", read_lines)
    made, _ = invoice(db)  # the rolled-back batch gave its numbers back
    assert [(m.invoice.shipment_id, m.invoice.invoice_number) for m in made] == [
        (a, f"INV-{TODAY.year}-000001"), (b, f"INV-{TODAY.year}-000002")]


def test_moves_to_invoices_end_where_one_by_one_would(db) -> None:
    from ordergate.billing.invoicing import _move_all, move_to_invoices

    exposure = t.customer_exposure
    with db.begin() as conn:
        conn.execute(exposure.insert(), [{"customer_id": "ACME", "open_orders": Decimal(10)}])
        # ACME: 15 then -5 one by one is max(10 - 15, 0) = 0, then 0 + 5 = 5 (a sum would say 0)
        _move_all(conn, [("ACME", Decimal(15), Decimal(16)), ("INITECH", Decimal(3), Decimal(4)),
                         ("ACME", Decimal(-5), Decimal(-6)), ("INITECH", Decimal(2), Decimal(1))])
        move_to_invoices(conn, "INITECH", Decimal(1), Decimal("0.50"))
    found = {row.customer_id: (row.open_orders, row.open_invoices) for row in rows(db, exposure)}
    assert found == {"ACME": (Decimal(5), Decimal(10)), "INITECH": (0, Decimal("5.50"))}


def test_the_stored_document_is_the_invoice_as_asdict_makes_it_and_reads_back() -> None:
    import json
    from dataclasses import asdict, replace

    from ordergate.billing.invoicing import _plain, from_json, to_json
    from tests.kit.invoices import credit_note, two_rates

    for bill in (two_rates(), credit_note(two_rates()), replace(two_rates(), ship_to=None)):
        assert to_json(bill) == json.dumps(asdict(bill), default=_plain, sort_keys=True)
        assert to_json(bill, invoice_id=0) == to_json(replace(bill, invoice_id=0))
        assert from_json(to_json(bill)) == bill
    with pytest.raises(TypeError, match="no field colour"):
        to_json(two_rates(), colour="red")


def test_invoicing_without_a_company_profile_stops_before_anything_is_made(db, ingest, settings):
    with db.begin() as conn:
        conn.execute(t.company_profile.delete())
    with pytest.raises(ConfigError, match="no company profile is loaded: add company.yaml"):
        invoice(db)
    assert rows(db, t.invoices) == []


def test_payments_are_applied_once_partly_and_beyond_the_balance(db, ingest, settings):
    order_id = accepted(ingest, "B-5", sku("HW-1001", "10"))
    shipped(db, settings, order_id, "T-5")
    [made], _ = invoice(db)
    number, total = made.invoice.invoice_number, made.invoice.total
    assert total == Decimal("165.00")

    def pay(amount: str, reference: str, currency: str = "USD", number=number):
        with db.begin() as conn:
            [result] = apply_payments(conn, [PaymentIn("ACME", number, Decimal(amount), currency,
                                                       TODAY, reference, "test")],
                                      actor="ar", now=NOW)
        return result

    part = pay("100.00", "BANK-1")
    assert (part.status, part.applied, part.balance, part.invoice_status) == (
        "applied", Decimal("100.00"), Decimal("65.00"), "open")
    assert pay("100.00", "BANK-1").status == "duplicate"
    assert pay("10.00", "BANK-X", currency="EUR").reason == \
        f"invoice {number} is in USD, the payment in EUR"
    assert pay("10.00", "BANK-Y", number="INV-1999-000009").status == "refused"
    rest = pay("70.00", "BANK-2")
    assert (rest.applied, rest.unapplied, rest.invoice_status) == (
        Decimal("65.00"), Decimal("5.00"), "paid")
    [exposure] = rows(db, t.customer_exposure, t.customer_exposure.c.customer_id == "ACME")
    assert (exposure.open_invoices, exposure.unapplied_credit) == (0, Decimal("5.00"))
    with db.connect() as conn:
        assert [i.status for i in list_invoices(conn, today=TODAY)] == ["paid"]


def test_a_payment_on_a_credit_note_is_refused_and_restocked_goods_fill_a_backorder(
        db, ingest, settings):
    from ordergate.billing.returns import ReturnLine, create_return

    set_stock(db, "HW-1020", on_hand=Decimal(2), allocated=Decimal(0))
    order_id = accepted(ingest, "B-7", line("HW-1020", 2), control=1)
    waiting = accepted(ingest, "B-8", line("HW-1020", 1), control=2)  # backordered: none left
    shipped(db, settings, order_id, "T-7")
    invoice(db)
    with db.begin() as conn:
        returned = create_return(conn, load_company(conn), Catalog.load(conn), order_id,
                                 [ReturnLine(1, Decimal(1))], reason="damaged box",
                                 restock=True, actor="ops", now=NOW)
    assert [(f.order_id, f.quantity, f.reference) for f in returned.filled] == [
        (waiting, 1, f"return {returned.return_id}")]
    [line_row] = rows(db, t.order_lines, t.order_lines.c.order_id == waiting)
    assert line_row.ship_quantity == 1
    number = returned.credit_note.invoice_number
    with db.begin() as conn:
        [result] = apply_payments(conn, [PaymentIn("ACME", number, Decimal("5.00"), "USD",
                                                   TODAY, "BANK-CN", "test")],
                                  actor="ar", now=NOW)
    assert (result.status, result.reason) == (
        "refused", f"{number} is a credit note: payments apply to invoices")
    assert rows(db, t.payments) == []
    with db.connect() as conn:
        assert {i.kind: i.status for i in list_invoices(conn, today=TODAY)}["credit_note"] == \
            "credited"


def test_the_aging_puts_each_open_balance_in_its_bucket(db, ingest, settings):
    orders = [accepted(ingest, f"B-A{n}", sku("HW-1001", "1"), control=n) for n in range(1, 4)]
    shipments = [shipped(db, settings, order_id, f"T-A{n}") for n, order_id in enumerate(orders)]
    for days_ago, shipment in zip((0, 40, 100), shipments):  # invoiced 0, 40 and 100 days ago
        invoice(db, shipment_ids=[shipment], now=NOW - timedelta(days=days_ago))
    with db.connect() as conn:
        [acme] = aging(conn, today=TODAY)
    # NET30: due today (current), 10 days over (1-30), 70 days over (61-90)
    assert (acme["current"], acme["1-30"], acme["31-60"], acme["61-90"], acme["over_90"],
            acme["balance"]) == (Decimal("16.50"), Decimal("16.50"), 0, Decimal("16.50"), 0,
                                 Decimal("49.50"))
    assert acme["currency"] == "USD"
    with db.begin() as conn:  # a balance in another currency is never added to these
        conn.execute(update(t.invoices).where(t.invoices.c.due_date < TODAY - timedelta(days=60))
                     .values(currency="EUR"))
        conn.execute(update(t.customer_exposure).where(t.customer_exposure.c.customer_id == "ACME")
                     .values(unapplied_credit=Decimal("2.00")))
    with db.connect() as conn:
        eur, usd = aging(conn, today=TODAY)
    assert [(e["currency"], e["61-90"], e["balance"], e["unapplied_credit"]) for e in (eur, usd)] \
        == [("EUR", Decimal("16.50"), Decimal("16.50"), Decimal("2.00")),
            ("USD", 0, Decimal("33.00"), 0)]


def test_an_overdue_invoice_holds_new_orders_when_the_profile_says_so(db, ingest, settings,
                                                                      tmp_path):
    set_acme_profile(db, tmp_path, "hold_if_overdue_days: 5")
    order_id = accepted(ingest, "B-O1", sku("HW-1001", "1"), control=1)
    shipped(db, settings, order_id, "T-O1")
    invoice(db, now=NOW - timedelta(days=40))  # NET30: 10 days overdue today
    [document] = ingest(order_file("B-O2", sku("HW-1001", "1"), control=2)).documents
    [order] = document.orders
    assert order.status == "held"
    assert order.hold_reasons[0].startswith("overdue invoices: INV-")


def test_two_workers_invoicing_at_once_make_each_invoice_once_without_gaps(pg_engine, settings):
    from ordergate.masterdata.seed import seed_masterdata
    from ordergate.processing.ingest import ingest_documents

    from .conftest import MASTERDATA, as_raw

    seed_masterdata(pg_engine, MASTERDATA)
    set_stock(pg_engine, "HW-1001", on_hand=Decimal(100), allocated=Decimal(0))
    report = ingest_documents(pg_engine, settings, [as_raw(order_file(
        f"P{n}", line("HW-1001", 1), control=n), f"{n}.edi") for n in range(1, 11)], actor="t")
    for document in report.documents:
        for order in document.orders:
            shipped(pg_engine, settings, order.order_id, f"T{order.order_id}")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            invoice(pg_engine)
        except Exception as exc:  # the loser of a race rolls back; a rerun finds nothing left
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    invoice(pg_engine)  # whatever a rolled-back worker left
    numbers = sorted(row.invoice_number for row in rows(pg_engine, t.invoices))
    assert numbers == [f"INV-{TODAY.year}-{n:06d}" for n in range(1, 11)]
    assert len(rows(pg_engine, t.invoice_shipments)) == 10
    assert all(type(e).__name__ in ("InvoicedMeanwhile", "OperationalError") for e in errors)


def test_a_dropped_order_files_invoice_goes_as_a_factur_x_mail_and_a_csv(db, ingest, settings):
    import email
    import email.policy

    from facturx import get_xml_from_pdf

    from ordergate.documents import RawDocument
    from ordergate.processing.invoices import run_invoicing
    from tests.kit.x12 import outbox

    content = (b"po_number,sku,quantity,uom,unit_price,ship_to_name,ship_to_street,ship_to_city,"
               b"ship_to_state,ship_to_postal_code,ship_to_country\n"
               b"F-1,HW-1001,5,CS,16.50,Acme DC,1 Dock Rd,Columbus,OH,43215,US\n")
    [document] = ingest(RawDocument(content=content, channel="dropfolder", source_ref="po.csv",
                                    customer_hint="ACME")).documents
    [order] = document.orders
    shipped(db, settings, order.order_id, "T-F")
    run = run_invoicing(db, settings, actor="billing", now=NOW)
    [item] = run.invoices
    assert item.channel == "csv" and sorted(q.kind for q in item.outbound) == [
        "csv-invoice", "invoice-mail"]
    [mail_row] = outbox(db, "invoice-mail")
    mail = email.message_from_bytes(bytes(mail_row.payload), policy=email.policy.default)
    assert mail["To"].addresses[0].addr_spec == "ap@acme.example"  # ACME's invoice_email
    [pdf] = [part for part in mail.iter_attachments()]
    _, xml = get_xml_from_pdf(pdf.get_content(), check_xsd=True)
    number = item.invoiced.invoice.invoice_number
    assert number.encode() in xml and b"82.50" in xml  # 5 x 16.50, ACME pays no tax
    [csv_row] = outbox(db, "csv-invoice")
    assert csv_row.destination == "ACME" and number.encode() in bytes(csv_row.payload)


def test_a_daily_customer_gets_one_invoice_a_day_over_its_orders(db, ingest, settings, tmp_path):
    import email
    import email.policy

    from facturx import get_xml_from_pdf

    from ordergate.billing.returns import ReturnLine, create_return
    from ordergate.processing.invoices import invoice_shipped, run_invoicing
    from tests.kit.x12 import outbox

    set_acme_profile(db, tmp_path, "invoice_policy: daily\ninvoice_channel: email")
    first = accepted(ingest, "D-1", sku("HW-1001", "3"), control=1)
    second = accepted(ingest, "D-2", sku("HW-1002", "2"), control=2)
    shipments = [shipped(db, settings, first, "T-D1", (1, "1")),
                 shipped(db, settings, first, "T-D2", (1, "2")),
                 shipped(db, settings, second, "T-D3")]
    # Shipping invoices per-shipment customers at once; a daily one waits for the run.
    assert invoice_shipped(db, settings, shipments, actor="wh", now=NOW) == (None, None)
    run = run_invoicing(db, settings, actor="billing", now=NOW)
    [item] = run.invoices
    bill = item.invoiced.invoice
    assert (bill.order_id, bill.po_number, bill.shipment_id, bill.carrier) == (None, None, None,
                                                                               "UPSN")
    assert [(l.po_number, l.line_number, l.quantity) for l in bill.lines] == [
        ("D-1", 1, 1), ("D-1", 1, 2), ("D-2", 1, 2)]
    assert bill.total == Decimal("16.50") * 3 + Decimal("9.75") * 2
    assert sorted(r.shipment_id for r in rows(db, t.invoice_shipments)) == sorted(shipments)
    assert sorted((r.order_id, r.line_number) for r in rows(db, t.invoice_lines)) == [
        (first, 1), (first, 1), (second, 1)]
    [mail_row] = outbox(db, "invoice-mail")
    mail = email.message_from_bytes(bytes(mail_row.payload), policy=email.policy.default)
    [pdf] = list(mail.iter_attachments())
    _, xml = get_xml_from_pdf(pdf.get_content(), check_xsd=True)
    # Line ids unique in the invoice, each line naming the PO it bills
    from lxml import etree

    ram = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
    documents = etree.fromstring(xml).iter(f"{ram}AssociatedDocumentLineDocument")
    assert [(d.findtext(f"{ram}LineID"), d.findtext(f"{ram}IncludedNote/{ram}Content"))
            for d in documents] == [("1", "PO D-1 line 1"), ("2", "PO D-1 line 1"),
                                    ("3", "PO D-2 line 1")]
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf.get_content())) as printed:  # the reader sees them too
        text = printed.pages[0].extract_text()
    assert text.count("PO D-1") == 2 and text.count("PO D-2") == 1
    assert run_invoicing(db, settings, actor="billing", now=NOW).invoices == []
    with db.begin() as conn:  # a return on the second order credits the day's invoice
        returned = create_return(conn, load_company(conn), Catalog.load(conn), second,
                                 [ReturnLine(1, Decimal(1))], reason="damaged", restock=False,
                                 actor="ops", now=NOW)
    assert returned.credit_note.corrects == bill.invoice_number


def test_a_daily_edi_customer_gets_an_810_per_po_for_the_day(db, ingest, settings, tmp_path):
    from ordergate.parsers.x12 import TransactionSet, iter_x12
    from ordergate.processing.invoices import run_invoicing
    from tests.kit.x12 import outbox

    set_acme_profile(db, tmp_path, "invoice_policy: daily")
    first = accepted(ingest, "E-1", sku("HW-1001", "3"), sku("HW-1002", "1"), control=1)
    second = accepted(ingest, "E-2", sku("HW-1002", "2"), control=2)
    shipped(db, settings, first, "T-E1", (1, "3"))
    shipped(db, settings, first, "T-E2", (2, "1"))
    shipped(db, settings, second, "T-E3")
    run = run_invoicing(db, settings, actor="billing", now=NOW)
    assert sorted((i.invoiced.invoice.po_number, len(i.invoiced.invoice.lines))
                  for i in run.invoices) == [("E-1", 2), ("E-2", 1)]
    sets = [event for row in outbox(db, "810") for event in iter_x12(bytes(row.payload))
            if isinstance(event, TransactionSet)]
    assert sorted(s.segments[1][4] for s in sets) == ["E-1", "E-2"]  # BIG04, one PO each
    assert all(not s.problems for s in sets)


def test_an_overdue_invoice_gets_a_reminder_at_most_once_a_week(db, ingest, settings):
    import email
    import email.policy

    from ordergate.documents import RawDocument
    from ordergate.processing.invoices import run_invoicing
    from ordergate.processing.reminders import send_reminders
    from tests.kit.x12 import outbox

    content = (b"po_number,sku,quantity,uom,unit_price,ship_to_name,ship_to_street,ship_to_city,"
               b"ship_to_state,ship_to_postal_code,ship_to_country\n"
               b"R-1,HW-1001,5,CS,16.50,Acme DC,1 Dock Rd,Columbus,OH,43215,US\n")
    [document] = ingest(RawDocument(content=content, channel="dropfolder", source_ref="po.csv",
                                    customer_hint="ACME")).documents
    shipped(db, settings, document.orders[0].order_id, "T-R")
    run_invoicing(db, settings, actor="billing", now=NOW - timedelta(days=40))  # NET30
    x12_order = accepted(ingest, "R-X12", sku("HW-1001", "1"), control=9)  # an EDI customer's
    shipped(db, settings, x12_order, "T-RX")
    run_invoicing(db, settings, actor="billing", now=NOW - timedelta(days=40))
    [reminder] = send_reminders(db, settings, actor="ar", now=NOW)  # only the mail customer's
    assert (reminder.days_overdue, [q.kind for q in reminder.outbound]) == (10, ["invoice-mail"])
    mails = [email.message_from_bytes(bytes(r.payload), policy=email.policy.default)
             for r in outbox(db, "invoice-mail") if r.filename.startswith("reminder_")]
    assert [m["Subject"].startswith("Reminder: Invoice") for m in mails] == [True]
    assert "10 days overdue" in mails[0].get_body(("plain",)).get_content()
    assert send_reminders(db, settings, actor="ar", now=NOW) == []  # the same day again
    assert send_reminders(db, settings, actor="ar", now=NOW + timedelta(days=6)) == []
    [later] = send_reminders(db, settings, actor="ar", now=NOW + timedelta(days=7))
    assert later.days_overdue == 17 and later.outbound


def remittance_820(trace: str, *payments: tuple[str, str], control: int) -> bytes:
    """An 820 from ACME paying ``(invoice number, amount)``s, in a group RA."""
    from tests.kit.x12 import group, interchange, transaction

    total = sum(Decimal(amount) for _, amount in payments)
    segments = [["BPR", "C", f"{total:.2f}", "C", "ACH", "CCP", "01", "011000015", "DA", "1234",
                 "", "", "01", "021000021", "DA", "5678", "20261205"],
                ["TRN", "1", trace], ["CUR", "PR", "USD"], ["N1", "PR", "ACME HARDWARE"]]
    for number, amount in payments:
        segments += [["ENT", "1"], ["RMR", "IV", number, "", amount, amount]]
    return interchange(groups=[group(transaction(segments, 1, set_id="820"), control=control,
                                     functional_id="RA")], control=control)


def test_an_820_applies_its_payments_once_and_is_acknowledged(db, ingest, settings):
    from tests.kit.x12 import replies

    order_id = accepted(ingest, "B-820", sku("HW-1001", "10"), control=1)
    shipped(db, settings, order_id, "T-820")
    [made], _ = invoice(db)
    number = made.invoice.invoice_number  # 165.00
    [document] = ingest(remittance_820("TRACE-1", (number, "100.00"), ("INV-1999-000001", "5.00"),
                                       control=7)).documents
    assert document.status == "processed", document.error
    assert any("INV-1999-000001" in p and "not applied" in p for p in document.problems)
    [row] = rows(db, t.invoices)
    assert row.paid == Decimal("100.00") and row.status == "open"
    ack = replies(db, "997")[-1]
    assert [s for s in ack.only_set("997").segments if s[0] == "AK5"] == [["AK5", "A"]]
    again = ingest(remittance_820("TRACE-1", (number, "100.00"), control=8)).documents[0]
    assert again.status == "processed"
    [row] = rows(db, t.invoices)
    assert row.paid == Decimal("100.00")  # the same payment, applied once
    assert len(rows(db, t.payments)) == 1


def test_a_remadv_applies_its_payments_once(db, ingest, settings):
    from tests.kit import edifact as edifactkit

    [document] = ingest(edifactkit.order_file("PO-R", edifactkit.sku("JS-2001", "10"))).documents
    [order] = document.orders
    shipped(db, settings, order.order_id, "T-R")
    [made], _ = invoice(db)
    number, total = made.invoice.invoice_number, made.invoice.total

    def remadv(reference: str) -> bytes:
        body = [["BGM", "481", "RA-77", "9"], ["DTM", ["137", "20261205", "102"]],
                ["CUX", ["2", "EUR", "11"]],
                ["DOC", "380", number], ["MOA", ["12", f"{total:.2f}"]],
                ["DOC", "380", "INV-1999-000001"], ["MOA", ["12", "5.00"]]]
        message = edifactkit.Msg("1", body, identifier=("REMADV", "D", "96A", "UN"))
        return edifactkit.interchange(message, reference=reference)

    [paid] = ingest(remadv("RA1")).documents
    assert paid.status == "processed", paid.error
    [row] = rows(db, t.invoices)
    assert (row.paid, row.status) == (total, "paid")
    assert any("INV-1999-000001" in p for p in paid.problems)
    ingest(remadv("RA2"))  # the same advice in another interchange
    assert len(rows(db, t.payments)) == 1
