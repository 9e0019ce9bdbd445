"""The ship-notice mail, parsed back: threading and addressing as an order reply, a Message-ID
that is the same for the same shipment, a body saying what shipped and what is open, and no
header or body line forged by a PO number, carrier or tracking number."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.sinks.email import OriginalMail, ship_notice_mail
from ordergate.sinks.email.reply import ReplyNotAllowed

OURS = "orders@ordergate.test"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
ORIGINAL = OriginalMail(message_id="<po-mail-1@buyer.example>", from_address="anna@buyer.example",
                        from_name="Anna Nowak", subject="PO 4711",
                        references=["<thread-root@buyer.example>"])
SSCC_A, SSCC_B = "003123456789000014", "003123456789000021"
HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
           "Auto-Submitted", "X-Auto-Response-Suppress", "Content-Type",
           "Content-Transfer-Encoding", "MIME-Version"}


def _notice(**changes) -> ShipmentNotice:
    values = dict(
        shipment_id=7, order_id=42, customer_id="C100", po_number="4711", carrier="UPSN",
        tracking_number="1Z999AA10123456784", ship_date=date(2026, 11, 23),
        lines=(
            ShippedLine(line_number=1, sku="PEN-BLUE", quantity=Decimal("3.0000"),
                        ordered=Decimal("5.0000"), shipped_total=Decimal("3.0000"),
                        open_quantity=Decimal("2.0000"), uom="EA", buyer_part="BP-1",
                        description="Blue pen", package_id=SSCC_A),
            # Line 2 in two packages, shipped in full with them.
            ShippedLine(line_number=2, sku="INK-BLK", quantity=Decimal("1.5"),
                        ordered=Decimal("2.5"), shipped_total=Decimal("2.5"),
                        open_quantity=Decimal("0"), uom="LTR", description="Black ink",
                        package_id=SSCC_A),
            ShippedLine(line_number=2, sku="INK-BLK", quantity=Decimal("1"),
                        ordered=Decimal("2.5"), shipped_total=Decimal("2.5"),
                        open_quantity=Decimal("0"), uom="LTR", description="Black ink",
                        package_id=SSCC_B),
        ))
    values.update(changes)
    return ShipmentNotice(**values)


def _mail(notice: ShipmentNotice, original: OriginalMail = ORIGINAL, **options
          ) -> tuple[bytes, EmailMessage]:
    options = {"our_name": "Ordergate Sales", "now": NOW, **options}
    raw = ship_notice_mail(notice, original, our_address=OURS, **options)
    return raw, message_from_bytes(raw, policy=policy.default)


def _body(parsed: EmailMessage) -> str:
    """The plain-text body with its CRLF line ends as "\n" (a lone CR stays)."""
    return parsed.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def _header_block(raw: bytes) -> list[str]:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


def test_the_notice_is_a_reply_threaded_under_the_po_mail() -> None:
    raw, parsed = _mail(_notice())

    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert set(parsed.keys()) == HEADERS
    assert parsed["In-Reply-To"] == "<po-mail-1@buyer.example>"
    assert parsed["References"].split() == ["<thread-root@buyer.example>",
                                            "<po-mail-1@buyer.example>"]
    assert parsed["To"].addresses[0].addr_spec == "anna@buyer.example"
    assert parsed["To"].addresses[0].display_name == "Anna Nowak"
    assert parsed["From"].addresses[0].addr_spec == OURS
    assert parsed["From"].addresses[0].display_name == "Ordergate Sales"
    assert parsed["Subject"] == "Shipped: PO 4711"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["Date"].datetime == NOW
    assert not parsed.is_multipart()  # no attachment


def test_the_message_id_is_the_shipments_so_a_resend_is_the_same_mail() -> None:
    _, first = _mail(_notice())
    raw_again, again = _mail(_notice())
    _, later = _mail(_notice(), now=datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc))
    _, other = _mail(_notice(shipment_id=8))

    assert first["Message-ID"].startswith("<ship-notice.7.")
    assert first["Message-ID"].endswith("@ordergate.test>")
    assert raw_again == _mail(_notice())[0]
    assert again["Message-ID"] == later["Message-ID"] == first["Message-ID"]
    assert other["Message-ID"] != first["Message-ID"]
    # The same shipment id with other facts (another database's shipment 7) is another mail.
    _, reused = _mail(_notice(tracking_number="1ZOTHER"))
    assert reused["Message-ID"] != first["Message-ID"]


def test_the_body_lists_what_shipped_what_is_open_and_how_it_travels() -> None:
    lines = _body(_mail(_notice())[1]).splitlines()

    assert lines[0] == "Hello Anna Nowak,"
    assert "we have shipped the following for your purchase order 4711 (our order 42)." in lines
    for fact in ("Shipment: 7", "Ship date: 2026-11-23", "Carrier: UPSN",
                 "Tracking number: 1Z999AA10123456784",
                 f"Packages (SSCC): {SSCC_A}, {SSCC_B}"):
        assert fact in lines
    shipped = lines.index("Shipped in this shipment:")
    assert lines[shipped + 1:shipped + 5] == [
        "Line 1: PEN-BLUE (your part BP-1) - Blue pen",
        f"    3 EA in package {SSCC_A}",
        "Line 2: INK-BLK - Black ink",
        f"    2.5 LTR: 1.5 LTR in package {SSCC_A}, 1 LTR in package {SSCC_B}",
    ]
    still_open = lines.index("Still open:")
    # Line 2 shipped in full: only line 1 is open.
    assert lines[still_open + 1:still_open + 3] == [
        "Line 1: PEN-BLUE (your part BP-1): 2 EA of 5 EA ordered (3 EA shipped so far)", ""]
    assert "Your order is complete." not in lines
    assert lines[-2:] == ["Ordergate Sales",
                          "This is an automatic message; a person reads replies to it."]


def test_a_complete_order_says_so_instead_of_what_is_open() -> None:
    line = ShippedLine(line_number=1, sku="PEN-BLUE", quantity=Decimal(2), ordered=Decimal(5),
                       shipped_total=Decimal(5), open_quantity=Decimal(0), uom="EA",
                       buyer_line_id="10")
    body = _body(_mail(_notice(lines=(line,), complete=True))[1])

    assert "Your order is complete." in body.splitlines()
    assert "Still open" not in body
    assert "Line 1 (your line 10): PEN-BLUE\n    2 EA\n" in body
    assert "Packages" not in body  # no SSCC known


def test_lines_shipped_in_full_of_an_incomplete_order_say_the_rest_follows() -> None:
    body = _body(_mail(_notice(lines=_notice().lines[1:]))[1])

    assert ("Still open:\nNothing on the lines above; other lines of your order are still "
            "to ship.") in body


@pytest.mark.parametrize("field", ["po_number", "carrier", "tracking_number"])
@pytest.mark.parametrize("evil", ["\r\nBcc: evil@attacker.example", "\nBcc: evil@attacker.example",
                                  "\u202eBcc: evil@attacker.example"],
                         ids=["crlf", "lf", "bidi override"])
def test_sender_text_forges_no_header_and_no_body_line(field: str, evil: str) -> None:
    value = {"po_number": "4711", "carrier": "UPSN", "tracking_number": "1Z999"}[field] + evil
    raw, parsed = _mail(_notice(**{field: value}))

    assert set(parsed.keys()) == HEADERS  # no Bcc, nothing else
    assert not any(line.lower().startswith("bcc") for line in _header_block(raw))
    assert "\r" not in parsed["Subject"] and "\n" not in parsed["Subject"]
    assert "\u202e" not in parsed["Subject"]
    body = _body(parsed)
    assert not any(line.startswith("Bcc") for line in body.splitlines())
    assert "\u202e" not in body and "\r" not in body
    escaped = evil.replace("\r", "\\r").replace("\n", "\\n").replace("\u202e", "\\u202e")
    assert escaped in body  # shown as escapes, so the customer sees what was there
    if field == "po_number":  # line breaks fold to a space in a subject, as in order replies
        assert parsed["Subject"] == ("Shipped: PO 4711\\u202eBcc: evil@attacker.example"
                                     if "\u202e" in evil else
                                     "Shipped: PO 4711 Bcc: evil@attacker.example")


def test_names_are_escaped_and_a_nameless_sender_gets_a_plain_greeting() -> None:
    original = OriginalMail(message_id="<m@buyer.example>", from_address="anna@buyer.example",
                            from_name="Anna\u202e\nBcc: x", subject=None)
    raw, parsed = _mail(_notice(), original, our_name=None)

    body = _body(parsed).splitlines()
    assert body[0] == "Hello Anna\\u202e Bcc: x,"
    assert body[-2:] == ["-- ", "This is an automatic message; a person reads replies to it."]
    assert parsed["From"].addresses[0].display_name == ""
    assert set(parsed.keys()) == HEADERS
    _, unnamed = _mail(_notice(), OriginalMail(message_id=None, from_address="anna@buyer.example",
                                               from_name=None, subject=None))
    assert _body(unnamed).startswith("Hello,\n")
    assert "In-Reply-To" not in unnamed  # nothing to thread under


def test_a_robot_or_our_own_mail_is_not_answered() -> None:
    robot = OriginalMail(message_id="<b@x.example>", from_address="mailer-daemon@x.example",
                         from_name=None, subject=None)
    ours = OriginalMail(message_id="<o@x.example>", from_address=OURS, from_name=None,
                        subject=None)
    for original in (robot, ours, replace(ORIGINAL, auto_submitted="auto-replied")):
        with pytest.raises(ReplyNotAllowed):
            ship_notice_mail(_notice(), original, our_address=OURS, now=NOW)
