"""Mail through the whole pipeline (SQLite and PostgreSQL): who sent it, what its attachments
become, what is answered, and what is kept but never turned into orders."""

from __future__ import annotations

import email
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from benchmarks.bench_pdf_extract import PoLine, PoSpec, build_po_pdf
from ordergate.store import tables as t
from tests.kit import edifact as edifactkit
from tests.kit.mailserver import TRUSTED_AUTHSERV_ID
from tests.kit.x12 import GLOBEX, order_file, outbox, rows, stored_content

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ACME_CSV = (SAMPLES / "csv" / "acme_4500012400.csv").read_bytes()


def mail(*attachments: tuple[bytes, str, str], sender: str = "Ann Buyer <buyer@acme.example>",
         message_id: str = "<m1@acme.example>", authenticated: bool = True, **headers: str) -> bytes:
    """A mail as our mail server hands it over: with its Authentication-Results (DMARC pass for
    the From domain) unless ``authenticated`` is False or the test gives its own."""
    message = EmailMessage()
    if authenticated and "Authentication_Results" not in headers:
        domain = sender.rstrip(">").rsplit("@", 1)[-1]
        message["Authentication-Results"] = f"{TRUSTED_AUTHSERV_ID}; dmarc=pass header.from={domain}"
    message["From"] = sender
    message["To"] = "orders@ordergate.example"
    message["Subject"] = "Our order"
    message["Message-ID"] = message_id
    message["Date"] = "Sun, 29 Nov 2026 09:00:00 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Please see the attachment.")
    for content, mime, name in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes(policy=policy.SMTP)


def replies(db) -> list[EmailMessage]:
    return [email.message_from_bytes(bytes(row.payload), policy=policy.default)
            for row in outbox(db, "email")]


def test_a_csv_order_from_a_known_sender_is_stored_and_confirmed_with_a_pdf(db, ingest):
    [document] = ingest(mail((ACME_CSV, "text/csv", "po.csv"))).documents
    assert (document.format, document.status) == ("email", "processed")
    [order] = document.orders
    assert (order.po_number, order.customer_id, order.status) == ("4500012400", "ACME", "accepted")
    [reply] = replies(db)
    assert reply["To"] == "Ann Buyer <buyer@acme.example>"
    assert reply["In-Reply-To"] == "<m1@acme.example>"
    assert [part.get_content_type() for part in reply.iter_attachments()] == ["application/pdf"]
    [claim] = rows(db, t.mail_claims)
    assert (claim.message_id, claim.customer_id) == ("m1@acme.example", "ACME")


def test_a_profile_column_map_reads_a_customers_own_headers(db, ingest):
    content = (SAMPLES / "csv" / "initech_0047110815.csv").read_bytes()
    [document] = ingest(mail((content, "text/csv", "Bestellung.csv"),
                             sender="einkauf@initech.example")).documents
    [order] = document.orders
    assert (order.po_number, order.customer_id) == ("0047110815", "INITECH")
    assert [line.quantity for line in order.lines] == [Decimal("1200"), Decimal("250"), Decimal("2")]


def test_an_850_attachment_gets_its_855_and_997_and_an_email(db, ingest):
    [document] = ingest(mail((order_file("4711"), "application/edi-x12", "po.edi"))).documents
    assert document.status == "processed"
    assert [(o.po_number, o.status) for o in document.orders] == [("4711", "accepted")]
    assert sorted(m.kind for m in outbox(db)) == ["855", "997", "email"]
    [reply] = replies(db)
    assert "4711" in reply.get_body(("plain",)).get_content()


def test_a_resent_copy_with_the_same_message_id_is_a_duplicate(db, ingest):
    first = mail((ACME_CSV, "text/csv", "po.csv"))
    [original] = ingest(first).documents
    [again] = ingest(b"Received: from relay.example; Sun, 29 Nov 2026 09:05:00 +0000\r\n" + first).documents
    assert again.status == "duplicate"
    assert f"already received as document {original.document_id}" in again.error
    assert len(rows(db, t.orders)) == 1 and len(replies(db)) == 1


@pytest.mark.parametrize("sender, headers, reason", [
    ("someone@evil.example", {}, "not a known customer"),
    ("buyer@acme.example", {"Authentication_Results": "mx.ordergate.example; dmarc=fail header.from=acme.example"},
     "DMARC fail"),
])
def test_mail_that_must_not_become_orders_is_quarantined_and_not_answered(db, ingest, sender,
                                                                          headers, reason):
    sent = mail((ACME_CSV, "text/csv", "po.csv"), sender=sender, **headers)
    [document] = ingest(sent).documents
    assert document.status == "failed"
    assert "quarantined" in document.error and reason in document.error
    assert rows(db, t.orders) == [] and replies(db) == []
    [stored] = rows(db, t.documents)
    assert stored.status == "failed" and stored_content(db, stored.id) == sent  # kept


