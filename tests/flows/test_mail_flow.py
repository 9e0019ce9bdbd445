"""End to end with real servers: a mail with a PDF purchase order APPENDed to Dovecot, the
mailbox flow under Prefect's harness, the order stored, the confirmation (with its PDF)
received by an aiosmtpd server, and the mail moved to Processed. The same mail twice is one
order and one confirmation."""

from __future__ import annotations

import email
import shutil
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from benchmarks.bench_pdf_extract import PoLine, PoSpec, build_po_pdf
from ordergate.masterdata.seed import seed_masterdata
from ordergate.flows.story import report_of
from ordergate.store import tables as t
from tests.kit.mailserver import authentication_results

MASTERDATA = Path(__file__).resolve().parents[2] / "samples" / "masterdata"


def po_mail(po_number: str, message_id: str) -> bytes:
    pdf = build_po_pdf(PoSpec(po_number=po_number, date_text="2026-11-20", currency="USD", lines=[
        PoLine(vendor_part="HW-1001", description=("Hex bolt M8 x 40, zinc",), quantity="10",
               uom="CS", unit_price="16.50"),
        PoLine(vendor_part="JS-2001", description=("Nitrile gloves, size L",), quantity="4",
               uom="CS", unit_price="10.25")]))
    mail = EmailMessage()
    mail["Authentication-Results"] = authentication_results("acme.example")
    mail["From"] = "Ann Buyer <buyer@acme.example>"
    mail["To"] = "orders@ordergate.example"
    mail["Subject"] = f"Purchase order {po_number}"
    mail["Message-ID"] = message_id
    mail["Date"] = "Sun, 29 Nov 2026 09:00:00 +0000"
    mail.set_content("Please confirm the attached order.")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"PO-{po_number}.pdf")
    return mail.as_bytes(policy=policy.SMTP)


def _point_at(monkeypatch, imap_account, smtp) -> None:
    imap = imap_account.settings("tls")
    for name, value in {"HOST": imap.host, "PORT": imap.port, "SECURITY": "tls",
                        "USER": imap.user, "CA_FILE": str(imap.ca_file)}.items():
        monkeypatch.setenv(f"ORDERGATE_IMAP_{name}", str(value))
    monkeypatch.setenv("ORDERGATE_IMAP_PASSWORD", imap_account.password)
    for name, value in {"HOST": smtp.host, "PORT": smtp.port, "SECURITY": smtp.security,
                        "CA_FILE": str(smtp.ca_file or "")}.items():
        monkeypatch.setenv(f"ORDERGATE_SMTP_{name}", str(value))


@pytest.fixture
def wired(prefect_harness, ordergate_home, imap_account, start_smtp_server, monkeypatch,
          tmp_path):
    smtp = start_smtp_server("starttls")
    _point_at(monkeypatch, imap_account, smtp)
    # The sample profile holds Acme's PDF orders below 0.75; this generated PO's ship-to block
    # reads at 0.70, and this test is about the confirmation, so Acme trusts a bit more here.
    folder = tmp_path / "masterdata"
    (folder / "partners").mkdir(parents=True)
    shutil.copy(MASTERDATA / "customers.csv", folder)
    (folder / "partners" / "ACME.yaml").write_text(
        "email_addresses: [buyer@acme.example]\nemail_domains: [acme.example]\nmin_confidence: 0.6\n")
    seed_masterdata(ordergate_home[1], folder)
    return ordergate_home, imap_account, smtp


def test_a_pdf_read_with_low_confidence_is_held_and_the_reply_says_under_review(
        prefect_harness, ordergate_home, imap_account, start_smtp_server, monkeypatch):
    from ordergate.flows.mail_flow import ingest_mailbox

    smtp = start_smtp_server("none")
    _point_at(monkeypatch, imap_account, smtp)
    imap_account.append(po_mail("PO-77002", "<po-77002@acme.example>"))
    [document] = report_of(ingest_mailbox(return_state=True)).documents
    [order] = document.orders
    assert order.status == "held"
    assert "confidence below 0.75: ship_to" in order.hold_reasons[0]
    [received] = smtp.handler.received
    reply = email.message_from_bytes(received.content, policy=policy.default)
    assert "under review" in reply.get_body(("plain",)).get_content()
    assert not [part for part in reply.iter_attachments()]


