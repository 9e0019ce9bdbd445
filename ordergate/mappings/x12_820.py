"""X12 820 (payment order / remittance advice) → the payments it announces, one per invoice.

BPR carries the payment (BPR02 the total, BPR16 the effective date), TRN02 the payment's trace
number, CUR02 the currency; each RMR*IV names an invoice (RMR02) and what is paid on it
(RMR04). Each becomes a ``PaymentIn`` whose reference is the trace number and the invoice, so
the same remittance received twice applies each payment once. Who pays is the interchange's
sender (the channel), never a name inside the 820.
"""

from __future__ import annotations

from ordergate.billing.receivables import PaymentIn
from ordergate.mappings.remittance_values import ccyymmdd, paid_amount
from ordergate.mappings.x12_850 import (
    MANDATORY_SEGMENT_MISSING,
    TransactionRejected,
    _stamp,
)
from ordergate.mappings.x12_values import element
from ordergate.parsers.x12 import TransactionSet, X12Problem

INVOICE_REFERENCE = "IV"  # RMR01: seller's invoice number


def map_820(ts: TransactionSet, *, customer_id: str, source_key: str,
            default_currency: str | None = None) -> list[PaymentIn]:
    bpr = trn = None
    currency = default_currency
    remittances: list[tuple[int, list[str]]] = []
    for index, seg in enumerate(ts.segments, start=1):
        tag = seg[0]
        if tag == "BPR" and bpr is None:
            bpr = seg
        elif tag == "TRN" and trn is None:
            trn = seg
        elif tag == "CUR" and element(seg, 2):
            currency = element(seg, 2).upper()
        elif tag == "RMR":
            remittances.append((index, seg))
    if bpr is None:
        raise _rejected(ts, "BPR", "beginning segment for payment order", missing=True)
    if trn is None or not element(trn, 2):
        raise _rejected(ts, "TRN", "the payment's trace number", missing=True)
    paid_on = ccyymmdd(element(bpr, 16)) or ccyymmdd(element(bpr, 9)) or None
    if paid_on is None:
        raise _rejected(ts, "BPR", "BPR16 (effective date) is missing or not CCYYMMDD")
    if not currency:
        raise _rejected(ts, "CUR", "the currency (CUR02) is not given and the customer has none")
    trace = element(trn, 2)
    payments = []
    for index, seg in remittances:
        if element(seg, 1) != INVOICE_REFERENCE:
            continue  # a credit memo or other reference: not a payment of one of our invoices
        number, amount = element(seg, 2), paid_amount(element(seg, 4))
        if not number or amount is None or amount <= 0:
            raise _rejected(ts, "RMR", f"RMR at position {index} names no invoice (RMR02) or no "
                                       f"amount paid above 0 (RMR04)")
        payments.append(PaymentIn(customer_id, number, amount, currency, paid_on,
                                  f"820:{trace}:{number}"[:200], f"820 {source_key}"))
    if not payments:
        raise _rejected(ts, "RMR", "no RMR*IV names an invoice the payment is for", missing=True)
    return payments


def _rejected(ts: TransactionSet, segment_id: str, what: str, *,
              missing: bool = False) -> TransactionRejected:
    problem = X12Problem(
        level="transaction", code="5",
        message=(f"mandatory segment {segment_id} ({what}) is missing" if missing else what),
        position=ts.position, segment_id=segment_id,
        segment_position_in_set=len(ts.segments) or 1,
        segment_code=MANDATORY_SEGMENT_MISSING if missing else "8")
    _stamp(problem, ts)
    return TransactionRejected([problem])