def test_a_part_header_of_100000_parameters_is_quarantined_fast_and_kept(db, ingest):
    import time

    raw = mail((ACME_CSV, "text/csv", "po.csv"))
    marker = b'Content-Disposition: attachment; filename="po.csv"'
    assert marker in raw
    raw = raw.replace(marker, marker + b";\r\n a=b" * 100_000)
    started = time.monotonic()
    [document] = ingest(raw).documents
    assert time.monotonic() - started < 10  # the email package alone took minutes on such a header
    assert document.status == "failed" and "quarantined" in document.error
    assert ("the headers of MIME part 2: the Content-Disposition header has 100,001 parameters, "
            "over the limit of 100") in document.error
    assert rows(db, t.orders) == []
    [stored] = rows(db, t.documents)
    assert stored_content(db, stored.id) == raw  # kept as received


def test_a_known_sender_whose_mail_has_no_order_is_told_why(db, ingest):
    [document] = ingest(mail()).documents
    assert document.status == "failed" and "no purchase order attached" in document.error
    [reply] = replies(db)
    assert "no purchase order attached" in reply.get_body(("plain",)).get_content()


def test_an_unreadable_pdf_fails_with_the_attachment_named_and_the_sender_is_told(db, ingest):
    [document] = ingest(mail((b"%PDF-1.4 broken", "application/pdf", "order.pdf"))).documents
    assert document.status == "failed" and "attachment 1 (order.pdf)" in document.error
    [reply] = replies(db)
    assert "order.pdf" in reply.get_body(("plain",)).get_content()


def test_a_pdf_order_is_read_and_a_low_confidence_field_holds_it(db, ingest):
    pdf = build_po_pdf(PoSpec(po_number="PO-88", currency="USD", lines=[
        PoLine(vendor_part="HW-1001", description=("Hex bolt",), quantity="5", uom="CS",
               unit_price="16.50")]))
    [document] = ingest(mail((pdf, "application/pdf", "PO-88.pdf"))).documents
    [order] = document.orders
    assert order.po_number == "PO-88" and order.status == "held"  # ACME's profile: 0.75
    assert "confidence below 0.75" in order.hold_reasons[0]
    [reply] = replies(db)
    assert "under review" in reply.get_body(("plain",)).get_content()


def test_mail_from_a_robot_is_processed_but_not_answered(db, ingest):
    [document] = ingest(mail((ACME_CSV, "text/csv", "po.csv"),
                             sender="mailer-daemon@acme.example")).documents
    assert document.status == "processed" and len(document.orders) == 1
    assert replies(db) == []


def test_a_held_pdf_order_released_after_review_is_confirmed_in_the_same_thread(db, ingest, settings):
    from datetime import datetime, timezone

    from ordergate.orders.checks import Overrides
    from ordergate.processing import holds

    [document] = ingest((SAMPLES / "email" / "acme_pdf_order.eml").read_bytes()).documents
    [order] = document.orders
    assert order.status == "held" and "ship_to (0.70)" in order.hold_reasons[0]
    now = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)
    still = holds.release(db, settings, order.order_id, actor="ops", now=now)
    assert still.status == "held"  # the doubt stays until a person says it was checked
    released = holds.release(db, settings, order.order_id, actor="ops", now=now,
                             overrides=Overrides(reviewed=True))
    assert released.status == "accepted"
    under_review, confirmation = replies(db)
    assert "under review" in under_review.get_body(("plain",)).get_content()
    assert confirmation["In-Reply-To"] == "<4500012401.sample@acme.example>"
    assert [p.get_content_type() for p in confirmation.iter_attachments()] == ["application/pdf"]


def test_a_held_order_from_an_edifact_attachment_gets_its_ordrsp_and_an_email_on_release(
        db, ingest, settings):
    from datetime import datetime, timezone

    from ordergate.orders.checks import Overrides
    from ordergate.processing import holds
    from tests.kit.edifact import gtin
    from tests.kit.edifact import order_file as edifact_file

    content = edifact_file("EU-MAIL-1", gtin("HW-1001", "5", price="15,00"), reference="ICM")
    [document] = ingest(mail((content, "application/edifact", "order.edi"),
                             sender="einkauf@initech.example")).documents
    [order] = document.orders
    assert order.status == "held" and outbox(db, "ORDRSP") == []
    holds.release(db, settings, order.order_id, actor="ops",
                  now=datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc),
                  overrides=Overrides(accept_po_price=True))
    [ordrsp] = outbox(db, "ORDRSP")
    assert ordrsp.destination == "INITECH"
    assert len(replies(db)) == 2  # "under review" at intake, the confirmation now


