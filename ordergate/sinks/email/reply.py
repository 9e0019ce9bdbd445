"""Email replies to the sender of an order: confirmation, under review, rejected, duplicate,
unreadable.

Pure render: each builder returns an ``EmailMessage`` whose bytes the caller queues in the
outbox (``smtp.py`` delivers them). Every reply is threaded under the original (In-Reply-To,
References), marked ``Auto-Submitted: auto-replied`` (RFC 3834) and never addressed to
ourselves or to a robot, so two auto-responders cannot start a mail loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid

from ordergate.errors import DocumentError
from ordergate.orders.prepared import PreparedOrder
from ordergate.printable import printable, printable_lines
from ordergate.sinks.email.confirmation_pdf import (
    LineView,
    line_views,
    money_text,
    order_status_words,
    render_confirmation_pdf,
)

# Python folds long In-Reply-To/References values into RFC 2047 encoded words, which breaks
# threading; with refold_source="none" the values we fold ourselves (one id per line) go out as is.
REPLY_POLICY = SMTP.clone(refold_source="none")
MAX_REFERENCES = 20  # RFC 5322 3.6.4 allows trimming; keep the thread root and the newest ids
_MSG_ID = re.compile(r"^[!-;=?-~]+$")  # printable ASCII without "<", ">" or spaces
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|sv|odp|antw)(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE)
_ROBOT_LOCAL_PARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply",
                      "donotreply", "do-not-reply", "do_not_reply", "bounce", "bounces"}
_BULK_PRECEDENCE = {"bulk", "junk", "list"}


class ReplyNotAllowed(DocumentError):
    """Answering this mail could start a mail loop or reach no one: store it, do not reply."""


@dataclass(frozen=True)
class OriginalMail:
    """What a reply needs to know about the mail it answers."""

    message_id: str | None
    from_address: str
    from_name: str | None
    subject: str | None
    references: list[str] = field(default_factory=list)
    # RFC 3834 markers of mail sent by a program; such mail is never answered.
    auto_submitted: str | None = None
    precedence: str | None = None
    # The From address as written, when the reply goes to another (registered) address: a
    # robot's or our own mail is still never answered, wherever the answer would go.
    sender: str | None = None

    @classmethod
    def from_message(cls, message: Message) -> "OriginalMail":
        # The From address, never Reply-To: whoever wrote the mail chose Reply-To, so following
        # it would send a customer's confirmation wherever a forger likes. The intake replaces
        # the address with one of the customer's registered ones (``addressed_to``).
        senders = getaddresses([str(message.get("From", ""))])
        name, address = senders[0] if senders else ("", "")
        references = _ids_in(str(message.get("References", "")))
        if not references:
            # RFC 5322 3.6.4: without References, a single-id In-Reply-To names the parent.
            parent = _ids_in(str(message.get("In-Reply-To", "")))
            references = parent if len(parent) == 1 else []
        ids = _ids_in(str(message.get("Message-ID", "")))
        return cls(message_id=ids[0] if ids else None, from_address=address,
                   from_name=name or None, subject=_text_or_none(message.get("Subject")),
                   references=references,
                   auto_submitted=_text_or_none(message.get("Auto-Submitted")),
                   precedence=_text_or_none(message.get("Precedence")))


    def addressed_to(self, address: str) -> "OriginalMail":
        """The same thread answered at ``address``; the sender's display name goes with it
        only when the address is the sender's own."""
        same = address.strip().lower() == self.from_address.strip().lower()
        if same:
            return replace(self, from_address=address)
        return replace(self, from_address=address, from_name=None,
                       sender=self.sender or self.from_address)


def _text_or_none(value: object) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _ids_in(header: str) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", header)


def _bare_id(raw: str) -> str | None:
    """``<a@b>`` or ``a@b`` as ``a@b``; None for something that cannot be a message id."""
    text = raw.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    return text if text and _MSG_ID.match(text) else None


