"""Header blocks are checked on the raw bytes before the email package parses them, and the
parse runs within a time and memory budget: a hostile header costs milliseconds, a mail over
the budget is quarantined with the reason, and its sender and subject are still reported."""

from __future__ import annotations

import base64
import time

from ordergate.parsers.email.limits import MailLimits, scan_header_blocks
from ordergate.parsers.email.message import read_mail
from ordergate.parsers.guard import ParseBudget
from tests.kit.processes import children

HEAD = "From: Ann Buyer <ann@example.com>\r\nSubject: PO 4711\r\nMessage-ID: <p@example.com>\r\n"


def test_a_content_type_with_100000_rfc2231_parameters_is_quarantined_fast():
    parameters = "".join(f";\r\n x{n}*0*=us-ascii''a" for n in range(100_000))
    raw = (HEAD + f"Content-Type: text/plain{parameters}\r\n\r\nbody\r\n").encode()
    assert len(raw) > 1_000_000
    started = time.monotonic()
    document = read_mail(raw)
    assert time.monotonic() - started < 5  # the stdlib parser spent 340 s of CPU on it
    assert document.quarantine[0] == ("the mail's headers: the Content-Type header has 100,000 "
                                      "parameters, over the limit of 100; the mail was not read")
    assert (document.from_address, document.subject) == ("ann@example.com", "PO 4711")
    assert document.attachments == []


def test_a_mime_part_header_over_the_limits_is_quarantined():
    disposition = "attachment" + "; a=b" * 500
    raw = (HEAD + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B 1\"\r\n\r\n"
           "--B 1\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
           f"--B 1\r\nContent-Type: text/csv\r\nContent-Disposition: {disposition}\r\n\r\n"
           "sku,qty\r\n--B 1--\r\n").encode()
    document = read_mail(raw)
    assert ("the headers of MIME part 2: the Content-Disposition header has 500 parameters, over "
            "the limit of 100; the mail was not read") in document.quarantine
    assert document.from_address == "ann@example.com"


def test_an_oversized_header_is_named_and_left_out_of_the_headers_read():
    long_to = ",\r\n ".join(f"r{n}@example.com" for n in range(8000))
    raw = (HEAD + f"To: {long_to}\r\n\r\nbody\r\n").encode()
    document = read_mail(raw, limits=MailLimits(max_header_bytes=64 * 1024))
    assert document.quarantine[0].startswith("the mail's headers: the to header is ")
    assert "over the 64.0 KB limit" in document.quarantine[0]
    assert document.subject == "PO 4711"


def test_too_many_header_fields_are_refused():
    raw = (HEAD + "X-A: 1\r\n" * 2000 + "\r\nbody\r\n").encode()
    document = read_mail(raw)
    assert ("the mail's headers have more than 1,000 header fields; the mail was not read"
            in document.quarantine)
    assert document.from_address == "ann@example.com"


def test_a_forwarded_mail_s_headers_are_checked_too():
    raw = (HEAD + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           "--B\r\nContent-Type: message/rfc822\r\n\r\n"
           "From: x@example.com\r\nContent-Type: text/plain" + ";a=b" * 300 + "\r\n\r\nhi\r\n"
           "--B--\r\n").encode()
    problems = scan_header_blocks(raw, MailLimits()).problems
    assert problems == ["the forwarded mail in MIME part 1: the Content-Type header has 300 "
                        "parameters, over the limit of 100; the mail was not read"]


def test_ordinary_mail_passes_the_scan_with_its_headers_kept():
    raw = (HEAD + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           "--B\r\nContent-Type: text/plain\r\n\r\n-- \r\nsignature\r\n--B--\r\n").encode()
    scan = scan_header_blocks(raw, MailLimits())
    assert scan.problems == []
    assert scan.safe_head.startswith(b"From: Ann Buyer") and scan.safe_head.endswith(b"boundary=B\r\n")


def test_a_mail_over_the_time_budget_is_quarantined_and_still_named(monkeypatch):
    before = children()
    from ordergate.parsers.email import message as email_message

    def slow(*args, **kwargs):
        time.sleep(60)

    monkeypatch.setattr(email_message, "_read_whole_mail", slow)
    limits = MailLimits(budget=ParseBudget(max_seconds=0.2))
    started = time.monotonic()
    document = read_mail((HEAD + "\r\nbody\r\n").encode(), limits=limits)
    assert time.monotonic() - started < 10
    assert document.quarantine[0] == ("reading the mail took longer than 0.2 s and was stopped; "
                                      "send it again as a simpler or smaller file")
    assert (document.from_address, document.subject) == ("ann@example.com", "PO 4711")
    assert children() <= before  # the guarded child is gone


def test_a_mail_over_the_memory_budget_is_quarantined_with_the_memory_sentence(monkeypatch):
    from ordergate.parsers.email import message as email_message

    def greedy(*args, **kwargs):
        return bytearray(512 * 1024 * 1024)

    monkeypatch.setattr(email_message, "_read_whole_mail", greedy)
    document = read_mail((HEAD + "\r\nbody\r\n").encode(),
                         limits=MailLimits(budget=ParseBudget(max_memory_mb=64)))
    assert any("the mail needs more than 64 MB of memory" in r or
               "the mail could not be read within 64 MB of memory" in r
               for r in document.quarantine), document.quarantine
    assert document.from_address == "ann@example.com"


def test_attachments_come_back_from_the_child_whole():
    payload = bytes(range(256)) * 4000
    encoded = base64.encodebytes(payload).decode().replace("\n", "\r\n")
    raw = (HEAD + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           "--B\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment; filename=po.pdf\r\n\r\n" + encoded + "--B--\r\n").encode()
    document = read_mail(raw)
    assert [(a.name, a.content) for a in document.attachments] == [("po.pdf", payload)]


def test_the_settings_budget_reaches_the_mail_limits(monkeypatch):
    from ordergate.settings import load_settings

    monkeypatch.setenv("ORDERGATE_PARSE_MAX_SECONDS", "7.5")
    monkeypatch.setenv("ORDERGATE_PARSE_MAX_MEMORY_MB", "300")
    settings = load_settings()
    assert settings.mail_limits.budget == ParseBudget(max_seconds=7.5, max_memory_mb=300)
    assert settings.parse_budget == ParseBudget(max_seconds=7.5, max_memory_mb=300)
    assert ParseBudget() == ParseBudget(max_seconds=60.0, max_memory_mb=512)
