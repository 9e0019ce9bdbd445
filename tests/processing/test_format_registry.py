"""The format registry is the one place a format is added: a made-up format, registered here
with its handler and its outbound kind and nothing else, is detected, processed and answered by
ingest, read from a mail attachment, and answered its own way when a hold on one of its orders
is resolved. Built-in formats with no answer for a case fail loudly instead of borrowing
another standard's."""

from __future__ import annotations

import email
from datetime import datetime, timezone
from decimal import Decimal
from email import policy
from email.message import EmailMessage

import pytest

from ordergate.documents import RawDocument
from ordergate.errors import DocumentError
from ordergate.orders.model import Address, OrderLine, SalesOrder
from ordergate.outbox.kinds import OUTBOUND, Carrier, OutboundKind, UnknownOutboundKind
from ordergate.outbox.queue import OutboundMessage, Queued, queue_messages
from ordergate.parsers import sniff
from ordergate.processing import holds
from ordergate.processing.checked_orders import store_checked
from ordergate.processing.context import DocumentContext
from ordergate.processing.handlers import (
    AttachedTo,
    AttachmentOrders,
    FormatHandler,
    NoAnswer,
    Resolution,
)
from ordergate.processing.registry import FORMATS
from ordergate.store import tables as t
from tests.kit.mailserver import TRUSTED_AUTHSERV_ID
from tests.kit.x12 import outbox, rows

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
MAGIC = b"TESTPO/1\n"
SHIP_TO = Address(name="Acme DC", street=["1 Dock Road"], city="Springfield", postal_code="12345",
                  country="US")
ACK = OutboundKind("testpo-ack", "testpo", Carrier.FILE, "a made-up acknowledgement")


def tpo_file(po_number: str, *lines: tuple[str, str, str]) -> bytes:
    """The made-up format: a magic line, then ``po`` and one ``line SKU QTY PRICE`` per line."""
    body = [f"po {po_number}"] + [f"line {sku} {qty} {price}" for sku, qty, price in lines]
    return MAGIC + "\n".join(body).encode() + b"\n"


def read_testpo(content: bytes, *, channel: str, customer_id: str, key_prefix: str = "") -> SalesOrder:
    fields = [line.split() for line in content[len(MAGIC):].decode().splitlines() if line.strip()]
    if not fields or fields[0][0] != "po":
        raise DocumentError("a TESTPO file starts with its po line")
    lines = [OrderLine(line_number=n, vendor_part=sku, quantity=Decimal(qty),
                       unit_price=Decimal(price))
             for n, (_, sku, qty, price) in enumerate(fields[1:], start=1)]
    return SalesOrder(source_key=f"{key_prefix}{fields[0][1]}", channel=channel, format="testpo",
                      partner_id=f"testpo:{customer_id}", customer_id=customer_id,
                      po_number=fields[0][1], lines=lines, ship_to=SHIP_TO)


def ack(conn, saved, document_id: int, now: datetime, occasion: str = "") -> list[Queued]:
    messages = [OutboundMessage(
        dedupe_key=f"{ACK.name}:{document_id}:{item.order.source_key}{occasion}", kind=ACK.name,
        partner_id=f"testpo:{item.order.customer_id}", customer_id=item.order.customer_id,
        destination=item.order.customer_id, filename=f"ack_{item.order_id}{occasion[1:]}.txt",
        payload=f"{item.order.po_number} {item.status}{occasion}".encode(),
        document_id=document_id, order_id=item.order_id) for item in saved]
    return queue_messages(conn, messages, now)


def process(ctx: DocumentContext, content: bytes) -> tuple[str, str | None]:
    if ctx.customer_hint is None:
        raise DocumentError("a TESTPO file names no customer: drop it into inbox/<customer_id>/")
    order = read_testpo(content, channel=ctx.channel, customer_id=ctx.customer_hint)
    # Like every format, a held order is answered once it is resolved, not now.
    store_checked(ctx, [order], lambda conn, saved: ack(
        conn, [item for item in saved if item.status != "held"], ctx.document_id, ctx.now))
    return "processed", None


def read_attached(attachment, to: AttachedTo) -> AttachmentOrders:
    return AttachmentOrders(orders=[read_testpo(attachment.content, channel=to.channel,
                                                customer_id=to.customer_id,
                                                key_prefix=f"{attachment.index}/")])


def answer_resolved(res: Resolution) -> list[Queued]:
    return ack(res.conn, [res.saved], res.document_id, res.now, res.occasion)


TESTPO = FormatHandler(name="testpo", detect=lambda content: content.startswith(MAGIC),
                       process=process, read_attached=read_attached,
                       answer_resolved=answer_resolved, order_formats=("testpo",))


@pytest.fixture
def registered():
    """TESTPO in the registry (before CSV, whose loose test a text file may pass) and its
    acknowledgement among the outbound kinds, for this test only."""
    before = dict(FORMATS.handlers)
    FORMATS.register(TESTPO, before="csv")
    OUTBOUND.register(ACK)
    yield
    FORMATS.handlers = before
    OUTBOUND._kinds.pop(ACK.name)


