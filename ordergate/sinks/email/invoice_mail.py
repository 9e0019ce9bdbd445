"""The invoice mail: the invoice PDF (a Factur-X e-invoice) in the thread of the customer's PO
mail, or to its invoice address; a reminder for an overdue one the same way."""

from __future__ import annotations

import hashlib
from datetime import datetime

from ordergate.billing.model import CREDIT_NOTE, Invoice
from ordergate.printable import printable, printable_lines
from ordergate.sinks.email.reply import OriginalMail, start_reply

_AUTOMATIC = "This is an automatic message; a person reads replies to it."


def invoice_mail(invoice: Invoice, original: OriginalMail, pdf: bytes, *, our_address: str,
                 our_name: str, now: datetime, reminder: bool = False) -> bytes:
    """The mail bytes; raises ``ReplyNotAllowed`` when ``original`` must not be answered."""
    what = "Credit note" if invoice.kind == CREDIT_NOTE else "Invoice"
    subject = f"{'Reminder: ' if reminder else ''}{what} {invoice.invoice_number}"
    if invoice.po_number:
        subject += f" for PO {' '.join(invoice.po_number.split())}"
    message = start_reply(original, printable(subject), our_address=our_address,
                          our_name=our_name, now=now,
                          message_id=_message_id(invoice, our_address, now if reminder else None))
    name = printable(" ".join((original.from_name or "").split()))
    body = printable_lines(f"{f'Hello {name},' if name else 'Hello,'}\n\n{_text(invoice, reminder, now)}"
                           f"\n\n-- \n{printable(our_name)}\n{_AUTOMATIC}\n")
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"{invoice.invoice_number}.pdf")
    return message.as_bytes()


def _text(invoice: Invoice, reminder: bool, now: datetime) -> str:
    number, money = invoice.invoice_number, f"{invoice.total:.2f} {invoice.currency}"
    po = f" for your purchase order {printable(invoice.po_number)}" if invoice.po_number else ""
    if invoice.kind == CREDIT_NOTE:
        return (f"attached is our credit note {number}{po} over {money}"
                f"{f' (it credits invoice {printable(invoice.corrects)})' if invoice.corrects else ''}."
                f" It lowers what you owe us; no payment is due for it.")
    lines = [f"attached is our invoice {number}{po} over {money}, due on "
             f"{invoice.due_date.isoformat()} ({printable(invoice.terms.text)})."]
    if reminder:
        days = (now.date() - invoice.due_date).days
        lines = [f"our invoice {number}{po} over {money} was due on "
                 f"{invoice.due_date.isoformat()} and is {days} day{'s' if days != 1 else ''} "
                 f"overdue. If you have paid it meanwhile, please disregard this reminder."]
    elif invoice.discount_date and invoice.discount_amount:
        lines.append(f"Paid by {invoice.discount_date.isoformat()}, you may deduct "
                     f"{invoice.discount_amount:.2f} {invoice.currency}.")
    if invoice.iban:
        lines.append(f"Please pay to IBAN {invoice.iban}"
                     f"{f' (BIC {invoice.bic})' if invoice.bic else ''}, quoting {number}.")
    lines.append("The PDF is also an electronic invoice (Factur-X / ZUGFeRD): your accounting "
                 "software can read it.")
    return "\n\n".join(lines)


def _message_id(invoice: Invoice, our_address: str, reminded: datetime | None) -> str:
    """The same invoice mail always has the same id (a resend is one mail to the reader); a
    reminder's id names its day."""
    domain = our_address.rpartition("@")[2].strip()
    facts = (invoice.invoice_number, invoice.customer_id, str(invoice.total),
             reminded.date().isoformat() if reminded else "")
    digest = hashlib.sha256("\x1f".join(facts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    kind = "reminder" if reminded else "invoice"
    return f"<{kind}.{digest}@{domain}>"
