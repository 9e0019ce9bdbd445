"""Invoicing shipments: each shipment not invoiced yet becomes one invoice, in one transaction
with its number, its lines and the move of its amount from the customer's open orders to its
open invoices.

Each line is the shipped quantity at the price the order line was confirmed at (what the
855/ORDRSP said); its amount and tax are rounded half up to the cent, and the totals are their
sums, as an accountant checks them. The number is ``<prefix>-<year>-<n>``, taken from
``control_numbers`` in the invoice's own transaction: a rollback (an error, a crash) gives it
back, so numbers have no gaps, and two workers never take the same one. ``invoice_shipments``
holds each shipment once, so running the invoicing again (or twice at once) invoices nothing
twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, func, select, update

from ordergate.billing.model import INVOICE, Invoice, InvoiceLine, Party, TaxSubtotal
from ordergate.errors import TransientError
from ordergate.masterdata.catalog import Catalog, Customer
from ordergate.masterdata.company import CompanyProfile
from ordergate.masterdata.terms import parse_terms
from ordergate.orders.model import Address
from ordergate.orders.numbers import tidy_quantity
from ordergate.outbox.control_numbers import allocate
from ordergate.statuses import InvoiceStatus
from ordergate.store import tables as t
from ordergate.store.bulk import bulk_insert
from ordergate.store.db import insert_ignore

CENT = Decimal("0.01")
_ZERO = Decimal(0)
OPEN, PAID, CREDITED = InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.CREDITED


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class Invoiced:
    """One invoice made, with the order row it bills (for whoever sends it)."""

    invoice: Invoice
    order: object


@dataclass(slots=True)
class NotInvoiced:
    shipment_id: int
    order_id: int
    reason: str


def invoice_shipments(conn: Connection, company: CompanyProfile, catalog: Catalog, *,
                      shipment_ids: list[int] | None = None, now: datetime, actor: str,
                      limit: int | None = None) -> tuple[list[Invoiced], list[NotInvoiced]]:
    """Invoice the shipments not invoiced yet (all, or those of ``shipment_ids``), oldest first."""
    pending = (select(t.shipments, t.orders.c.customer_id, t.orders.c.po_number,
                      t.orders.c.po_date, t.orders.c.currency, t.orders.c.detail,
                      t.orders.c.format, t.orders.c.channel, t.orders.c.document_id,
                      t.orders.c.source_key, t.orders.c.id.label("order_row_id"))
               .join(t.orders, t.orders.c.id == t.shipments.c.order_id)
               .outerjoin(t.invoice_shipments,
                          t.invoice_shipments.c.shipment_id == t.shipments.c.id)
               .where(t.invoice_shipments.c.shipment_id.is_(None))
               .order_by(t.shipments.c.id))
    if shipment_ids is not None:
        if not shipment_ids:
            return [], []
        pending = pending.where(t.shipments.c.id.in_(shipment_ids))
    if limit:
        pending = pending.limit(limit)
    shipments = conn.execute(pending).all()
    if not shipments:
        return [], []
    lines = _shipped_lines(conn, [s.id for s in shipments])
    today = now.date()
    made: list[Invoiced] = []
    refused: list[NotInvoiced] = []
    for shipment in shipments:
        customer = catalog.customers.get(shipment.customer_id)
        problem, built = _build(shipment, lines.get(shipment.id, []), customer, company, today)
        if problem:
            refused.append(NotInvoiced(shipment.id, shipment.order_id, problem))
            continue
        invoice_id, number = _store(conn, built, shipment, company, today, now=now, actor=actor)
        made.append(Invoiced(_numbered(built, invoice_id, number), shipment))
    return made, refused


def _shipped_lines(conn: Connection, shipment_ids: list[int]) -> dict[int, list]:
    sl, ol = t.shipment_lines, t.order_lines
    query = (select(sl.c.shipment_id, sl.c.line_number, sl.c.quantity, ol.c.sku, ol.c.uom,
                    ol.c.unit_price, ol.c.buyer_line_id, ol.c.buyer_part, ol.c.vendor_part,
                    ol.c.gtin, ol.c.description)
             .join(t.shipments, t.shipments.c.id == sl.c.shipment_id)
             .join(ol, (ol.c.order_id == t.shipments.c.order_id)
                   & (ol.c.line_number == sl.c.line_number))
             .where(sl.c.shipment_id.in_(shipment_ids))
             .order_by(sl.c.shipment_id, sl.c.line_number, sl.c.id))
    found: dict[int, list] = defaultdict(list)
    for row in conn.execute(query):
        found[row.shipment_id].append(row)
    return found


def _build(shipment, rows: list, customer: Customer | None, company: CompanyProfile,
           today: date) -> tuple[str | None, Invoice | None]:
    if customer is None:
        return f"customer {shipment.customer_id} is not in the master data", None
    currency = shipment.currency or customer.currency
    if not currency:
        return (f"order {shipment.order_id} names no currency and customer {customer.customer_id} "
                f"has none in customers.csv"), None
    rate = customer.tax_rate if customer.tax_rate is not None else _ZERO
    by_line: dict[int, list] = defaultdict(list)
    for row in rows:  # a line split over packages is billed once, with its total quantity
        by_line[row.line_number].append(row)
    lines = []
    for number, parts in sorted(by_line.items()):
        row = parts[0]
        if row.unit_price is None:
            return (f"order {shipment.order_id} line {number} ({row.sku}) has no confirmed price "
                    f"to invoice"), None
        quantity = tidy_quantity(sum((Decimal(str(p.quantity)) for p in parts), _ZERO))
        price = Decimal(str(row.unit_price))
        amount = cents(quantity * price)
        lines.append(InvoiceLine(
            line_number=number, sku=row.sku, quantity=quantity, unit_price=price.normalize(),
            tax_rate=rate.normalize(), amount=amount, tax=cents(amount * rate / 100), uom=row.uom,
            buyer_line_id=row.buyer_line_id, buyer_part=row.buyer_part,
            vendor_part=row.vendor_part, gtin=row.gtin, description=row.description))
    if not lines:
        return f"shipment {shipment.id} has no lines to invoice", None
    terms = parse_terms(customer.payment_terms)
    subtotal = sum((line.amount for line in lines), _ZERO)
    tax = sum((line.tax for line in lines), _ZERO)
    total = subtotal + tax
    detail = json.loads(shipment.detail)
    ship_to = _party_of(detail.get("ship_to"))
    return None, Invoice(
        invoice_id=0, invoice_number="", kind=INVOICE, customer_id=customer.customer_id,
        currency=currency, issue_date=today, due_date=today + timedelta(days=terms.net_days),
        terms=terms, seller=_seller(company), buyer=_buyer(customer), lines=tuple(lines),
        subtotal=subtotal, tax=tax, total=total, order_id=shipment.order_id,
        po_number=shipment.po_number, po_date=shipment.po_date, ship_to=ship_to,
        ship_date=shipment.ship_date, carrier=shipment.carrier,
        tracking_number=shipment.tracking_number, shipment_id=shipment.id,
        discount_date=(today + timedelta(days=terms.discount_days)
                       if terms.discount_days is not None else None),
        discount_amount=(cents(total * terms.discount_percent / 100)
                         if terms.discount_percent else None),
        iban=company.iban, bic=company.bic, taxes=_taxes(lines))


def _taxes(lines: list[InvoiceLine]) -> tuple[TaxSubtotal, ...]:
    by_rate: dict[Decimal, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        by_rate[line.tax_rate].append(line)
    return tuple(TaxSubtotal(rate, sum((l.amount for l in group), _ZERO),
                             sum((l.tax for l in group), _ZERO))
                 for rate, group in sorted(by_rate.items()))


def _seller(company: CompanyProfile) -> Party:
    return Party(name=company.name, street=(company.street,), city=company.city,
                 postal_code=company.postal_code, country=company.country,
                 tax_id=company.tax_id, email=company.email)


def _buyer(customer: Customer) -> Party:
    code, qualifier = None, None
    if customer.edifact_id:
        code = customer.edifact_id.strip()
        qualifier = "9" if len(code) == 13 and code.isdigit() else None
    elif customer.x12_id:
        qualifier, _, code = customer.x12_id.partition(":")
    return Party(name=customer.name, tax_id=customer.tax_id,
                 email=customer.invoice_email or customer.email, code=code,
                 code_qualifier=qualifier)


def _party_of(address: dict | None) -> Party | None:
    if not address:
        return None
    parsed = Address.model_validate(address)
    if not (parsed.name or parsed.code):
        return None
    return Party(name=parsed.name or parsed.code or "", street=tuple(parsed.street),
                 city=parsed.city, postal_code=parsed.postal_code, state=parsed.state,
                 country=parsed.country, code=parsed.code, code_qualifier=parsed.code_qualifier)


def _store(conn: Connection, invoice: Invoice, shipment, company: CompanyProfile, today: date, *,
           now: datetime, actor: str) -> tuple[int, str]:
    prefix = company.invoice_prefix
    [number] = allocate(conn, f"invoice:{prefix}", str(today.year), 1)
    invoice_number = f"{prefix}-{today.year}-{number:06d}"
    terms = invoice.terms
    invoice_id = conn.execute(t.invoices.insert().values(
        invoice_number=invoice_number, kind=invoice.kind, customer_id=invoice.customer_id,
        order_id=invoice.order_id, issue_date=invoice.issue_date, due_date=invoice.due_date,
        discount_date=invoice.discount_date, discount_percent=terms.discount_percent,
        terms=terms.text, currency=invoice.currency, subtotal=invoice.subtotal, tax=invoice.tax,
        total=invoice.total, status=OPEN,
        document=to_json(_numbered(invoice, 0, invoice_number)), actor=actor, created_at=now)
        .returning(t.invoices.c.id)).scalar_one()
    bulk_insert(conn, t.invoice_lines, [
        {"invoice_id": invoice_id, "line_number": line.line_number, "sku": line.sku,
         "quantity": line.quantity, "unit_price": line.unit_price, "tax_rate": line.tax_rate,
         "amount": line.amount, "tax": line.tax} for line in invoice.lines])
    taken = conn.execute(insert_ignore(conn, t.invoice_shipments)
                         .returning(t.invoice_shipments.c.shipment_id),
                         {"shipment_id": shipment.id, "invoice_id": invoice_id}).first()
    if taken is None:  # another worker invoiced it meanwhile: this invoice must not exist
        raise InvoicedMeanwhile(f"shipment {shipment.id} was invoiced by another worker; run the "
                                f"invoicing again")
    move_to_invoices(conn, invoice.customer_id, invoice.subtotal, invoice.total)
    return invoice_id, invoice_number


class InvoicedMeanwhile(TransientError):
    """Another worker invoiced the same shipment at the same moment: this transaction rolls
    back (its number with it) and a run again finds nothing left to invoice."""


def move_to_invoices(conn: Connection, customer_id: str, order_value: Decimal,
                     invoiced: Decimal) -> None:
    """What was on open orders (the net value, as accepted) is now owed on an invoice (with tax)."""
    exposure = t.customer_exposure
    conn.execute(insert_ignore(conn, exposure), {"customer_id": customer_id})
    conn.execute(update(exposure).where(exposure.c.customer_id == customer_id).values(
        open_orders=func.max(exposure.c.open_orders - order_value, 0)
        if conn.dialect.name == "sqlite" else
        func.greatest(exposure.c.open_orders - order_value, 0),
        open_invoices=exposure.c.open_invoices + invoiced))


def _numbered(invoice: Invoice, invoice_id: int, number: str) -> Invoice:
    return replace(invoice, invoice_id=invoice_id, invoice_number=number)


# ---------------------------------------------------------------- the stored document
def to_json(invoice: Invoice) -> str:
    return json.dumps(asdict(invoice), default=_plain, sort_keys=True)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def from_json(text: str) -> Invoice:
    """The invoice as it was made (to send again: a reminder, a resend)."""
    from ordergate.masterdata.terms import PaymentTerms

    data = json.loads(text)

    def day(value):
        return date.fromisoformat(value) if value else None

    def money(value):
        return Decimal(value) if value is not None else None

    def party(value):
        return Party(**{**value, "street": tuple(value["street"])}) if value else None

    terms = data["terms"]
    return Invoice(
        **{**data,
           "issue_date": day(data["issue_date"]), "due_date": day(data["due_date"]),
           "po_date": day(data["po_date"]), "ship_date": day(data["ship_date"]),
           "discount_date": day(data["discount_date"]),
           "terms": PaymentTerms(terms["text"], terms["net_days"], money(terms["discount_percent"]),
                                 terms["discount_days"]),
           "seller": party(data["seller"]), "buyer": party(data["buyer"]),
           "ship_to": party(data["ship_to"]),
           "lines": tuple(InvoiceLine(**{**line, **{k: money(line[k]) for k in
                                                    ("quantity", "unit_price", "tax_rate",
                                                     "amount", "tax")}})
                          for line in data["lines"]),
           "subtotal": money(data["subtotal"]), "tax": money(data["tax"]),
           "total": money(data["total"]), "discount_amount": money(data["discount_amount"]),
           "taxes": tuple(TaxSubtotal(money(x["rate"]), money(x["basis"]), money(x["tax"]))
                          for x in data["taxes"])})
