"""Invoicing shipments: each shipment not invoiced yet becomes one invoice, in one transaction
with its number, its lines and the move of its amount from the customer's open orders to its
open invoices.

Each line is the shipped quantity at the price the order line was confirmed at (what the
855/ORDRSP said); its amount and tax are rounded half up to the cent, and the totals are their
sums, as an accountant checks them. The number is ``<prefix>-<year>-<n>``, taken from
``control_numbers`` in the transaction that stores the invoice (one block for the invoices
made together): a rollback (an error, a crash) gives it back, so numbers have no gaps, and two
workers never take the same one. ``invoice_shipments`` holds each shipment once, so running
the invoicing again (or twice at once) invoices nothing twice: a batch that finds one of its
shipments taken by another worker meanwhile rolls back whole.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Callable, Hashable
from functools import lru_cache

from sqlalchemy import Connection, bindparam, func, select, update

from ordergate.billing.model import INVOICE, Invoice, InvoiceLine, Party, TaxSubtotal
from ordergate.errors import TransientError
from ordergate.masterdata.catalog import Catalog, Customer
from ordergate.masterdata.company import CompanyProfile
from ordergate.masterdata.terms import PaymentTerms, parse_terms
from ordergate.orders.detail import order_heads
from ordergate.orders.model import Address
from ordergate.orders.numbers import tidy_quantity
from ordergate.outbox.control_numbers import allocate
from ordergate.statuses import InvoiceStatus
from ordergate.store import tables as t
from ordergate.store.bulk import bulk_insert
from ordergate.store.driver import Decimals, select_rows

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
                      limit: int | None = None,
                      together: Callable[[object], Hashable | None] | None = None,
                      ) -> tuple[list[Invoiced], list[NotInvoiced]]:
    """Invoice the shipments not invoiced yet (all, or those of ``shipment_ids``), oldest first.

    One invoice per shipment, except that shipments for which ``together`` (given the pending
    shipment's row) returns the same key other than None share one invoice: a daily-invoiced
    customer's day. The caller keeps a key's shipments in one call (``limit`` cuts by
    shipment)."""
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
    built: list[tuple[Invoice, object, list[int]]] = []
    refused: list[NotInvoiced] = []
    parties = _Parties(company)  # the seller, each buyer and each customer's terms, once
    for group in bill_groups(shipments, together):
        first = group[0]
        customer = catalog.customers.get(first.customer_id)
        if len(group) == 1:
            problem, invoice = _build(first, lines.get(first.id, []), customer, company, today,
                                      parties=parties)
        else:
            problem, invoice = _build_day(group, lines, customer, company, today, parties)
        if problem:
            refused.extend(NotInvoiced(s.id, s.order_id, problem) for s in group)
            continue
        built.append((invoice, first, [s.id for s in group]))
    if not built:
        return [], refused
    stored = _store(conn, [(invoice, ids) for invoice, _, ids in built], company, today, now=now,
                    actor=actor)
    made = [Invoiced(_numbered(invoice, invoice_id, number), shipment)
            for (invoice, shipment, _), (invoice_id, number) in zip(built, stored)]
    return made, refused


def bill_groups(items: list, together: Callable[[object], Hashable | None] | None) -> list[list]:
    """``items`` (shipments, or their ids) as invoices bill them: those with one key other than
    None together, each other alone; in the order of each invoice's first item."""
    if together is None:
        return [[item] for item in items]
    groups: list[list] = []
    keyed: dict[Hashable, list] = {}
    for item in items:
        key = together(item)
        if key is None:
            groups.append([item])
        elif key in keyed:
            keyed[key].append(item)
        else:
            keyed[key] = [item]
            groups.append(keyed[key])
    return groups


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
    decimal = Decimals()
    for row in select_rows(conn, query):
        found[row[0]].append((*row[:2], decimal(row[2]), *row[3:5], decimal(row[5]), *row[6:]))
    return found


class _Parties:
    """What every invoice of a batch to the same customer repeats, made once per batch (from
    the one catalog the batch reads)."""

    def __init__(self, company: CompanyProfile) -> None:
        self.seller = _seller(company)
        self._buyers: dict[str, tuple[Party, PaymentTerms]] = {}

    def of(self, customer: Customer) -> tuple[Party, PaymentTerms]:
        found = self._buyers.get(customer.customer_id)
        if found is None:
            found = self._buyers[customer.customer_id] = (
                _buyer(customer), parse_terms(customer.payment_terms))
        return found


def _build(shipment, rows: list, customer: Customer | None, company: CompanyProfile,
           today: date, *, parties: _Parties | None = None) -> tuple[str | None, Invoice | None]:
    problem, currency, rate = _customer_terms(shipment, customer)
    if problem:
        return problem, None
    problem, lines = _lines(shipment, rows, rate)
    if problem:
        return problem, None
    return None, _invoice(
        customer, company, today, parties or _Parties(company), currency, rate, lines,
        order_id=shipment.order_id, po_number=shipment.po_number, po_date=shipment.po_date,
        ship_to=_party_of(order_heads(shipment.detail).ship_to), ship_date=shipment.ship_date,
        carrier=shipment.carrier, tracking_number=shipment.tracking_number,
        shipment_id=shipment.id)


def _build_day(shipments: list, lines_of: dict[int, list], customer: Customer | None,
               company: CompanyProfile, today: date,
               parties: _Parties) -> tuple[str | None, Invoice | None]:
    """One invoice for several shipments of one customer (a daily-invoiced customer's day):
    their lines in shipment order, each naming its order and PO; what they all share (the
    order, the ship-to, the carrier) in the head. The caller groups shipments of one
    currency."""
    first = shipments[0]
    problem, currency, rate = _customer_terms(first, customer)
    if problem:
        return problem, None
    lines: list[InvoiceLine] = []
    for shipment in shipments:
        problem, more = _lines(shipment, lines_of.get(shipment.id, []), rate)
        if problem:
            return problem, None
        lines += more

    def shared(name: str):
        values = {getattr(shipment, name) for shipment in shipments}
        return values.pop() if len(values) == 1 else None

    order_id = shared("order_id")
    ship_tos = {shipment.detail for shipment in shipments} if order_id is not None else set()
    ship_to = _party_of(order_heads(first.detail).ship_to) if len(ship_tos) == 1 else None
    return None, _invoice(
        customer, company, today, parties, currency, rate, lines, order_id=order_id,
        po_number=first.po_number if order_id is not None else None,
        po_date=first.po_date if order_id is not None else None, ship_to=ship_to,
        ship_date=max(shipment.ship_date for shipment in shipments),
        carrier=shared("carrier"), tracking_number=shared("tracking_number"), shipment_id=None)


def _customer_terms(shipment, customer: Customer | None) -> tuple[str | None, str, Decimal]:
    """Why ``shipment`` cannot be invoiced to ``customer`` (None when it can), the currency
    and the tax rate (percent)."""
    if customer is None:
        return f"customer {shipment.customer_id} is not in the master data", "", _ZERO
    currency = shipment.currency or customer.currency
    if not currency:
        return (f"order {shipment.order_id} names no currency and customer {customer.customer_id} "
                f"has none in customers.csv"), "", _ZERO
    return None, currency, customer.tax_rate if customer.tax_rate is not None else _ZERO


def _lines(shipment, rows: list, rate: Decimal) -> tuple[str | None, list[InvoiceLine]]:
    """The invoice lines of one shipment's rows; or why it cannot be invoiced."""
    tax_rate = rate.normalize()
    # The rows come in line order (``_shipped_lines``); a line split over packages is billed
    # once, with its total quantity.
    groups: list[list] = []
    for row in rows:
        quantity = row[2]  # a Decimal, as _shipped_lines reads it
        if groups and groups[-1][0][1] == row[1]:
            groups[-1][1] += quantity
        else:
            groups.append([row, quantity])
    lines = []
    order_id, po_number = shipment.order_id, shipment.po_number
    for (_, number, _, sku, uom, unit_price, buyer_line_id, buyer_part, vendor_part, gtin,
         description), quantity in groups:
        if unit_price is None:
            return (f"order {order_id} line {number} ({sku}) has no confirmed price to "
                    f"invoice"), []
        quantity = tidy_quantity(quantity)
        price = unit_price
        amount = cents(quantity * price)
        lines.append(InvoiceLine(
            line_number=number, sku=sku, quantity=quantity, unit_price=price.normalize(),
            tax_rate=tax_rate, amount=amount, tax=cents(amount * rate / 100), uom=uom,
            buyer_line_id=buyer_line_id, buyer_part=buyer_part, vendor_part=vendor_part,
            gtin=gtin, description=description, order_id=order_id, po_number=po_number))
    if not lines:
        return f"shipment {shipment.id} has no lines to invoice", []
    return None, lines


def _invoice(customer: Customer, company: CompanyProfile, today: date, parties: _Parties,
             currency: str, rate: Decimal, lines: list[InvoiceLine], **shipped) -> Invoice:
    """The invoice of ``lines``: totals as the sums of the rounded lines, dates and the
    discount from the customer's terms."""
    subtotal = sum((line.amount for line in lines), _ZERO)
    tax = sum((line.tax for line in lines), _ZERO)
    buyer, terms = parties.of(customer)
    total = subtotal + tax
    return Invoice(
        invoice_id=0, invoice_number="", kind=INVOICE, customer_id=customer.customer_id,
        currency=currency, issue_date=today, due_date=today + timedelta(days=terms.net_days),
        terms=terms, seller=parties.seller, buyer=buyer, lines=tuple(lines),
        subtotal=subtotal, tax=tax, total=total,
        discount_date=(today + timedelta(days=terms.discount_days)
                       if terms.discount_days is not None else None),
        discount_amount=(cents(total * terms.discount_percent / 100)
                         if terms.discount_percent else None),
        iban=company.iban, bic=company.bic,
        # Every line is at the customer's one rate: one subtotal, the invoice's own sums.
        taxes=(TaxSubtotal(rate.normalize(), subtotal, tax),), **shipped)


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


def _party_of(address: Address | None) -> Party | None:
    """The ship-to of an order's stored detail as an invoice names it (None: no name or code)."""
    if address is None or not (address.name or address.code):
        return None
    return Party(name=address.name or address.code or "", street=tuple(address.street),
                 city=address.city, postal_code=address.postal_code, state=address.state,
                 country=address.country, code=address.code,
                 code_qualifier=address.code_qualifier)


def _store(conn: Connection, made: list[tuple[Invoice, list[int]]], company: CompanyProfile,
           today: date, *, now: datetime, actor: str) -> list[tuple[int, str]]:
    """Number and store the invoices of ``made`` (each with the shipments it bills) in the
    caller's transaction; their (id, number), in order. A handful of statements for the whole batch: one block of
    numbers, one executemany each for the invoices, their lines and their shipments, and one
    exposure update per customer."""
    invoices = [invoice for invoice, _ in made]
    prefix = company.invoice_prefix
    first = allocate(conn, f"invoice:{prefix}", str(today.year), len(invoices)).start
    numbers = [f"{prefix}-{today.year}-{number:06d}"
               for number in range(first, first + len(invoices))]
    rows = []
    for invoice, invoice_number in zip(invoices, numbers):
        terms = invoice.terms
        rows.append({
            "invoice_number": invoice_number, "kind": invoice.kind,
            "customer_id": invoice.customer_id, "order_id": invoice.order_id,
            "issue_date": invoice.issue_date, "due_date": invoice.due_date,
            "discount_date": invoice.discount_date, "discount_percent": terms.discount_percent,
            "terms": terms.text, "currency": invoice.currency, "subtotal": invoice.subtotal,
            "tax": invoice.tax, "total": invoice.total, "status": OPEN,
            # The stored document says invoice id 0, as it did when it was made one by one.
            "document": to_json(invoice, invoice_id=0, invoice_number=invoice_number),
            "actor": actor, "created_at": now})
    bulk_insert(conn, t.invoices, rows)
    ids = dict(conn.execute(select(t.invoices.c.invoice_number, t.invoices.c.id)
                            .where(t.invoices.c.invoice_number.in_(numbers))).all())
    invoice_ids = [ids[number] for number in numbers]
    bulk_insert(conn, t.invoice_lines, [
        (invoice_id, line.line_number, line.sku, line.quantity, line.unit_price, line.tax_rate,
         line.amount, line.tax, line.order_id)
        for invoice, invoice_id in zip(invoices, invoice_ids) for line in invoice.lines],
        columns=_LINE_COLUMNS)
    billed = [(shipment_id, invoice_id) for (_, shipment_ids), invoice_id in zip(made, invoice_ids)
              for shipment_id in shipment_ids]
    taken = bulk_insert(conn, t.invoice_shipments, [
        {"shipment_id": shipment_id, "invoice_id": invoice_id}
        for shipment_id, invoice_id in billed], ignore_conflicts=True)
    if taken != len(billed):  # another worker invoiced some meanwhile: this batch must not exist
        mine = set(invoice_ids)
        others = sorted(shipment for shipment, invoice_id in conn.execute(
            select(t.invoice_shipments.c.shipment_id, t.invoice_shipments.c.invoice_id).where(
                t.invoice_shipments.c.shipment_id.in_([shipment for shipment, _ in billed])))
            if invoice_id not in mine)
        which = (f"shipments {', '.join(map(str, others))} were" if len(others) > 1 else
                 f"shipment {others[0]} was" if others else "a shipment of this batch was")
        raise InvoicedMeanwhile(f"{which} invoiced by another worker; run the invoicing again")
    _move_all(conn, [(invoice.customer_id, invoice.subtotal, invoice.total)
                     for invoice in invoices])
    return list(zip(invoice_ids, numbers))


_LINE_COLUMNS = ("invoice_id", "line_number", "sku", "quantity", "unit_price", "tax_rate",
                 "amount", "tax", "order_id")


class InvoicedMeanwhile(TransientError):
    """Another worker invoiced the same shipment at the same moment: this transaction rolls
    back (its number with it) and a run again finds nothing left to invoice."""


def move_to_invoices(conn: Connection, customer_id: str, order_value: Decimal,
                     invoiced: Decimal) -> None:
    """What was on open orders (the net value, as accepted) is now owed on an invoice (with tax)."""
    _move_all(conn, [(customer_id, order_value, invoiced)])


def _move_all(conn: Connection, moves: list[tuple[str, Decimal, Decimal]]) -> None:
    """``move_to_invoices`` for each (customer, order value, invoiced), in order, with one
    update per customer: open orders never go below 0, and taking off the sum of values that
    are all 0 or more at once ends where taking them off one by one does. A customer with a
    value below 0 among them has each applied in turn."""
    by_customer: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for customer_id, order_value, invoiced in moves:
        by_customer[customer_id].append((order_value, invoiced))
    steps = []
    for customer_id, values in by_customer.items():
        if all(order_value >= 0 for order_value, _ in values):
            steps.append({"_customer": customer_id,
                          "_orders": sum((value for value, _ in values), _ZERO),
                          "_invoiced": sum((invoiced for _, invoiced in values), _ZERO)})
        else:
            steps += [{"_customer": customer_id, "_orders": value, "_invoiced": invoiced}
                      for value, invoiced in values]
    if not steps:
        return
    exposure = t.customer_exposure
    bulk_insert(conn, exposure, [{"customer_id": customer} for customer in by_customer],
                ignore_conflicts=True)
    conn.execute(_move_statement(conn.dialect.name), steps)


@lru_cache(maxsize=4)
def _move_statement(dialect: str):
    exposure = t.customer_exposure
    left = exposure.c.open_orders - bindparam("_orders", type_=exposure.c.open_orders.type)
    return (update(exposure).where(exposure.c.customer_id == bindparam("_customer")).values(
        open_orders=func.max(left, 0) if dialect == "sqlite" else func.greatest(left, 0),
        open_invoices=exposure.c.open_invoices + bindparam("_invoiced",
                                                           type_=exposure.c.open_invoices.type)))


def _numbered(invoice: Invoice, invoice_id: int, number: str) -> Invoice:
    return replace(invoice, invoice_id=invoice_id, invoice_number=number)


# ---------------------------------------------------------------- the stored document
def to_json(invoice: Invoice, **overrides) -> str:
    """The invoice as stored: ``dataclasses.asdict`` as JSON with its keys sorted, Decimals and
    dates as text; ``overrides`` replace top-level fields (as ``dataclasses.replace`` would).

    Written out field by field, each dict already in key order: ``asdict`` deep-copies every
    value, which was most of the time an invoice took to store. A test holds it to the
    ``asdict`` form."""
    data = _invoice_plain(invoice)
    unknown = overrides.keys() - data.keys()
    if unknown:
        raise TypeError(f"Invoice has no field {', '.join(sorted(unknown))}")
    data.update(overrides)
    return json.dumps(data, default=_plain)


def _invoice_plain(i: Invoice) -> dict:
    terms = i.terms
    return {
        "bic": i.bic, "buyer": _party_plain(i.buyer), "carrier": i.carrier,
        "corrects": i.corrects, "currency": i.currency, "customer_id": i.customer_id,
        "discount_amount": _text(i.discount_amount), "discount_date": _day(i.discount_date),
        "due_date": _day(i.due_date), "iban": i.iban, "invoice_id": i.invoice_id,
        "invoice_number": i.invoice_number, "issue_date": _day(i.issue_date), "kind": i.kind,
        "lines": [{"amount": str(l.amount), "buyer_line_id": l.buyer_line_id,
                   "buyer_part": l.buyer_part, "description": l.description, "gtin": l.gtin,
                   "line_number": l.line_number, "order_id": l.order_id,
                   "po_number": l.po_number, "quantity": str(l.quantity), "sku": l.sku,
                   "tax": str(l.tax), "tax_rate": str(l.tax_rate),
                   "unit_price": str(l.unit_price), "uom": l.uom, "vendor_part": l.vendor_part}
                  for l in i.lines],
        "order_id": i.order_id, "po_date": _day(i.po_date), "po_number": i.po_number,
        "reason": i.reason, "seller": _party_plain(i.seller), "ship_date": _day(i.ship_date),
        "ship_to": _party_plain(i.ship_to), "shipment_id": i.shipment_id,
        "subtotal": _text(i.subtotal), "tax": _text(i.tax),
        "taxes": [{"basis": str(x.basis), "rate": str(x.rate), "tax": str(x.tax)}
                  for x in i.taxes],
        "terms": None if terms is None else {
            "discount_days": terms.discount_days,
            "discount_percent": _text(terms.discount_percent), "net_days": terms.net_days,
            "text": terms.text},
        "total": _text(i.total), "tracking_number": i.tracking_number}


def _party_plain(p: Party | None) -> dict | None:
    if p is None:
        return None
    return {"city": p.city, "code": p.code, "code_qualifier": p.code_qualifier,
            "country": p.country, "email": p.email, "name": p.name,
            "postal_code": p.postal_code, "state": p.state, "street": list(p.street),
            "tax_id": p.tax_id}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


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