def should_reply(original: OriginalMail, our_address: str) -> str | None:
    """None when answering is safe; otherwise why this mail must not be answered."""
    for sender in dict.fromkeys(a.strip() for a in (original.from_address, original.sender) if a is not None):
        local, at, domain = sender.rpartition("@")
        if not at or not local or not domain or any(c.isspace() for c in sender):
            return f"the sender address {sender!r} is not an email address"
        if not sender.isascii():
            return f"the sender address {sender!r} is not ASCII (SMTPUTF8 is not supported)"
        if sender.lower() == our_address.strip().lower():
            return f"the mail came from our own address {our_address}"
        lowered = local.lower()
        if (lowered in _ROBOT_LOCAL_PARTS or lowered.startswith("owner-")
                or lowered.endswith("-request")):
            return f"the sender {sender} is an automatic mailbox that does not read replies"
    if original.auto_submitted and original.auto_submitted.lower() != "no":
        return f"the mail was sent automatically (Auto-Submitted: {original.auto_submitted})"
    if original.precedence and original.precedence.lower() in _BULK_PRECEDENCE:
        return f"the mail is bulk or list mail (Precedence: {original.precedence})"
    return None


def reply_subject(subject: str | None, fallback: str) -> str:
    """``Re: <subject>`` without stacking ``Re: Re:`` (or the German/Nordic/Polish forms)."""
    text = _REPLY_PREFIX.sub("", " ".join((subject or "").split()))
    return printable(f"Re: {text or fallback}")


def _references(original: OriginalMail) -> list[str]:
    ids: list[str] = []
    for raw in [*original.references, original.message_id or ""]:
        bare = _bare_id(raw)
        if bare and bare not in ids:
            ids.append(bare)
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1):]]
    return ids


def start_reply(original: OriginalMail, subject: str, *, our_address: str, our_name: str,
                now: datetime, message_id: str | None = None) -> EmailMessage:
    """The headers of a reply to ``original``: addressed, threaded and marked automatic, with
    no body yet. ``message_id`` (``<...>``) for a reply whose id is derived from what it
    answers, so rendering it again gives the same mail; None for a new id. Raises
    ``ReplyNotAllowed`` when ``original`` must not be answered (``should_reply``)."""
    reason = should_reply(original, our_address)
    if reason:
        raise ReplyNotAllowed(f"not replying to mail {original.message_id or '(no Message-ID)'}: "
                              f"{reason}")
    domain = our_address.rpartition("@")[2]
    if not domain:
        raise ValueError(f"our address {our_address!r} has no domain")
    message = EmailMessage(policy=REPLY_POLICY)
    message["From"] = Address(display_name=our_name, addr_spec=our_address)
    # A display name is free text from the sender: no line breaks may reach the header.
    their_name = printable(" ".join((original.from_name or "").split()))
    message["To"] = Address(display_name=their_name, addr_spec=original.from_address.strip())
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id or make_msgid(domain=domain)
    parent = _bare_id(original.message_id or "")
    if parent:
        message.set_raw("In-Reply-To", f"<{parent}>")
    references = _references(original)
    if references:
        message.set_raw("References", "\r\n ".join(f"<{ref}>" for ref in references))
    message["Auto-Submitted"] = "auto-replied"
    # Exchange/Outlook honour this instead of RFC 3834: no out-of-office answers to our replies.
    message["X-Auto-Response-Suppress"] = "All"
    return message


def _greeting(original: OriginalMail) -> str:
    return f"Hello {original.from_name}," if original.from_name else "Hello,"


def _signature(our_name: str) -> str:
    return f"-- \n{our_name}\nThis is an automatic message; a person reads replies to it."


def _line_block(view: LineView, currency: str) -> str:
    item = " - ".join(part for part in (view.item, view.description) if part)
    quantity = " ".join(part for part in (view.quantity, view.unit) if part)
    price = f" at {view.unit_price}{currency}" if view.unit_price else ""
    return f"Line {view.number}: {item}\n    {quantity}{price} - {view.status}"


