"""What customers owe: payments applied to invoices, the invoice list, and the aging.

A payment's reference is unique: the same payment imported again is found, not applied again.
It is applied to its invoice in the caller's transaction with the invoice row locked
(``FOR UPDATE`` on PostgreSQL; SQLite's write lock is held already): at most the balance goes
to the invoice, the rest stays with the customer as unapplied credit. What was applied leaves
the customer's open invoices, so the credit check sees it at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select, update

from ordergate.billing.invoicing import OPEN, PAID
from ordergate.billing.model import CREDIT_NOTE
from ordergate.store import tables as t
from ordergate.store.db import insert_ignore

_ZERO = Decimal(0)
APPLIED, DUPLICATE, REFUSED = "applied", "duplicate", "refused"


@dataclass(frozen=True, slots=True)
class PaymentIn:
    customer_id: str
    invoice_number: str
    amount: Decimal
    currency: str
    paid_on: date
    reference: str
    source: str  # the file and line it came from, or the remittance


@dataclass(slots=True)
class PaymentResult:
    payment: PaymentIn
    status: str  # applied | duplicate | refused
    reason: str | None = None
    applied: Decimal = _ZERO
    unapplied: Decimal = _ZERO
    invoice_status: str | None = None
    balance: Decimal | None = None  # the invoice's, afterwards


def apply_payments(conn: Connection, payments: list[PaymentIn], *, actor: str,
                   now: datetime) -> list[PaymentResult]:
    results = []
    for payment in payments:
        results.append(_apply(conn, payment, actor=actor, now=now))
    return results


def _apply(conn: Connection, payment: PaymentIn, *, actor: str, now: datetime) -> PaymentResult:
    result = PaymentResult(payment, REFUSED)
    query = select(t.invoices).where(t.invoices.c.invoice_number == payment.invoice_number)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    invoice = conn.execute(query).first()
    if invoice is None or invoice.customer_id != payment.customer_id:
        result.reason = (f"no invoice {payment.invoice_number} of customer {payment.customer_id}")
        return result
    if invoice.kind == CREDIT_NOTE:  # it lowers what the customer owes; nothing to pay on it
        result.reason = (f"{invoice.invoice_number} is a credit note: payments apply to "
                         f"invoices")
        return result
    if invoice.currency != payment.currency:
        result.reason = (f"invoice {invoice.invoice_number} is in {invoice.currency}, the payment "
                         f"in {payment.currency}")
        return result
    balance = max(Decimal(str(invoice.total)) - Decimal(str(invoice.paid)), _ZERO)
    applied = min(payment.amount, balance)
    unapplied = payment.amount - applied
    booked = conn.execute(insert_ignore(conn, t.payments).returning(t.payments.c.id), {
        "reference": payment.reference, "customer_id": payment.customer_id,
        "invoice_id": invoice.id, "amount": payment.amount, "currency": payment.currency,
        "paid_on": payment.paid_on, "applied": applied, "unapplied": unapplied,
        "source": payment.source[:1000], "actor": actor, "created_at": now}).first()
    if booked is None:
        result.status, result.reason = DUPLICATE, f"payment {payment.reference} was applied before"
        result.invoice_status, result.balance = invoice.status, _money(balance)
        return result
    paid = Decimal(str(invoice.paid)) + applied
    status = PAID if paid >= Decimal(str(invoice.total)) else invoice.status
    conn.execute(update(t.invoices).where(t.invoices.c.id == invoice.id)
                 .values(paid=paid, status=status))
    exposure = t.customer_exposure
    conn.execute(insert_ignore(conn, exposure), {"customer_id": payment.customer_id})
    lower = exposure.c.open_invoices - applied
    conn.execute(update(exposure).where(exposure.c.customer_id == payment.customer_id).values(
        open_invoices=func.max(lower, 0) if conn.dialect.name == "sqlite" else func.greatest(lower, 0),
        unapplied_credit=exposure.c.unapplied_credit + unapplied))
    result.status, result.applied, result.unapplied = APPLIED, _money(applied), _money(unapplied)
    result.invoice_status, result.balance = status, _money(Decimal(str(invoice.total)) - paid)
    return result


# ---------------------------------------------------------------- reading
@dataclass(slots=True)
class InvoiceSummary:
    invoice_id: int
    invoice_number: str
    kind: str
    order_id: int | None
    po_number: str | None
    customer_id: str
    issue_date: date
    due_date: date
    currency: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    balance: Decimal
    status: str  # open | paid | overdue | credited
    lines: list[dict] = field(default_factory=list)
    outbound: list[dict] = field(default_factory=list)


def _status(row, today: date) -> str:
    if row.status == OPEN and row.due_date < today:
        return "overdue"
    return row.status


def list_invoices(conn: Connection, *, today: date, status: str | None = None,
                  customer_id: str | None = None, limit: int | None = 200) -> list[InvoiceSummary]:
    query = (select(t.invoices, t.orders.c.po_number)
             .outerjoin(t.orders, t.orders.c.id == t.invoices.c.order_id)
             .order_by(t.invoices.c.id.desc()))
    if customer_id:
        query = query.where(t.invoices.c.customer_id == customer_id)
    if status == "overdue":
        query = query.where(t.invoices.c.status == OPEN, t.invoices.c.due_date < today)
    elif status == OPEN:
        query = query.where(t.invoices.c.status == OPEN, t.invoices.c.due_date >= today)
    elif status:
        query = query.where(t.invoices.c.status == status)
    if limit:
        query = query.limit(limit)
    return [_summary(row, today) for row in conn.execute(query)]


def _summary(row, today: date) -> InvoiceSummary:
    total, paid = Decimal(str(row.total)), Decimal(str(row.paid))
    return InvoiceSummary(row.id, row.invoice_number, row.kind, row.order_id, row.po_number,
                          row.customer_id, row.issue_date, row.due_date, row.currency,
                          _money(row.subtotal), _money(row.tax), _money(total), _money(paid),
                          _money(total - paid), _status(row, today))


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def get_invoice(conn: Connection, invoice_id: int | str, *, today: date) -> InvoiceSummary | None:
    """An invoice by its id, or by its number (``INV-2026-000001``) when given text."""
    by = (t.invoices.c.invoice_number == invoice_id if isinstance(invoice_id, str)
          else t.invoices.c.id == invoice_id)
    row = conn.execute(select(t.invoices, t.orders.c.po_number)
                       .outerjoin(t.orders, t.orders.c.id == t.invoices.c.order_id)
                       .where(by)).first()
    if row is None:
        return None
    invoice_id = row.id
    summary = _summary(row, today)
    # Each line's order: a daily invoice may bill several.
    summary.lines = [{"order_id": line.order_id, "line_number": line.line_number, "sku": line.sku,
                      "quantity": Decimal(str(line.quantity)).normalize(),
                      "unit_price": Decimal(str(line.unit_price)).normalize(),
                      "tax_rate": Decimal(str(line.tax_rate)).normalize(),
                      "amount": _money(line.amount), "tax": _money(line.tax)}
                     for line in conn.execute(select(t.invoice_lines).where(
                         t.invoice_lines.c.invoice_id == invoice_id)
                         .order_by(t.invoice_lines.c.line_number))]
    summary.outbound = [{"kind": row.kind, "destination": row.destination, "filename": row.filename,
                         "status": row.status}
                        for row in conn.execute(select(t.outbox).where(
                            t.outbox.c.dedupe_key.like(f"%:{summary.invoice_number}%"))
                            .order_by(t.outbox.c.id))]
    return summary


AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "over_90")


def aging(conn: Connection, *, today: date) -> list[dict]:
    """Per customer and currency, the open balance by how many days past due (``current``: not
    yet due): amounts in two currencies are never added up. The customer's unapplied credit
    is given once, on its first entry."""
    rows = conn.execute(select(t.invoices.c.customer_id, t.invoices.c.currency,
                               t.invoices.c.due_date, t.invoices.c.total, t.invoices.c.paid)
                        .where(t.invoices.c.status == OPEN)
                        .order_by(t.invoices.c.customer_id)).all()
    by_customer: dict[tuple[str, str], dict[str, Decimal]] = {}
    for row in rows:
        buckets = by_customer.setdefault((row.customer_id, row.currency or ""),
                                         {name: _ZERO for name in AGING_BUCKETS})
        balance = Decimal(str(row.total)) - Decimal(str(row.paid))
        days = (today - row.due_date).days
        bucket = ("current" if days <= 0 else "1-30" if days <= 30 else "31-60" if days <= 60
                  else "61-90" if days <= 90 else "over_90")
        buckets[bucket] += balance
    credits = dict(conn.execute(select(t.customer_exposure.c.customer_id,
                                       t.customer_exposure.c.unapplied_credit)).all())
    report = []
    seen: set[str] = set()
    for (customer_id, currency), buckets in sorted(by_customer.items()):
        entry = {"customer_id": customer_id, "currency": currency,
                 **{k: _money(v) for k, v in buckets.items()}}
        entry["balance"] = _money(sum(buckets.values(), _ZERO))
        entry["unapplied_credit"] = _money(0 if customer_id in seen
                                           else credits.get(customer_id) or 0)
        seen.add(customer_id)
        report.append(entry)
    return report
