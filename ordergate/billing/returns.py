"""Returns: goods a customer sends back, and the credit note that answers them.

In the caller's transaction: the return (never more of a line than shipped and not returned
before), restocked quantities back on hand, and a credit note at the prices the order was
invoiced at, numbered from the same gapless sequence as invoices. Its amounts are positive (a
credit note of 10.00 credits 10.00, as EN 16931 writes it); it settles the order's open invoice
first, and whatever is left stays with the customer as unapplied credit, so what the customer
owes goes down at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select, update

from ordergate.billing.invoicing import (
    CREDITED,
    PAID,
    _buyer,
    _numbered,
    _party_of,
    _seller,
    _taxes,
    cents,
    move_to_invoices,
    to_json,
)
from ordergate.billing.model import CREDIT_NOTE, Invoice, InvoiceLine
from ordergate.errors import UsageError
from ordergate.fulfilment.receiving import fill_from_freed
from ordergate.printable import control_problem
from ordergate.masterdata.catalog import Catalog
from ordergate.masterdata.company import CompanyProfile
from ordergate.masterdata.terms import parse_terms
from ordergate.orders.detail import order_heads
from ordergate.orders.numbers import tidy_quantity
from ordergate.outbox.control_numbers import allocate
from ordergate.store import tables as t
from ordergate.store.bulk import bulk_insert

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_number: int
    quantity: Decimal


@dataclass(slots=True)
class Returned:
    return_id: int
    credit_note: Invoice
    order: object  # the order row, for whoever sends the credit note
    restocked: dict[str, Decimal]
    filled: list = field(default_factory=list)  # backordered lines that got the restocked goods


def create_return(conn: Connection, company: CompanyProfile, catalog: Catalog, order_id: int,
                  lines: list[ReturnLine], *, reason: str, restock: bool, actor: str,
                  now: datetime) -> Returned:
    if not reason.strip():
        raise UsageError("a return needs a reason the customer can read (--reason)")
    problem = control_problem("the reason", reason)
    if problem:
        raise UsageError(problem)
    if not lines:
        raise UsageError("name the returned lines (--line N=QTY)")
    query = select(t.orders).where(t.orders.c.id == order_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    order = conn.execute(query).first()
    if order is None:
        raise UsageError(f"there is no order {order_id}")
    held = {row.line_number: row for row in conn.execute(
        select(t.order_lines).where(t.order_lines.c.order_id == order_id))}
    returned = defaultdict(lambda: _ZERO)
    for row in conn.execute(select(t.return_lines.c.line_number, t.return_lines.c.quantity)
                            .join(t.returns).where(t.returns.c.order_id == order_id)):
        returned[row.line_number] += Decimal(str(row.quantity))
    asked = defaultdict(lambda: _ZERO)
    for line in lines:
        row = held.get(line.line_number)
        if row is None:
            raise UsageError(f"order {order_id} (PO {order.po_number}) has no line {line.line_number}")
        if not line.quantity > 0:
            raise UsageError(f"line {line.line_number}: the quantity must be more than 0")
        asked[line.line_number] += line.quantity
        left = tidy_quantity(row.shipped_quantity) - returned[line.line_number]
        if asked[line.line_number] > left:
            raise UsageError(f"line {line.line_number} ({row.sku}): "
                             f"{asked[line.line_number].normalize():f} is more than the "
                             f"{left.normalize():f} shipped and not returned yet")
    customer = catalog.customers.get(order.customer_id)
    if customer is None:
        raise UsageError(f"customer {order.customer_id} is not in the master data")
    rate = customer.tax_rate if customer.tax_rate is not None else _ZERO
    credit_lines = []
    for number, quantity in sorted(asked.items()):
        row = held[number]
        if row.unit_price is None:
            raise UsageError(f"line {number} ({row.sku}) has no confirmed price to credit")
        amount = cents(quantity * Decimal(str(row.unit_price)))
        credit_lines.append(InvoiceLine(
            line_number=number, sku=row.sku, quantity=tidy_quantity(quantity),
            unit_price=Decimal(str(row.unit_price)).normalize(), tax_rate=rate.normalize(),
            amount=amount, tax=cents(amount * rate / 100), uom=row.uom,
            buyer_line_id=row.buyer_line_id, buyer_part=row.buyer_part,
            vendor_part=row.vendor_part, gtin=row.gtin, description=row.description,
            order_id=order_id, po_number=order.po_number))
    # The latest invoice that billed this order: its own, or a daily invoice of several orders.
    invoice_row = conn.execute(select(t.invoices).where(
        t.invoices.c.kind == "invoice",
        t.invoices.c.id.in_(select(t.invoice_lines.c.invoice_id)
                            .where(t.invoice_lines.c.order_id == order_id)))
        .order_by(t.invoices.c.id.desc()).limit(1)).first()
    today = now.date()
    subtotal = sum((line.amount for line in credit_lines), _ZERO)
    tax = sum((line.tax for line in credit_lines), _ZERO)
    note = Invoice(
        invoice_id=0, invoice_number="", kind=CREDIT_NOTE, customer_id=order.customer_id,
        currency=order.currency or customer.currency or (invoice_row.currency if invoice_row else ""),
        issue_date=today, due_date=today, terms=parse_terms(customer.payment_terms),
        seller=_seller(company), buyer=_buyer(customer), lines=tuple(credit_lines),
        subtotal=subtotal, tax=tax, total=subtotal + tax, order_id=order_id,
        po_number=order.po_number, po_date=order.po_date,
        ship_to=_party_of(order_heads(order.detail).ship_to),
        corrects=invoice_row.invoice_number if invoice_row else None, reason=reason,
        iban=company.iban, bic=company.bic, taxes=_taxes(credit_lines))
    if not note.currency:
        raise UsageError(f"order {order_id} names no currency to credit in")
    return_id = conn.execute(t.returns.insert().values(
        order_id=order_id, reason=reason, restock=restock, actor=actor, created_at=now)
        .returning(t.returns.c.id)).scalar_one()
    bulk_insert(conn, t.return_lines, [
        {"return_id": return_id, "line_number": number, "sku": held[number].sku,
         "quantity": quantity} for number, quantity in sorted(asked.items())])
    restocked: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    if restock:
        for number, quantity in asked.items():
            restocked[held[number].sku] += quantity
        for sku, quantity in sorted(restocked.items()):
            conn.execute(update(t.stock).where(t.stock.c.sku == sku)
                         .values(on_hand=t.stock.c.on_hand + quantity))
    # Goods back on the shelf go first to the orders waiting for them, as a receipt's do.
    filled = fill_from_freed(conn, dict(restocked), reference=f"return {return_id}")
    note = _store_credit_note(conn, note, company, invoice_row, now=now, actor=actor)
    conn.execute(update(t.returns).where(t.returns.c.id == return_id)
                 .values(credit_note_id=note.invoice_id))
    order_view = conn.execute(select(
        t.orders.c.id.label("order_id"), t.orders.c.customer_id, t.orders.c.format,
        t.orders.c.channel, t.orders.c.detail, t.orders.c.document_id, t.orders.c.source_key)
        .where(t.orders.c.id == order_id)).one()
    return Returned(return_id, note, order_view, dict(restocked), filled)


def _store_credit_note(conn: Connection, note: Invoice, company: CompanyProfile, invoice_row, *,
                       now: datetime, actor: str) -> Invoice:
    prefix, year = company.invoice_prefix, note.issue_date.year
    [number] = allocate(conn, f"invoice:{prefix}", str(year), 1)
    note = _numbered(note, 0, f"{prefix}-{year}-{number:06d}")
    note_id = conn.execute(t.invoices.insert().values(
        invoice_number=note.invoice_number, kind=CREDIT_NOTE, customer_id=note.customer_id,
        order_id=note.order_id, corrects_invoice_id=invoice_row.id if invoice_row else None,
        issue_date=note.issue_date, due_date=note.due_date, terms=note.terms.text,
        currency=note.currency, subtotal=note.subtotal, tax=note.tax, total=note.total,
        paid=note.total, status=CREDITED, document=to_json(note), actor=actor, created_at=now)
        .returning(t.invoices.c.id)).scalar_one()
    bulk_insert(conn, t.invoice_lines, [
        {"invoice_id": note_id, "line_number": line.line_number, "sku": line.sku,
         "quantity": line.quantity, "unit_price": line.unit_price, "tax_rate": line.tax_rate,
         "amount": line.amount, "tax": line.tax, "order_id": line.order_id}
        for line in note.lines])
    settled = _ZERO
    if invoice_row is not None and invoice_row.status not in (PAID, CREDITED):
        balance = Decimal(str(invoice_row.total)) - Decimal(str(invoice_row.paid))
        settled = min(note.total, max(balance, _ZERO))
        paid = Decimal(str(invoice_row.paid)) + settled
        status = CREDITED if paid >= Decimal(str(invoice_row.total)) else invoice_row.status
        conn.execute(update(t.invoices).where(t.invoices.c.id == invoice_row.id)
                     .values(paid=paid, status=status))
    exposure = t.customer_exposure
    move_to_invoices(conn, note.customer_id, _ZERO, _ZERO)  # makes sure the row exists
    lower = exposure.c.open_invoices - settled
    conn.execute(update(exposure).where(exposure.c.customer_id == note.customer_id).values(
        open_invoices=func.max(lower, 0) if conn.dialect.name == "sqlite" else func.greatest(lower, 0),
        unapplied_credit=exposure.c.unapplied_credit + (note.total - settled)))
    return replace(note, invoice_id=note_id)
