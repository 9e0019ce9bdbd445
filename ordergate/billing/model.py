"""What an invoice or a credit note says, as the renderers read it.

Built by the billing store from the rows it wrote in the invoice's transaction, so every
rendering (X12 810, EDIFACT INVOIC, the Factur-X PDF, the CSV) says exactly what was stored.
Amounts are Decimals already rounded the way they were stored: each line's amount and tax to
the cent, the totals their sums, so a renderer never computes money, it only writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ordergate.masterdata.terms import PaymentTerms

INVOICE, CREDIT_NOTE = "invoice", "credit_note"
__all__ = ["CREDIT_NOTE", "INVOICE", "Invoice", "InvoiceLine", "Party", "PaymentTerms", "TaxSubtotal"]


@dataclass(frozen=True, slots=True)
class Party:
    """A seller, buyer or ship-to as an invoice names it."""

    name: str
    street: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country: str | None = None  # ISO 3166 alpha-2
    tax_id: str | None = None  # VAT id (e.g. DE123456789) or other tax registration
    email: str | None = None
    # The id the partner knows it by: a GLN (qualifier "14"/"9"), an X12 id, a location code.
    code: str | None = None
    code_qualifier: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    line_number: int  # the order line it bills
    sku: str
    quantity: Decimal  # shipped (credited) quantity, in ``uom``
    unit_price: Decimal  # the price the 855/ORDRSP confirmed
    tax_rate: Decimal  # percent, e.g. Decimal("19")
    amount: Decimal  # quantity × unit_price, rounded to the cent (before tax)
    tax: Decimal  # amount × tax_rate / 100, rounded to the cent
    uom: str | None = None
    buyer_line_id: str | None = None  # the PO's line id, echoed
    buyer_part: str | None = None  # the identifiers the PO used, echoed
    vendor_part: str | None = None
    gtin: str | None = None
    description: str | None = None
    # The order the line bills: on every line, since one daily invoice may bill several orders
    # (``line_number`` is that order's line).
    order_id: int | None = None
    po_number: str | None = None


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    rate: Decimal  # percent
    basis: Decimal  # sum of the line amounts at this rate
    tax: Decimal  # sum of the line taxes at this rate


@dataclass(frozen=True, slots=True)
class Invoice:
    """One invoice (or credit note) for one shipment, for one customer's day (several
    shipments, perhaps of several orders), or for a return.

    The order, PO, ship-to, carrier and shipment fields are set when every shipment billed
    shares them; a day's invoice over several orders names each line's PO on the line."""

    invoice_id: int
    invoice_number: str  # e.g. "INV-2026-000001", gapless per prefix and year
    kind: str  # INVOICE | CREDIT_NOTE
    customer_id: str
    currency: str
    issue_date: date
    due_date: date
    terms: PaymentTerms
    seller: Party
    buyer: Party
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal  # sum of line amounts
    tax: Decimal  # sum of line taxes
    total: Decimal  # subtotal + tax
    order_id: int | None = None
    po_number: str | None = None
    po_date: date | None = None
    ship_to: Party | None = None
    ship_date: date | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    shipment_id: int | None = None
    discount_date: date | None = None  # pay by this date for the early-payment discount
    discount_amount: Decimal | None = None  # what the discount takes off the total
    corrects: str | None = None  # a credit note: the invoice number it credits
    reason: str | None = None  # a credit note: why (the return's reason)
    iban: str | None = None  # the seller's bank account, for the remittance
    bic: str | None = None
    taxes: tuple[TaxSubtotal, ...] = field(default_factory=tuple)  # one per rate, rate order