def _order_summary(order: PreparedOrder, order_id: int) -> str:
    currency = f" {order.currency}" if order.currency else ""
    facts = [f"Purchase order: {order.po_number}", f"Our order: {order_id}",
             f"Status: {order_status_words(order.status)}"]
    if order.po_date:
        facts.append(f"PO date: {order.po_date.isoformat()}")
    if order.requested_date:
        facts.append(f"Requested delivery: {order.requested_date.isoformat()}")
    blocks = ["\n".join(facts)]
    blocks.extend(_line_block(view, currency) for view in line_views(order))
    blocks.append(f"Total of accepted lines: {money_text(order.total)}{currency}")
    return "\n\n".join(blocks)


def _bullets(items: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"  - {item}" for item in items)


def _order_text(order: PreparedOrder, order_id: int) -> str:
    po = order.po_number
    if order.status == "accepted":
        return (f"we confirm your purchase order {po} as our order {order_id}. The attached PDF "
                f"lists every line and what we will do with it.\n\n{_order_summary(order, order_id)}")
    if order.status == "held":
        why = (f" because:\n{_bullets(order.hold_reasons)}" if order.hold_reasons else ".")
        return (f"we have received your purchase order {po} as our order {order_id}. It is under "
                f"review before we confirm it{why}\n\nWe will send the confirmation once it is "
                f"reviewed; there is no need to send the order again.\n\n"
                f"{_order_summary(order, order_id)}")
    if order.status == "duplicate":
        return (f"we had already received purchase order {po}; it is our order {order_id}. We have "
                f"not entered it a second time. If this is a new order, please send it with a new "
                f"purchase order number; to change order {order_id}, please say what to change.")
    if order.status == "rejected":
        why = f" because:\n{_bullets(order.hold_reasons)}" if order.hold_reasons else "."
        return (f"we cannot accept your purchase order {po} (recorded as our order {order_id})"
                f"{why}\n\nNothing will be shipped for it.\n\n{_order_summary(order, order_id)}")
    if order.status == "cancelled":
        why = f" because:\n{_bullets(order.hold_reasons)}" if order.hold_reasons else "."
        return (f"we have cancelled your purchase order {po} (our order {order_id}){why}\n\n"
                f"Nothing of it was shipped and nothing will be.\n\n"
                f"{_order_summary(order, order_id)}")
    raise ValueError(f"order {order_id} has status {order.status!r}; expected accepted, held, "
                     "rejected, duplicate or cancelled")


def _set_body(message: EmailMessage, original: OriginalMail, text: str, our_name: str) -> None:
    # Names, PO numbers and reasons quote the sender: no control or bidi character of theirs
    # goes back out in our mail (a terminal mail reader would act on an escape sequence).
    body = printable_lines(f"{_greeting(original)}\n\n{text}\n\n{_signature(our_name)}\n")
    # Quoted-printable keeps the message 7-bit, so no server needs 8BITMIME for a Polish name.
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")


def order_reply(original: OriginalMail, order: PreparedOrder, order_id: int, *, our_address: str,
                our_name: str, now: datetime) -> EmailMessage:
    """The answer to an order that came by email; accepted orders get the PDF confirmation."""
    text = _order_text(order, order_id)
    subject = reply_subject(original.subject, f"purchase order {order.po_number}")
    message = start_reply(original, subject, our_address=our_address, our_name=our_name, now=now)
    _set_body(message, original, text, our_name)
    if order.status == "accepted":
        pdf = render_confirmation_pdf(order, order_id, company=our_name, now=now)
        message.add_attachment(pdf, maintype="application", subtype="pdf",
                               filename=f"order-confirmation-{order_id}.pdf")
    return message


def unreadable_reply(original: OriginalMail, reasons: list[str], *, our_address: str,
                     our_name: str, now: datetime) -> EmailMessage:
    """The answer to a mail we could not turn into an order, saying what was wrong."""
    if not reasons:
        raise ValueError("unreadable_reply needs at least one reason to tell the sender")
    subject = reply_subject(original.subject, "your message")
    message = start_reply(original, subject, our_address=our_address, our_name=our_name, now=now)
    text = (f"we could not read an order from your message, because:\n{_bullets(reasons)}\n\n"
            "Nothing has been entered. Please correct this and send the order again.")
    _set_body(message, original, text, our_name)
    return message
