"""`ordergate notify setup` on a real Prefect server (the test harness runs its triggers and
actions services): a held order and a failed document each reach a local webhook receiver, or
an aiosmtpd server by mail, through the automations it made."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ordergate.processing.report import DocumentReport, IngestReport, OrderReport

WAIT_SECONDS = 30  # the goal is 5 s; the wait is generous so a busy machine does not fail it


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((time.monotonic(), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.received
    server.shutdown()


def _report(order_id: int, document_id: int) -> IngestReport:
    held = OrderReport(order_id=order_id, po_number=f"PO-{order_id}", customer_id="ACME",
                       status="held", hold_reasons=["line 1: unknown item ZZ-9"])
    return IngestReport(documents=[
        DocumentReport(path="po.edi", document_id=document_id - 1, format="x12",
                       status="processed", orders=[held]),
        DocumentReport(path=f"bad{document_id}.edi", document_id=document_id, format=None,
                       status="failed", error="not a format ordergate reads")])


def _wait(condition):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no notification within {WAIT_SECONDS} s")
        time.sleep(0.1)


def test_a_held_order_and_a_failed_document_reach_the_webhook(prefect_harness, ordergate_home,
                                                              webhook, monkeypatch):
    from ordergate.flows.events import emit_hold_events
    from ordergate.flows.notify import setup_notifications
    from ordergate.settings import Settings

    url, received = webhook
    monkeypatch.setenv("ORDERGATE_NOTIFY_WEBHOOK", url)
    made = setup_notifications(Settings())
    assert made.channel == "webhook" and len(made.automations) == 4
    again = setup_notifications(Settings())  # run twice: replaced, not doubled
    assert again.automations == made.automations
    time.sleep(2)  # the triggers service reads new automations on its own schedule

    sent = time.monotonic()
    assert emit_hold_events(_report(7001, 901), installation="notifytest") == 2
    _wait(lambda: len(received) >= 2)
    subjects = sorted(body["subject"] for _, body in received)
    assert subjects == ["Document failed: bad901.edi", "Order on hold: PO PO-7001 (ACME)"]
    held = next(body for _, body in received if body["subject"].startswith("Order"))
    assert "unknown item ZZ-9" in held["body"] and "ordergate holds release 7001" in held["body"]
    print(f"notification latency: {max(at for at, _ in received) - sent:.2f} s")
    time.sleep(1)
    assert len(received) == 2  # one notification each, not one per automation run twice


def test_notifications_by_mail_go_through_the_smtp_settings(prefect_harness, ordergate_home,
                                                            start_smtp_server, monkeypatch):
    import email
    from email import policy

    from ordergate.flows.events import emit_hold_events
    from ordergate.flows.notify import setup_notifications
    from ordergate.settings import Settings

    smtp = start_smtp_server("none")
    monkeypatch.setenv("ORDERGATE_SMTP_HOST", smtp.host)
    monkeypatch.setenv("ORDERGATE_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("ORDERGATE_SMTP_SECURITY", "none")
    monkeypatch.setenv("ORDERGATE_NOTIFY_EMAIL", "ops@ordergate.example")
    monkeypatch.delenv("ORDERGATE_NOTIFY_WEBHOOK", raising=False)
    made = setup_notifications(Settings())
    assert made.channel == "email"
    time.sleep(2)
    emit_hold_events(_report(7002, 903), installation="notifytest")
    _wait(lambda: len(smtp.handler.received) >= 2)
    mails = [email.message_from_bytes(m.content, policy=policy.default)
             for m in smtp.handler.received]
    assert sorted(m["Subject"] for m in mails) == ["Document failed: bad903.edi",
                                                   "Order on hold: PO PO-7002 (ACME)"]
    assert {tuple(m.rcpt_tos) for m in smtp.handler.received} == {("ops@ordergate.example",)}


def test_setup_without_a_channel_says_what_to_set(ordergate_home, monkeypatch):
    from ordergate.errors import ConfigError
    from ordergate.flows.notify import setup_notifications
    from ordergate.settings import Settings

    monkeypatch.delenv("ORDERGATE_NOTIFY_WEBHOOK", raising=False)
    monkeypatch.delenv("ORDERGATE_NOTIFY_EMAIL", raising=False)
    with pytest.raises(ConfigError, match="ORDERGATE_NOTIFY_WEBHOOK"):
        setup_notifications(Settings())
