"""X12 810 invoice (004010): one invoice or credit note, as the buyer's accounts payable reads
it. Heading BIG, NTE, CUR, REF, the N1 loops, ITD, DTM; an IT1 per line with its TXI and PID;
summary TDS, CAD, ISS, CTT.

Choices worth knowing:
- BIG01 is the issue date, BIG02 our invoice number, BIG03/BIG04 the PO's date and number as
  the PO sent them. BIG07 (transaction type) is DI, debit invoice, for an invoice and CR,
  credit memo, for a credit note; BIG08 is 00 (original). The invoice a credit note credits
  goes in REF*OI (original invoice number): BIG10 is a consolidated invoice's number.
- A credit note's quantities and amounts go as stored (positive): BIG07 says they are
  credited. Its reason goes in NTE*GEN, and it has no ISS, since nothing shipped.
- REF*VN is our order number (BAK08 of the 855), REF*BM the shipment written as the 856's
  REF*BM writes it, so the buyer can match the invoice to the notice, REF*CN the tracking number.
- N1 loops: RE (remit to: the seller, with its address), BT (bill to: the buyer, by
  ``buyer_id``, else by its own code), ST (ship to, when known), SE (selling party, with its
  address and tax registration, as a VAT invoice names the supplier). ``our_id`` names us in RE
  and SE, else the seller's code does. A tax id goes in its party's REF: VX (value-added tax
  registration number) when it starts with the two-letter country prefix a VAT id carries,
  else TJ (federal taxpayer's identification number, e.g. a US EIN). The buyer's tax id, when
  known, goes in BT the same way (an invoice under reverse charge must name it).
- ITD01 is 08 (basic discount offered) when an invoice's terms give an early-payment discount,
  else 01 (basic: a credit note's terms are stated without one); ITD02 3: the terms run from
  the invoice date. ITD03 the discount percent, ITD04 the date and ITD05 the days it must be
  paid by, ITD06 the net due date, ITD07 the net days, ITD08 the discount amount in cents when
  known, ITD12 the terms as written.
- IT1: IT101 the PO's line id (else our line number), quantity, unit (EA when none), unit price
  (two decimals, or as many as the price has: a price is never rounded), IT105 empty, then the
  PO's product ids (``elements``: BP, VP, then UP/EN/UK by the GTIN's length).
- Tax is given per line: TXI (position 040 of the IT1 loop, before PID) with type VA (value
  added tax), TXI02 the line's tax, TXI03 its rate as a decimal fraction (19 % is 0.19; data
  element 954 is a percentage expressed as a decimal) and TXI08 the line amount it was
  computed on. The summary carries no TXI, so a translator adding up every TXI02 counts the
  tax once: TDS01 is the IT1 amounts (quantity × price, each rounded to the cent) plus the line
  TXI02s, which is the stored total.
- TDS01 is the total with tax in cents (N2: two implied decimals, no point); TDS02, the amount
  subject to terms discount, is the same total when the terms give a discount (the discount
  is taken off the total).
- CAD: CAD01 M (motor, common carrier: the invoice does not record the mode), CAD04 the carrier
  when it is a SCAC (2 to 4 letters), else the carrier's name in CAD05 (routing), CAD07/CAD08
  CN and the tracking number. No carrier, no CAD: it needs CAD04 or CAD05.
- ISS gives the units shipped: one per unit of measure, quantities summed, in the order the
  units first appear. CTT01 counts the IT1s, CTT02 is the hash total of IT102.
- The amounts are written, never computed: the invoice's stored amounts are checked to add up
  as the buyer will add them (each line's amount and tax rounded half up to the cent from
  quantity × price and amount × rate, the totals their sums) and an invoice that does not is
  refused with a ValueError rather than sent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ordergate.billing.model import CREDIT_NOTE, INVOICE, Invoice, InvoiceLine
from ordergate.orders.numbers import money_text, quantity_text
from ordergate.parsers.x12 import OutTransaction
from ordergate.sinks.x12.elements import (
    DESCRIPTION_SIZE,
    hash_total,
    party,
    product_ids,
    shipment_number,
    text,
    yyyymmdd,
)

INVOICE_GROUP = "IN"  # GS01 of a group of 810s
DEBIT_INVOICE, CREDIT_MEMO = "DI", "CR"  # BIG07 640 transaction type
ORIGINAL = "00"  # BIG08 353 transaction set purpose
BASIC, DISCOUNT_OFFERED = "01", "08"  # ITD01 336 terms type
INVOICE_DATE = "3"  # ITD02 333 terms basis date
VAT = "VA"  # TXI01 963 tax type: value added tax
VAT_ID, TAXPAYER_ID = "VX", "TJ"  # REF01 128 for a party's tax registration
MOTOR = "M"  # CAD01 91 transportation method: motor (common carrier)
DEFAULT_UOM = "EA"
NOTE_SIZE, TERMS_SIZE, ROUTING_SIZE = 80, 80, 35  # NTE02, ITD12, CAD05
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


def build_810(invoice: Invoice, st_control: int, *, our_id: tuple[str, str] | None = None,
              buyer_id: tuple[str, str] | None = None) -> OutTransaction:
    """The 810 for one invoice or credit note (ST..SE, to go out in a group with GS01 "IN").

    ``our_id`` is our (N103 qualifier, N104 id) as the remit-to and selling party, and
    ``buyer_id`` the buyer's as the bill-to party, when the partner knows the parties by them.
    Raises ValueError for an invoice whose amounts do not add up (see the module's notes)."""
    if invoice.kind not in (INVOICE, CREDIT_NOTE):
        raise ValueError(f"invoice {invoice.invoice_number}: kind {invoice.kind!r} is neither "
                         f"{INVOICE!r} nor {CREDIT_NOTE!r}")
    _check_amounts(invoice)
    credit = invoice.kind == CREDIT_NOTE
    segments: list[list[str]] = [
        ["BIG", yyyymmdd(invoice.issue_date), invoice.invoice_number, yyyymmdd(invoice.po_date),
         invoice.po_number or "", "", "", CREDIT_MEMO if credit else DEBIT_INVOICE, ORIGINAL],
    ]
    reason = text(invoice.reason, NOTE_SIZE)
    if reason:
        segments.append(["NTE", "GEN", reason])
    if invoice.currency:
        segments.append(["CUR", "SE", invoice.currency])
    segments += _references(invoice, credit)
    segments += _party_loop("RE", invoice.seller, our_id)
    segments += _with_tax_id(_party_loop("BT", invoice.buyer, buyer_id), invoice.buyer.tax_id)
    if invoice.ship_to is not None:
        segments += _party_loop("ST", invoice.ship_to, None)
    segments += _with_tax_id(_party_loop("SE", invoice.seller, our_id), invoice.seller.tax_id)
    segments.append(_terms(invoice))
    if invoice.ship_date is not None:
        segments.append(["DTM", "011", yyyymmdd(invoice.ship_date)])

    for line in invoice.lines:
        segments += _line(line)

    total = _cents(invoice.total)
    discounted = _discount_offered(invoice)
    segments.append(["TDS", total, total] if discounted else ["TDS", total])
    carrier = _carrier(invoice)
    if carrier:
        segments.append(carrier)
    if not credit:
        segments += _units_shipped(invoice.lines)
    segments.append(["CTT", str(len(invoice.lines)),
                     hash_total(quantity_text(line.quantity) for line in invoice.lines)])
    return OutTransaction(set_id="810", control_number=st_control, segments=segments)


# The seller's N1 loops and a customer's repeat on every invoice of a batch, and so does a
# ship-to on every invoice of its order: each is written once. ``Party`` is frozen, so equal
# parties are one key; the segments are shared between invoices and nothing changes them.
_party_loop = lru_cache(maxsize=512)(party)


def _references(invoice: Invoice, credit: bool) -> list[list[str]]:
    found = []
    if credit and invoice.corrects:
        found.append(["REF", "OI", invoice.corrects])  # original invoice number
    if invoice.order_id is not None:
        found.append(["REF", "VN", str(invoice.order_id)])  # vendor (our) order number
    if invoice.shipment_id is not None:
        found.append(["REF", "BM", shipment_number(invoice.shipment_id)])  # bill of lading
    tracking = (invoice.tracking_number or "").strip()
    if tracking:
        found.append(["REF", "CN", tracking])  # carrier's reference number (PRO)
    return found


def _with_tax_id(loop: list[list[str]], tax_id: str | None) -> list[list[str]]:
    """The N1 loop with its party's tax registration in REF (after N3/N4, as the loop orders
    them); nothing to add to a loop that was left out."""
    tax_id = (tax_id or "").strip()
    if not loop or not tax_id:
        return loop
    vat = len(tax_id) > 2 and tax_id[:2].isascii() and tax_id[:2].isalpha()
    return [*loop, ["REF", VAT_ID if vat else TAXPAYER_ID, tax_id]]


def _discount_offered(invoice: Invoice) -> bool:
    """Whether the terms give a discount ITD can state: a percent, and a date or a number of
    days to pay by (ITD03 needs ITD04 or ITD05)."""
    terms = invoice.terms
    return (bool(terms.discount_percent) and invoice.kind == INVOICE
            and (invoice.discount_date is not None or terms.discount_days is not None))


def _terms(invoice: Invoice) -> list[str]:
    terms = invoice.terms
    description = text(terms.text, TERMS_SIZE) or ""
    if not _discount_offered(invoice):
        return ["ITD", BASIC, INVOICE_DATE, "", "", "", yyyymmdd(invoice.due_date),
                str(terms.net_days), "", "", "", "", description]
    amount = "" if invoice.discount_amount is None else _cents(invoice.discount_amount)
    days = "" if terms.discount_days is None else str(terms.discount_days)
    return ["ITD", DISCOUNT_OFFERED, INVOICE_DATE, quantity_text(terms.discount_percent),
            yyyymmdd(invoice.discount_date), days, yyyymmdd(invoice.due_date),
            str(terms.net_days), amount, "", "", "", description]


def _line(line: InvoiceLine) -> list[list[str]]:
    it1 = ["IT1", line.buyer_line_id or str(line.line_number), quantity_text(line.quantity),
           line.uom or DEFAULT_UOM, money_text(line.unit_price), "",
           *product_ids(line.buyer_part, line.vendor_part, line.sku, line.gtin)]
    segments = [it1]
    if line.tax_rate > 0:
        segments.append(["TXI", VAT, money_text(line.tax), quantity_text(line.tax_rate / _HUNDRED),
                         "", "", "", "", money_text(line.amount)])
    description = text(line.description, DESCRIPTION_SIZE)
    if description:
        segments.append(["PID", "F", "", "", "", description])
    return segments


def _carrier(invoice: Invoice) -> list[str] | None:
    carrier = " ".join((invoice.carrier or "").split())
    if not carrier:
        return None
    scac = 2 <= len(carrier) <= 4 and carrier.isascii() and carrier.isalpha()
    cad = ["CAD", MOTOR, "", "", carrier.upper() if scac else "",
           "" if scac else (text(carrier, ROUTING_SIZE) or "")]
    if not cad[4] and not cad[5]:
        return None  # a name with no letter or digit: CAD needs CAD04 or CAD05
    tracking = (invoice.tracking_number or "").strip()
    return cad + ["", "CN", tracking] if tracking else cad


def _units_shipped(lines: tuple[InvoiceLine, ...]) -> list[list[str]]:
    units: dict[str, Decimal] = {}
    for line in lines:
        uom = line.uom or DEFAULT_UOM
        units[uom] = units.get(uom, Decimal(0)) + line.quantity
    return [["ISS", quantity_text(quantity), uom] for uom, quantity in units.items()]


def _cents(amount: Decimal) -> str:
    """An amount as an N2 element: whole cents, no decimal point."""
    return str(int(amount.scaleb(2)))


def _check_amounts(invoice: Invoice) -> None:
    """Refuse an invoice the buyer would not add up to its stored total (module notes)."""
    def wrong(what: str) -> ValueError:
        return ValueError(f"invoice {invoice.invoice_number}: {what}")

    if not invoice.lines:
        raise wrong("it has no lines")
    for line in invoice.lines:
        amount = (line.quantity * line.unit_price).quantize(_CENT, ROUND_HALF_UP)
        if line.amount != amount:
            raise wrong(f"line {line.line_number} amount {line.amount} is not "
                        f"{line.quantity} x {line.unit_price} rounded to the cent ({amount})")
        tax = (line.amount * line.tax_rate / _HUNDRED).quantize(_CENT, ROUND_HALF_UP)
        if line.tax != tax:
            raise wrong(f"line {line.line_number} tax {line.tax} is not {line.tax_rate} % of "
                        f"{line.amount} rounded to the cent ({tax})")
    lines = invoice.lines
    for what, stored, parts in (("subtotal", invoice.subtotal, [line.amount for line in lines]),
                                ("tax", invoice.tax, [line.tax for line in lines]),
                                ("total", invoice.total, [invoice.subtotal, invoice.tax])):
        added = sum(parts, Decimal(0))
        if stored != added:
            raise wrong(f"{what} {stored} is not the sum of its parts ({added})")
    for what, value in (("total", invoice.total), ("discount amount", invoice.discount_amount)):
        if value is not None and value != value.quantize(_CENT):
            raise wrong(f"{what} {value} is not in whole cents")