def mail_with(content: bytes, name: str) -> bytes:
    message = EmailMessage()
    message["Authentication-Results"] = f"{TRUSTED_AUTHSERV_ID}; dmarc=pass header.from=acme.example"
    message["From"] = "Ann Buyer <buyer@acme.example>"
    message["To"] = "orders@ordergate.example"
    message["Subject"] = "Our order"
    message["Message-ID"] = "<testpo-1@acme.example>"
    message["Date"] = "Sun, 06 Dec 2026 09:00:00 +0000"
    message.set_content("Please see the attachment.")
    message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes(policy=policy.SMTP)


def test_a_registered_format_is_detected_processed_and_answered_by_ingest(db, ingest, registered):
    content = tpo_file("T-1", ("HW-1001", "2", "16.50"))
    assert FORMATS.detect(content) == "testpo"
    [document] = ingest(RawDocument(content=content, channel="dropfolder", source_ref="t.po",
                                    customer_hint="ACME")).documents
    assert (document.format, document.status, document.error) == ("testpo", "processed", None)
    [order] = document.orders
    assert order.hold_reasons == []
    assert (order.po_number, order.customer_id, order.status) == ("T-1", "ACME", "accepted")
    [answer] = outbox(db, ACK.name)
    assert bytes(answer.payload) == b"T-1 accepted"


def test_a_registered_format_attached_to_a_mail_becomes_an_order_answered_by_mail(
        db, ingest, registered):
    content = tpo_file("T-2", ("HW-1001", "3", "16.50"))
    [document] = ingest(mail_with(content, "order.tpo")).documents
    assert (document.format, document.status) == ("email", "processed")
    [order] = document.orders
    assert (order.po_number, order.customer_id, order.status) == ("T-2", "ACME", "accepted")
    [reply] = [email.message_from_bytes(bytes(row.payload), policy=policy.default)
               for row in outbox(db, "email")]
    assert reply["In-Reply-To"] == "<testpo-1@acme.example>"
    assert "T-2" in reply.get_body(("plain",)).get_content()


def test_a_registered_formats_held_order_is_answered_its_own_way_on_release(
        db, ingest, settings, registered):
    # 99.00 is far from ACME's price for HW-1001 (16.50): the order is held for its price.
    content = tpo_file("T-3", ("HW-1001", "1", "99.00"))
    [document] = ingest(RawDocument(content=content, channel="dropfolder", source_ref="t3.po",
                                    customer_hint="ACME")).documents
    [order] = document.orders
    assert order.status == "held"
    assert outbox(db, ACK.name) == []  # a held order is answered when it is resolved
    outcome = holds.reject(db, settings, order.order_id, actor="ops:ann", now=NOW,
                           reason="price not agreed")
    assert [(q.kind, q.filename) for q in outcome.outbound] == [(ACK.name, f"ack_{order.order_id}resolved.txt")]
    [answer] = outbox(db, ACK.name)
    assert bytes(answer.payload) == b"T-3 rejected:resolved"
    assert outbox(db, "csv-ack") == [] and outbox(db, "855") == []


@pytest.mark.parametrize("gap", ["no answer registered", "format no longer registered"])
def test_a_format_without_an_answer_on_resolution_fails_loudly(db, ingest, settings, registered,
                                                                gap):
    [document] = ingest(RawDocument(content=tpo_file("T-4", ("HW-1001", "1", "99.00")),
                                    channel="dropfolder", source_ref="t4.po",
                                    customer_hint="ACME")).documents
    [order] = document.orders
    assert order.status == "held"
    if gap == "no answer registered":
        FORMATS.register(FormatHandler(name="testpo", detect=TESTPO.detect, process=process))
    else:
        FORMATS.unregister("testpo")
    with pytest.raises(NoAnswer, match="came in a testpo document, and no answer on release or "
                                       "rejection is registered"):
        holds.reject(db, settings, order.order_id, actor="ops:ann", now=NOW, reason="no")
    [stored] = rows(db, t.orders)
    assert stored.status == "held"  # nothing changed: the rejection rolled back
    assert outbox(db) == []


def test_a_format_that_is_not_processed_on_its_own_is_refused_with_the_ones_that_are(ingest):
    [document] = ingest(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").documents
    assert (document.format, document.status) == ("pdf", "failed")
    assert document.error == ("pdf documents are not processed yet; supported formats: csv, "
                              "edifact, email, x12, xls, xlsx")


def test_attachment_kinds_from_the_registry_agree_with_the_built_in_sniffing(registered):
    samples = [b"ISA*00*", b"UNB+UNOC:3", b"%PDF-1.7", b"sku,qty\nA,1\n", b"PK\x05\x06" + bytes(18),
               b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), b"\x89PNG\r\n\x1a\n\x00",
               b"just some words\n"]
    assert [FORMATS.kind_of(s) for s in samples] == [sniff.sniff_kind(s) for s in samples]
    assert FORMATS.kind_of(tpo_file("T-5")) == "testpo" and FORMATS.is_order("testpo")
    assert not FORMATS.is_order("zip") and not FORMATS.is_order("email")


def test_an_outbound_message_of_an_unregistered_kind_is_refused_before_it_is_stored(db):
    message = OutboundMessage(dedupe_key="x:1", kind="no-such-kind", partner_id="p", customer_id=None,
                              destination="d", filename="f", payload=b"")
    with db.begin() as conn, pytest.raises(UnknownOutboundKind, match="no outbound document kind .no-such-kind."):
        queue_messages(conn, [message], NOW)
    assert rows(db, t.outbox) == []