# ---------------------------------------------------------------- who may order by mail
def test_an_850_in_acmes_mail_naming_globex_is_quarantined_and_nothing_is_sent(db, ingest):
    globex_850 = order_file("G-1", sender=GLOBEX)
    [document] = ingest(mail((globex_850, "application/edi-x12", "po.edi"))).documents
    assert document.status == "failed" and "quarantined" in document.error
    assert "holds an interchange from X12 sender 12:5551234567 (customer GLOBEX)" in document.error
    assert "the mail is from customer ACME" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_an_orders_message_in_acmes_mail_naming_initech_is_quarantined(db, ingest):
    initech_orders = edifactkit.order_file("I-1", *edifactkit.GOOD_LINES)
    [document] = ingest(mail((initech_orders, "application/edifact", "orders.edi"))).documents
    assert document.status == "failed"
    assert "EDIFACT sender 5412345000013:14 (customer INITECH)" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_an_interchange_from_an_unknown_sender_in_a_customers_mail_is_quarantined(db, ingest):
    stranger = order_file("S-1", sender=("ZZ", "STRANGER"))
    [document] = ingest(mail((stranger, "application/edi-x12", "po.edi"))).documents
    assert "X12 sender ZZ:STRANGER (no known customer)" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_a_mail_with_the_customers_own_850_and_a_foreign_one_makes_no_order_at_all(db, ingest):
    [document] = ingest(mail((order_file("A-1"), "application/edi-x12", "a.edi"),
                             (order_file("G-1", sender=GLOBEX), "application/edi-x12", "g.edi"))).documents
    assert document.status == "failed" and "attachment 2 (g.edi)" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_an_unauthenticated_mail_is_held_unanswered_until_ops_verify_the_sender(db, ingest, settings):
    from datetime import datetime, timezone

    from ordergate.orders.checks import Overrides
    from ordergate.processing import holds

    [document] = ingest(mail((ACME_CSV, "text/csv", "po.csv"), authenticated=False,
                             Reply_To="Mallory <mallory@evil.example>")).documents
    [order] = document.orders
    assert order.status == "held"
    assert order.hold_reasons[0].startswith("sender not authenticated: no Authentication-Results"
                                            f" from {TRUSTED_AUTHSERV_ID}")
    assert replies(db) == []
    now = datetime.now(timezone.utc)
    still = holds.release(db, settings, order.order_id, actor="ops", now=now,
                          overrides=Overrides(reviewed=True))
    assert still.status == "held"  # "reviewed" is about what was read, not who sent it
    released = holds.release(db, settings, order.order_id, actor="ops", now=now,
                             overrides=Overrides(sender_verified=True))
    assert released.status == "accepted"
    [reply] = replies(db)
    assert reply["To"] == "Ann Buyer <buyer@acme.example>"  # never the Reply-To
    assert reply["In-Reply-To"] == "<m1@acme.example>"


@pytest.mark.parametrize("results", [
    "mx.attacker.example; dmarc=pass header.from=acme.example",  # not our server
    f"{TRUSTED_AUTHSERV_ID}; dkim=pass header.d=evil.example",  # not the From domain
    f"{TRUSTED_AUTHSERV_ID}; spf=pass smtp.mailfrom=bounce@evil.example",
    f"{TRUSTED_AUTHSERV_ID}; dmarc=pass header.from=evil.example",
    f"{TRUSTED_AUTHSERV_ID}; dmarc=none header.from=acme.example; spf=none; dkim=none",
])
def test_a_pass_that_does_not_prove_the_from_domain_is_not_authentication(db, ingest, results):
    [document] = ingest(mail((ACME_CSV, "text/csv", "po.csv"), Authentication_Results=results)).documents
    [order] = document.orders
    assert order.status == "held" and order.hold_reasons[0].startswith("sender not authenticated")
    assert replies(db) == []


@pytest.mark.parametrize("results", [
    f"{TRUSTED_AUTHSERV_ID}; spf=pass smtp.mailfrom=bounces@mail.acme.example",
    f"{TRUSTED_AUTHSERV_ID}; dkim=fail header.d=list.example; dkim=pass header.d=acme.example",
])
def test_an_aligned_spf_or_dkim_pass_from_our_server_authenticates(db, ingest, results):
    [document] = ingest(mail((ACME_CSV, "text/csv", "po.csv"), Authentication_Results=results)).documents
    assert [o.status for o in document.orders] == ["accepted"]
    assert len(replies(db)) == 1


def test_without_trusted_servers_configured_no_mail_is_authenticated(db, ingest, settings):
    settings.mail_trusted_authserv_ids = ""
    [document] = ingest(mail((ACME_CSV, "text/csv", "po.csv"))).documents
    [order] = document.orders
    assert order.status == "held" and "ORDERGATE_MAIL_TRUSTED_AUTHSERV_IDS" in order.hold_reasons[0]