def test_a_mailed_pdf_po_becomes_an_order_and_a_threaded_confirmation(wired):
    from ordergate.flows.mail_flow import ingest_mailbox

    (settings, engine), mailbox, smtp = wired
    mailbox.append(po_mail("PO-77001", "<po-77001@acme.example>"))

    report = report_of(ingest_mailbox(return_state=True))

    [document] = report.documents
    assert (document.format, document.status) == ("email", "processed"), document.error
    [order] = document.orders
    assert (order.po_number, order.customer_id, order.status) == ("PO-77001", "ACME", "accepted")
    assert order.total == Decimal("10") * Decimal("16.50") + Decimal("4") * Decimal("10.25")
    with engine.connect() as conn:
        assert conn.execute(select(t.orders.c.po_number)).scalars().all() == ["PO-77001"]
        [claim] = conn.execute(select(t.mail_claims)).all()
        assert claim.message_id == "po-77001@acme.example" and claim.customer_id == "ACME"
        assert len(conn.execute(select(t.mailbox_messages)).all()) == 1

    [received] = smtp.handler.received
    assert received.rcpt_tos == ["buyer@acme.example"]
    reply = email.message_from_bytes(received.content, policy=policy.default)
    assert reply["In-Reply-To"] == "<po-77001@acme.example>"
    assert reply["Subject"] == "Re: Purchase order PO-77001"
    [pdf] = [part for part in reply.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_content().startswith(b"%PDF")
    assert "PO-77001" in reply.get_body(("plain",)).get_content()

    assert mailbox.uids("INBOX") == [] and len(mailbox.uids("Processed")) == 1

    # The same mail again (a second delivery, other bytes because of a new Received header):
    mailbox.append(b"Received: from relay.example by mx.example; Sun, 29 Nov 2026 09:01:00 +0000\r\n"
                   + po_mail("PO-77001", "<po-77001@acme.example>"))
    [again] = report_of(ingest_mailbox(return_state=True)).documents
    assert again.status == "duplicate" and "already received as document" in again.error
    with engine.connect() as conn:
        assert len(conn.execute(select(t.orders)).all()) == 1
    assert len(smtp.handler.received) == 1
    assert mailbox.uids("INBOX") == [] and len(mailbox.uids("Processed")) == 2


def test_mail_from_an_unknown_sender_is_quarantined_and_moved_to_failed(wired):
    from ordergate.flows.mail_flow import ingest_mailbox

    (settings, engine), mailbox, smtp = wired
    mailbox.append(po_mail("PO-1", "<x@evil.example>").replace(b"buyer@acme.example",
                                                                b"someone@evil.example"))
    state = ingest_mailbox(return_state=True)
    [document] = report_of(state).documents
    assert document.status == "failed"
    assert "quarantined" in document.error and "someone@evil.example" in document.error
    assert smtp.handler.received == []  # never answer a sender we do not know
    assert mailbox.uids("INBOX") == [] and len(mailbox.uids("Failed")) == 1
    # Ops see it: the run failed, and the mail's own task run, named by sender and subject,
    # is red with the reason
    assert state.is_failed() and "quarantined" in state.message
    from tests.kit.prefect_api import task_runs

    [mail_run] = [run for run in task_runs(state.state_details.flow_run_id)
                  if run.name.startswith("mail ")]
    assert mail_run.name == "mail from Ann Buyer <someone@evil.example>: Purchase order PO-1"
    assert mail_run.state.is_failed() and "quarantined" in mail_run.state.message
    assert document.title == "from Ann Buyer <someone@evil.example>: Purchase order PO-1"
