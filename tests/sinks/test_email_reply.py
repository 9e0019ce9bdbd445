"""Email replies: threading headers, loop protection, the body per order status, the PDF."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pdfplumber
import pytest

from ordergate.orders.model import (
    CheckedOrder,
    LineOutcome,
    LineStatus,
    OrderLine,
    OrderStatus,
    SalesOrder,
    accepted_total,
)
from ordergate.orders.prepared import L_REASON, L_STATUS, PreparedOrder, prepare_order
from ordergate.sinks.email.reply import (
    MAX_REFERENCES,
    OriginalMail,
    ReplyNotAllowed,
    order_reply,
    reply_subject,
    should_reply,
    unreadable_reply,
)

OURS = "orders@ordergate.test"
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
ORIGINAL = OriginalMail(message_id="<po-mail-1@buyer.example>", from_address="anna@buyer.example",
                        from_name="Anna Nowak", subject="RE: Re: PO 4711",
                        references=["<thread-root@buyer.example>"])
UNKNOWN = "line 2: unknown item (tried buyer part 'ZZ-9')"


def _order(status: OrderStatus = OrderStatus.ACCEPTED, hold_reasons: list[str] | None = None,
           description: str = "Blue pen") -> PreparedOrder:
    sales = SalesOrder(source_key="mail-1/0", channel="email", format="email-pdf",
                       partner_id="email:buyer.example", customer_id="C100", po_number="4711",
                       po_date=date(2026, 11, 20), currency="EUR",
                       lines=[OrderLine(line_number=1, buyer_part="BP-1", description=description,
                                        quantity=Decimal("3"), uom="EA",
                                        unit_price=Decimal("12.50")),
                              OrderLine(line_number=2, buyer_part="ZZ-9", description="Mystery",
                                        quantity=Decimal("1"), uom="EA")])
    outcomes = [LineOutcome(line_number=1, sku="PEN-BLUE", unit_price=Decimal("12.50")),
                LineOutcome(line_number=2, status=LineStatus.UNKNOWN_ITEM, reason=UNKNOWN)]
    return prepare_order(CheckedOrder(order=sales, status=status, hold_reasons=hold_reasons or [],
                                      lines=outcomes, total=accepted_total(sales, outcomes)))


def _reparse(message: EmailMessage) -> tuple[bytes, EmailMessage]:
    raw = message.as_bytes()
    return raw, message_from_bytes(raw, policy=default)


def _body(parsed: EmailMessage) -> str:
    return parsed.get_body(preferencelist=("plain",)).get_content()


def test_accepted_order_reply_is_threaded_and_carries_the_pdf() -> None:
    raw, parsed = _reparse(order_reply(ORIGINAL, _order(), 42, our_address=OURS,
                                       our_name="Ordergate Sales", now=NOW))

    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert parsed["In-Reply-To"] == "<po-mail-1@buyer.example>"
    assert parsed["References"].split() == ["<thread-root@buyer.example>",
                                            "<po-mail-1@buyer.example>"]
    assert parsed["Subject"] == "Re: PO 4711"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["Message-ID"].endswith("@ordergate.test>")
    assert parsed["Message-ID"] != ORIGINAL.message_id
    assert parsed["Date"].datetime == NOW
    assert parsed["To"].addresses[0].addr_spec == "anna@buyer.example"
    assert parsed["From"].addresses[0].addr_spec == OURS

    body = _body(parsed)
    for expected in ("4711", "our order 42", "PEN-BLUE", "your part BP-1", "Blue pen",
                     "3 EA at 12.50 EUR - accepted", "unknown item - unknown item (tried buyer "
                     "part 'ZZ-9')", "Total of accepted lines: 37.50 EUR"):
        assert expected in body

    attachments = list(parsed.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    assert attachments[0].get_filename() == "order-confirmation-42.pdf"
    with pdfplumber.open(io.BytesIO(attachments[0].get_content())) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "4711" in text and "PEN-BLUE" in text


def test_non_ascii_names_survive_and_the_message_stays_7bit() -> None:
    original = OriginalMail("<x@buyer.example>", "jozef@buyer.example", "Józef Łęcki",
                            "Zamówienie 4711 – pilne", [])
    raw, parsed = _reparse(order_reply(original, _order(description="Żółty ołówek ΑΒΓ"), 7,
                                       our_address=OURS, our_name="Sprzedaż Ordergate", now=NOW))

    assert raw.isascii()
    assert parsed["Subject"] == "Re: Zamówienie 4711 – pilne"
    assert parsed["To"].addresses[0].display_name == "Józef Łęcki"
    assert parsed["From"].addresses[0].display_name == "Sprzedaż Ordergate"
    body = _body(parsed)
    assert "Hello Józef Łęcki," in body
    assert "Żółty ołówek ΑΒΓ" in body


def test_held_order_reply_names_the_hold_reasons_and_has_no_pdf() -> None:
    order = _order(OrderStatus.HELD, hold_reasons=[UNKNOWN, "PO 4711 is a change request"])
    _, parsed = _reparse(order_reply(ORIGINAL, order, 43, our_address=OURS, our_name="Sales",
                                     now=NOW))

    body = _body(parsed)
    assert "under review" in body
    assert f"  - {UNKNOWN}" in body
    assert "  - PO 4711 is a change request" in body
    assert "our order 43" in body
    assert list(parsed.iter_attachments()) == []


def test_rejected_order_reply_says_why() -> None:
    order = _order(OrderStatus.REJECTED, hold_reasons=["customer C100 is blocked"])
    _, parsed = _reparse(order_reply(ORIGINAL, order, 44, our_address=OURS, our_name="Sales",
                                     now=NOW))

    body = _body(parsed)
    assert "cannot accept your purchase order 4711" in body
    assert "customer C100 is blocked" in body
    assert list(parsed.iter_attachments()) == []


def test_duplicate_reply_names_the_original_order() -> None:
    _, parsed = _reparse(order_reply(ORIGINAL, _order(OrderStatus.DUPLICATE), 17,
                                     our_address=OURS, our_name="Sales", now=NOW))

    body = _body(parsed)
    assert "already received purchase order 4711; it is our order 17" in body
    assert list(parsed.iter_attachments()) == []


def test_future_line_statuses_are_shown_in_words_with_their_reason() -> None:
    order = _order()
    first, second = order.lines
    backordered = list(first)
    backordered[L_STATUS], backordered[L_REASON] = "backordered", "ships in week 49"
    changed = list(second)
    changed[L_STATUS], changed[L_REASON] = "price_changed", "list price is 13.00"
    order = order._replace(lines=(tuple(backordered), tuple(changed)))

    _, parsed = _reparse(order_reply(ORIGINAL, order, 45, our_address=OURS, our_name="Sales",
                                     now=NOW))

    body = _body(parsed)
    assert "backordered - ships in week 49" in body
    assert "price changed - list price is 13.00" in body


def test_unreadable_reply_lists_the_reasons() -> None:
    reasons = ["the attachment order.xlsx has no column 'Quantity'", "no PO number found"]
    _, parsed = _reparse(unreadable_reply(ORIGINAL, reasons, our_address=OURS, our_name="Sales",
                                          now=NOW))

    body = _body(parsed)
    for reason in reasons:
        assert f"  - {reason}" in body
    assert parsed["In-Reply-To"] == "<po-mail-1@buyer.example>"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert list(parsed.iter_attachments()) == []


def test_unreadable_reply_without_reasons_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one reason"):
        unreadable_reply(ORIGINAL, [], our_address=OURS, our_name="Sales", now=NOW)


def test_unknown_order_status_is_refused_with_the_status_named() -> None:
    with pytest.raises(ValueError, match="'lost'"):
        order_reply(ORIGINAL, _order()._replace(status="lost"), 1, our_address=OURS,
                    our_name="Sales", now=NOW)


@pytest.mark.parametrize(("sender", "auto_submitted", "precedence", "expected"), [
    ("anna@buyer.example", None, None, None),
    ("anna@buyer.example", "no", None, None),
    ("Orders@Ordergate.TEST", None, None, "our own address"),
    ("MAILER-DAEMON@buyer.example", None, None, "automatic mailbox"),
    ("no-reply@buyer.example", None, None, "automatic mailbox"),
    ("noreply@buyer.example", None, None, "automatic mailbox"),
    ("owner-purchasing@lists.example", None, None, "automatic mailbox"),
    ("purchasing-request@lists.example", None, None, "automatic mailbox"),
    ("anna@buyer.example", "auto-replied", None, "sent automatically"),
    ("anna@buyer.example", None, "bulk", "bulk or list mail"),
    ("not an address", None, None, "not an email address"),
    ("", None, None, "not an email address"),
])
def test_should_reply(sender: str, auto_submitted: str | None, precedence: str | None,
                      expected: str | None) -> None:
    original = OriginalMail("<m@x>", sender, None, "PO", [], auto_submitted=auto_submitted,
                            precedence=precedence)
    reason = should_reply(original, OURS)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason
        with pytest.raises(ReplyNotAllowed, match=expected):
            unreadable_reply(original, ["x"], our_address=OURS, our_name="Sales", now=NOW)


@pytest.mark.parametrize(("subject", "expected"), [
    ("PO 4711", "Re: PO 4711"),
    ("Re: PO 4711", "Re: PO 4711"),
    ("RE: re:Re: PO 4711", "Re: PO 4711"),
    ("AW: Re[2]: PO 4711", "Re: PO 4711"),
    ("Reorder of pens", "Re: Reorder of pens"),
    ("  ", "Re: your message"),
    (None, "Re: your message"),
])
def test_reply_subject_does_not_stack(subject: str | None, expected: str) -> None:
    assert reply_subject(subject, "your message") == expected


def test_references_are_capped_keeping_the_root_and_the_parent() -> None:
    references = [f"<ref-{n}@buyer.example>" for n in range(40)]
    original = OriginalMail("<parent@buyer.example>", "anna@buyer.example", None, "PO",
                            references)
    _, parsed = _reparse(unreadable_reply(original, ["x"], our_address=OURS, our_name="Sales",
                                          now=NOW))

    ids = parsed["References"].split()
    assert len(ids) == MAX_REFERENCES
    assert ids[0] == "<ref-0@buyer.example>"
    assert ids[-2:] == ["<ref-39@buyer.example>", "<parent@buyer.example>"]


def test_long_and_broken_message_ids() -> None:
    long_id = "<" + "a" * 120 + "@buyer.example>"
    original = OriginalMail(long_id, "anna@buyer.example", None, "PO",
                            ["not an id with spaces", "<ok@buyer.example>"])
    raw, parsed = _reparse(unreadable_reply(original, ["x"], our_address=OURS, our_name="Sales",
                                            now=NOW))

    # Python would fold a long id into an RFC 2047 encoded word, which no client threads on.
    assert f"In-Reply-To: {long_id}".encode() in raw
    assert parsed["References"].split() == ["<ok@buyer.example>", long_id]


def test_original_mail_from_a_received_message() -> None:
    raw = (b"From: =?utf-8?q?J=C3=B3zef?= <jozef@buyer.example>\r\n"
           b"To: orders@ordergate.test\r\n"
           b"Subject: Re: PO 4711\r\n"
           b"Message-ID: <m2@buyer.example>\r\n"
           b"In-Reply-To: <m1@buyer.example>\r\n"
           b"Auto-Submitted: auto-replied\r\n"
           b"\r\nbody\r\n")
    original = OriginalMail.from_message(message_from_bytes(raw, policy=default))

    assert original == OriginalMail(message_id="m2@buyer.example",
                                    from_address="jozef@buyer.example", from_name="Józef",
                                    subject="Re: PO 4711", references=["m1@buyer.example"],
                                    auto_submitted="auto-replied")
    assert "sent automatically" in should_reply(original, OURS)


def test_original_mail_never_answers_the_reply_to_address() -> None:
    raw = (b"From: Ann Buyer <ann@buyer.example>\r\n"
           b"Reply-To: Mallory <mallory@evil.example>\r\n"
           b"Subject: PO 4711\r\n"
           b"\r\nbody\r\n")
    original = OriginalMail.from_message(message_from_bytes(raw, policy=default))

    assert (original.from_address, original.from_name) == ("ann@buyer.example", "Ann Buyer")
    assert original.message_id is None and original.references == []


def test_a_reply_addressed_elsewhere_drops_the_senders_display_name() -> None:
    original = OriginalMail(message_id="m1@buyer.example", from_address="ann@buyer.example",
                            from_name="Ann", subject="PO 4711")
    moved = original.addressed_to("purchasing@buyer.example")
    assert (moved.from_address, moved.from_name, moved.message_id, moved.sender) == (
        "purchasing@buyer.example", None, "m1@buyer.example", "ann@buyer.example")
    assert original.addressed_to("Ann@buyer.example").from_name == "Ann"
    assert should_reply(moved, OURS) is None


def test_a_robots_mail_is_not_answered_at_another_address_either() -> None:
    robot = OriginalMail(message_id="m1@buyer.example", from_address="noreply@buyer.example",
                         from_name="SAP", subject="PO 4711")
    assert "automatic mailbox" in should_reply(robot.addressed_to("purchasing@buyer.example"), OURS)
    assert "not an email address" in should_reply(robot.addressed_to(""), OURS)


def test_sender_text_goes_back_out_without_control_or_bidi_characters() -> None:
    original = OriginalMail(message_id="m1@buyer.example", from_address="ann@buyer.example",
                            from_name="Ann\x1b[2J", subject="PO \u202e4711")
    reply = unreadable_reply(original, ["line 1: item 'X\x1b[31m' unknown"], our_address=OURS,
                             our_name="ordergate", now=NOW)
    body = reply.get_body(("plain",)).get_content()
    assert "\x1b" not in body and "item 'X\\x1b[31m' unknown" in body
    assert "Hello Ann\\x1b[2J," in body
    assert reply["Subject"] == "Re: PO \\u202e4711"