def test_an_unauthenticated_mail_with_the_customers_own_850_is_quarantined(db, ingest):
    [document] = ingest(mail((order_file("A-1"), "application/edi-x12", "po.edi"),
                             authenticated=False)).documents
    assert document.status == "failed"
    assert "taken only from an authenticated sender" in document.error
    assert rows(db, t.orders) == [] and outbox(db) == []


def test_a_sender_known_by_domain_is_answered_at_the_registered_address(db, ingest):
    [document] = ingest(mail((ACME_CSV, "text/csv", "po.csv"),
                             sender="Bob <bob@acme.example>")).documents
    assert [o.status for o in document.orders] == ["accepted"]
    [reply] = replies(db)
    assert reply["To"] == "edi-orders@acme.example"  # customers.csv, not the address in the mail


def test_a_mailed_csv_whose_customer_column_names_another_customer_makes_no_order(db, ingest):
    csv_file = ACME_CSV.replace(b"\nACME,", b"\nGLOBEX,")  # the sample's customer_id column
    [document] = ingest(mail((csv_file, "text/csv", "po.csv"))).documents
    assert document.status == "failed" and "names customer 'GLOBEX'" in document.error
    assert rows(db, t.orders) == [] and [m.destination for m in outbox(db)] == ["ACME"]


# ---------------------------------------------------------------- headers that cost or crash
def _raw_mail(*header_lines: str) -> bytes:
    head = "\r\n".join(["To: orders@ordergate.example", "Subject: s",
                        "Date: Sun, 29 Nov 2026 09:00:00 +0000", *header_lines])
    return (head + "\r\n\r\nbody\r\n").encode()


def test_an_over_long_from_address_is_quarantined_not_an_internal_error(db, ingest):
    [document] = ingest(_raw_mail("Message-ID: <long@b>", "From: " + "a" * 1000 + "@acme.example")).documents
    assert document.status == "failed"
    assert "quarantined" in document.error and "no readable sender" in document.error


def test_a_content_type_of_nested_comments_is_no_internal_error(db, ingest):
    [document] = ingest(_raw_mail("Message-ID: <parens@b>", "From: buyer@acme.example",
                                  "Content-Type: text/plain" + "(" * 1200)).documents
    assert document.status == "failed" and "internal error" not in document.error


def test_a_slow_from_header_costs_the_parse_budget_once_and_no_more(db, ingest, settings):
    import time

    settings.parse_max_seconds = 2.0
    started = time.monotonic()
    [document] = ingest(_raw_mail("Message-ID: <quotes@b>", "From: " + '"' * 32000)).documents
    assert document.status == "failed" and "quarantined" in document.error
    # The guarded read stops at 2 s, the headers-only fallback has its own small budget; the
    # reply details come from that read, not from another unguarded parse of the headers.
    assert time.monotonic() - started < 20


def test_a_forged_mail_cannot_make_the_customers_real_order_a_duplicate(db, ingest):
    [forged] = ingest(mail((ACME_CSV, "text/csv", "po.csv"), authenticated=False,
                           message_id="<forged@evil.example>")).documents
    [held] = forged.orders
    assert (held.po_number, held.status) == ("4500012400", "held")
    [real] = ingest(order_file("4500012400")).documents
    assert [(o.po_number, o.status) for o in real.orders] == [("4500012400", "accepted")]
    assert sorted(m.kind for m in outbox(db)) == ["855", "997"]  # and nothing to the forger
    [moved] = rows(db, t.orders, t.orders.c.id == held.order_id)
    assert moved.status == "rejected" and moved.po_number == f"4500012400~unverified-{held.order_id}"
    assert "superseded" in moved.hold_reasons


def test_a_forged_mail_after_the_real_order_is_only_a_duplicate_and_unanswered(db, ingest):
    ingest(order_file("4500012400"))
    [forged] = ingest(mail((ACME_CSV, "text/csv", "po.csv"), authenticated=False)).documents
    assert [o.status for o in forged.orders] == ["duplicate"]
    assert replies(db) == [] and len(rows(db, t.orders)) == 1


def test_a_mails_attachments_share_one_reading_budget(db, ingest, settings, monkeypatch):
    import itertools
    import types

    from ordergate.processing.email import intake as email_intake

    # Each look at the clock finds 40 s more gone: the first attachment still has 20 s of
    # the mail's 60, the second none.
    ticks = itertools.count(0, 40)
    monkeypatch.setattr(email_intake, "time", types.SimpleNamespace(monotonic=lambda: next(ticks)))
    settings.parse_max_seconds = 60
    second = ACME_CSV.replace(b"4500012400", b"4500012499")
    [document] = ingest(mail((ACME_CSV, "text/csv", "a.csv"), (second, "text/csv", "b.csv"))).documents
    assert [o.po_number for o in document.orders] == ["4500012400"]
    assert any("attachment 2 (b.csv): not read, the mail's reading budget of 60 s" in p
               for p in document.problems)
