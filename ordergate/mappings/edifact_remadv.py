"""EDIFACT REMADV (remittance advice) → the payments it announces, one per invoice.

BGM 1004 is the advice's number, DTM+137 (or +202/+209) its date, CUX the currency; each DOC
with an invoice number (1001 380) is followed by the MOA it pays (12 amount remitted, else 9
amount due). Each becomes a ``PaymentIn`` referenced by the advice number and the invoice, so
the same REMADV twice applies each payment once. Who pays is the interchange's sender.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ordergate.billing.receivables import PaymentIn
from ordergate.errors import DocumentError
from ordergate.mappings.remittance_values import ccyymmdd, paid_amount

INVOICE_DOCUMENTS = ("380", "325", "383", "84")  # commercial, proforma, debit note, debit advice
PAID_AMOUNTS = ("12", "9")  # MOA 5025: amount remitted, else amount due and payable


class RemittanceRejected(DocumentError):
    """The REMADV names no payment we can apply; the message says why."""


def map_remadv(segments: list, *, customer_id: str, reference: str,
               default_currency: str | None = None) -> list[PaymentIn]:
    number = None
    paid_on = None
    currency = default_currency
    documents: list[tuple[str, dict[str, Decimal]]] = []
    for segment in segments:
        tag, elements = segment.tag, segment.elements
        if tag == "BGM":
            number = _part(elements, 1, 0) or None
        elif tag == "DTM" and not documents:
            if _part(elements, 0, 0) in ("137", "202", "209"):
                paid_on = _date(_part(elements, 0, 1), _part(elements, 0, 2)) or paid_on
        elif tag == "CUX" and _part(elements, 0, 1):
            currency = _part(elements, 0, 1).upper()
        elif tag == "DOC":
            if _part(elements, 0, 0) in INVOICE_DOCUMENTS and _part(elements, 1, 0):
                documents.append((_part(elements, 1, 0), {}))
            else:
                documents.append(("", {}))
        elif tag == "MOA" and documents:
            amount = paid_amount(_part(elements, 0, 1))
            if amount is not None:
                documents[-1][1].setdefault(_part(elements, 0, 0), amount)
    if not number:
        raise RemittanceRejected("the REMADV has no document number (BGM 1004)")
    if paid_on is None:
        raise RemittanceRejected("the REMADV has no date (DTM 137, 202 or 209)")
    if not currency:
        raise RemittanceRejected("the REMADV names no currency (CUX) and the customer has none")
    payments = []
    for invoice_number, amounts in documents:
        amount = next((amounts[q] for q in PAID_AMOUNTS if q in amounts), None)
        if not invoice_number or amount is None or amount <= 0:
            continue
        payments.append(PaymentIn(customer_id, invoice_number, amount, currency, paid_on,
                                  f"REMADV:{number}:{invoice_number}"[:200], f"REMADV {reference}"))
    if not payments:
        raise RemittanceRejected("no DOC in the REMADV names an invoice with an amount paid")
    return payments


def _part(elements: list, index: int, position: int) -> str:
    if len(elements) <= index:
        return ""
    value = elements[index]
    if isinstance(value, str):
        return value.strip() if position == 0 else ""
    return value[position].strip() if len(value) > position and isinstance(value[position], str) else ""


def _date(text: str, form: str) -> date | None:
    return ccyymmdd(text) if form in ("102", "") else None
