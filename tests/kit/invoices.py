"""Invoices to render, shared by the invoice renderers' tests: built the way the billing store
builds them, each line's amount and tax rounded to the cent and the totals their sums."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ordergate.billing.model import (
    CREDIT_NOTE,
    INVOICE,
    Invoice,
    InvoiceLine,
    Party,
    PaymentTerms,
    TaxSubtotal,
)

CENT = Decimal("0.01")
SELLER = Party(name="Ordergate Supplies GmbH", street=("Industriestraße 7", "Halle 3"),
               city="Köln", postal_code="50667", country="DE", tax_id="DE123456789",
               email="billing@ordergate.example")
BUYER = Party(name="Acme Hardware Ltd", street=("1 Market Street",), city="Dublin",
              postal_code="D02 XY45", country="IE", tax_id="IE6388047V",
              email="ap@acme.example")
SHIP_TO = Party(name="Acme Hardware Ltd, warehouse 2", street=("Unit 5, Park West",),
                city="Dublin", postal_code="D12 AB34", country="IE")
TERMS = PaymentTerms(text="2/10 NET30", net_days=30, discount_percent=Decimal("2"),
                     discount_days=10)
IBAN, BIC = "DE89370400440532013000", "COBADEFFXXX"


def line(number: int, sku: str, quantity: str, unit_price: str, rate: str = "19",
         **fields) -> InvoiceLine:
    """A line with its amount and tax rounded half up to the cent, as the store rounds them."""
    amount = (Decimal(quantity) * Decimal(unit_price)).quantize(CENT, ROUND_HALF_UP)
    tax = (amount * Decimal(rate) / 100).quantize(CENT, ROUND_HALF_UP)
    return InvoiceLine(line_number=number, sku=sku, quantity=Decimal(quantity),
                       unit_price=Decimal(unit_price), tax_rate=Decimal(rate), amount=amount,
                       tax=tax, **fields)


def invoice(lines: Sequence[InvoiceLine], **fields) -> Invoice:
    """An invoice of ``lines`` with totals and the per-rate breakdown summed from them."""
    rates = sorted({item.tax_rate for item in lines})
    taxes = tuple(TaxSubtotal(rate=rate,
                              basis=sum((i.amount for i in lines if i.tax_rate == rate), Decimal(0)),
                              tax=sum((i.tax for i in lines if i.tax_rate == rate), Decimal(0)))
                  for rate in rates)
    subtotal = sum((item.amount for item in lines), Decimal(0))
    tax = sum((item.tax for item in lines), Decimal(0))
    values = dict(invoice_id=7, invoice_number="INV-2026-000042", kind=INVOICE,
                  customer_id="C100", currency="EUR", issue_date=date(2026, 11, 23),
                  due_date=date(2026, 12, 23), terms=TERMS, seller=SELLER, buyer=BUYER,
                  lines=tuple(lines), subtotal=subtotal, tax=tax, total=subtotal + tax,
                  order_id=4711, po_number="PO-2026-0815", po_date=date(2026, 11, 20),
                  ship_to=SHIP_TO, ship_date=date(2026, 11, 22), carrier="DHL",
                  tracking_number="JD014600006281", shipment_id=31,
                  discount_date=date(2026, 12, 3),
                  discount_amount=((subtotal + tax) * TERMS.discount_percent / 100).quantize(CENT),
                  iban=IBAN, bic=BIC, taxes=taxes)
    values.update(fields)
    return Invoice(**values)


def two_rates() -> Invoice:
    """Three lines at 19 % and one at 7 %, with the identifiers a PO echoes."""
    return invoice([
        line(1, "HW-1001", "3", "18.90", uom="CS", buyer_line_id="10", buyer_part="AC-BOLT-8",
             gtin="00071234000012", description="Hex bolt M8x40 zinc plated, box of 100"),
        line(2, "HW-1002", "2.5", "9.75", uom="KG", buyer_line_id="20",
             description="Hex nut M8 zinc plated, by weight"),
        line(3, "HW-1003", "7", "0.333", uom="EA", description="Flat washer M8"),
        line(4, "BK-2001", "1", "24.99", rate="7", uom="EA", buyer_part="AC-BOOK-1",
             description="Fastener handbook"),
    ])


def credit_note(of: Invoice, lines: Sequence[InvoiceLine] | None = None) -> Invoice:
    """A credit note for ``of`` (by default crediting its first line)."""
    credited = invoice(lines if lines is not None else of.lines[:1])
    return replace(credited, invoice_id=of.invoice_id + 1, invoice_number="CN-2026-000003",
                   kind=CREDIT_NOTE, corrects=of.invoice_number,
                   reason="Returned: damaged in transit", discount_date=None,
                   discount_amount=None)
