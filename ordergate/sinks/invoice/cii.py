"""The invoice as a Cross Industry Invoice (UN/CEFACT CII D16B), profile EN 16931: the XML a
Factur-X / ZUGFeRD PDF carries and a buyer's system books from.

Elements come in the order the Factur-X EN 16931 schema requires. The header names the
guideline (``urn:cen.eu:en16931:2017``), the document type (380 commercial invoice, 381
credit note, UNTDID 1001) and the issue date; the trade agreement the seller and buyer (name,
postal address, e-mail as electronic address ``EM``, VAT id ``VA`` or another tax number
``FC``), our order as the seller's order reference and the PO number as the buyer's; the
delivery the ship-to and the ship date; the settlement the currency, how to pay (UNCL 4461),
the tax breakdown per rate, the payment terms with the due date, the totals and, for a credit
note, the invoice it credits (BT-25).

Lines carry the SKU as the seller's id, the buyer's part and GTIN (ISO 6523 scheme 0160) when
known, the net price, the billed quantity in a UN/ECE Recommendation 20 unit, the tax category
and rate, and the line amount. Tax categories (UNCL 5305): a rate above zero is standard
rated (S); 0 % is zero rated (Z), since exempt (E) must name an exemption reason the invoice
does not carry.

Amounts are the stored ones, written in cents; nothing here adds or rounds money. Pure:
an ``Invoice`` in, UTF-8 bytes out.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import etree

from ordergate.billing.model import CREDIT_NOTE, Invoice, InvoiceLine, Party
from ordergate.sinks.invoice.text import (
    iban_compact,
    money,
    one_line,
    percent,
    quantity,
    terms_words,
)

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NAMESPACES = {"rsm": RSM, "qdt": QDT, "ram": RAM, "udt": UDT}
GUIDELINE = "urn:cen.eu:en16931:2017"

COMMERCIAL_INVOICE, CREDIT_NOTE_TYPE = "380", "381"  # UNTDID 1001
VAT = "VAT"  # UNTDID 5153
STANDARD_RATE, ZERO_RATED = "S", "Z"  # UNCL 5305
# UNCL 4461. A credit transfer (30, 58) must name the account (EN 16931 BR-61), so without an
# IBAN the means is "not defined"; SEPA is for euro payments only.
NOT_DEFINED, CREDIT_TRANSFER, SEPA_CREDIT_TRANSFER = "1", "30", "58"
SEPA_CURRENCY = "EUR"
GTIN_SCHEME = "0160"  # ISO 6523 ICD: GS1 global trade item number
VAT_ID, TAX_NUMBER = "VA", "FC"  # schemeID of a party's tax registration
EMAIL = "EM"  # electronic address scheme (EAS): e-mail
DATE_102 = "102"  # UNTDID 2379: CCYYMMDD

# Our units (X12 codes) in the unit code list EN 16931 allows: UN/ECE Recommendation 20, and
# Recommendation 21's package codes with an "X" in front (a case is XCS: "CS", "BX" and "PK"
# are not in the list). A unit we have no code for is billed as "one" (C62).
UNIT_CODES = {"EA": "C62", "CS": "XCS", "BX": "XBX", "PK": "XPK", "KG": "KGM"}
ONE = "C62"

# A VAT id starts with its country's two letters (EL for Greece, XI for Northern Ireland).
_VAT_ID = re.compile(r"[A-Z]{2}[0-9A-Z+*.]{2,13}")
_STREET_LINES = ("LineOne", "LineTwo", "LineThree")


def unit_code(uom: str | None) -> str:
    return UNIT_CODES.get((uom or "").strip().upper(), ONE)


def tax_category(rate) -> str:
    return STANDARD_RATE if rate > 0 else ZERO_RATED


def payment_means(invoice: Invoice) -> str:
    if not invoice.iban:
        return NOT_DEFINED
    return SEPA_CREDIT_TRANSFER if invoice.currency == SEPA_CURRENCY else CREDIT_TRANSFER


def invoice_xml(invoice: Invoice) -> bytes:
    """The CII XML of ``invoice`` (or credit note), EN 16931 profile, as UTF-8 with a
    declaration."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NAMESPACES)
    context = _sub(root, RSM, "ExchangedDocumentContext")
    _text(_sub(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), "ID", GUIDELINE)

    document = _sub(root, RSM, "ExchangedDocument")
    _text(document, "ID", one_line(invoice.invoice_number))
    credit = invoice.kind == CREDIT_NOTE
    _text(document, "TypeCode", CREDIT_NOTE_TYPE if credit else COMMERCIAL_INVOICE)
    _date(_sub(document, RAM, "IssueDateTime"), invoice.issue_date)
    if credit and invoice.reason:
        _text(_sub(document, RAM, "IncludedNote"), "Content", one_line(invoice.reason))

    transaction = _sub(root, RSM, "SupplyChainTradeTransaction")
    # A line's id (BT-126) is unique in the invoice: the order line's number, unless a day's
    # invoice bills one order line twice or lines of several orders; then its position, and
    # the line's note names the PO and the order line.
    numbers = [(line.order_id, line.line_number) for line in invoice.lines]
    by_position = len(set(numbers)) != len(numbers) or not invoice.po_number
    for position, line in enumerate(invoice.lines, start=1):
        _line(transaction, line, str(position) if by_position else str(line.line_number),
              note=by_position and not invoice.po_number)
    _agreement(transaction, invoice)
    delivery = _sub(transaction, RAM, "ApplicableHeaderTradeDelivery")
    if invoice.ship_to is not None:
        _party(delivery, "ShipToTradeParty", invoice.ship_to, contact=False)
    if invoice.ship_date is not None:
        _date(_sub(_sub(delivery, RAM, "ActualDeliverySupplyChainEvent"), RAM,
                   "OccurrenceDateTime"), invoice.ship_date)
    _settlement(transaction, invoice)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _line(transaction: etree._Element, line: InvoiceLine, line_id: str, *, note: bool) -> None:
    item = _sub(transaction, RAM, "IncludedSupplyChainTradeLineItem")
    document = _sub(item, RAM, "AssociatedDocumentLineDocument")
    _text(document, "LineID", line_id)
    if note and line.po_number:  # BT-127: EN 16931 has no line-level PO number
        _text(_sub(document, RAM, "IncludedNote"), "Content",
              f"PO {one_line(line.po_number)} line {line.line_number}")

    product = _sub(item, RAM, "SpecifiedTradeProduct")
    if line.gtin:
        _text(product, "GlobalID", one_line(line.gtin), schemeID=GTIN_SCHEME)
    _text(product, "SellerAssignedID", one_line(line.sku))
    if line.buyer_part:
        _text(product, "BuyerAssignedID", one_line(line.buyer_part))
    # The item's name is required (BT-153): the description, or the SKU when there is none.
    _text(product, "Name", one_line(line.description) or one_line(line.sku))

    agreement = _sub(item, RAM, "SpecifiedLineTradeAgreement")
    if line.buyer_line_id:
        _text(_sub(agreement, RAM, "BuyerOrderReferencedDocument"), "LineID",
              one_line(line.buyer_line_id))
    _text(_sub(agreement, RAM, "NetPriceProductTradePrice"), "ChargeAmount",
          money(line.unit_price))

    _text(_sub(item, RAM, "SpecifiedLineTradeDelivery"), "BilledQuantity",
          quantity(line.quantity), unitCode=unit_code(line.uom))

    settlement = _sub(item, RAM, "SpecifiedLineTradeSettlement")
    tax = _sub(settlement, RAM, "ApplicableTradeTax")
    _text(tax, "TypeCode", VAT)
    _text(tax, "CategoryCode", tax_category(line.tax_rate))
    _text(tax, "RateApplicablePercent", percent(line.tax_rate))
    _text(_sub(settlement, RAM, "SpecifiedTradeSettlementLineMonetarySummation"),
          "LineTotalAmount", money(line.amount))


def _agreement(transaction: etree._Element, invoice: Invoice) -> None:
    agreement = _sub(transaction, RAM, "ApplicableHeaderTradeAgreement")
    _party(agreement, "SellerTradeParty", invoice.seller)
    _party(agreement, "BuyerTradeParty", invoice.buyer)
    if invoice.order_id is not None:
        _text(_sub(agreement, RAM, "SellerOrderReferencedDocument"), "IssuerAssignedID",
              str(invoice.order_id))
    if invoice.po_number:
        _text(_sub(agreement, RAM, "BuyerOrderReferencedDocument"), "IssuerAssignedID",
              one_line(invoice.po_number))


def _settlement(transaction: etree._Element, invoice: Invoice) -> None:
    settlement = _sub(transaction, RAM, "ApplicableHeaderTradeSettlement")
    # The remittance information (BT-83): what the payer quotes so the payment finds the invoice.
    _text(settlement, "PaymentReference", one_line(invoice.invoice_number))
    _text(settlement, "InvoiceCurrencyCode", invoice.currency)

    means = _sub(settlement, RAM, "SpecifiedTradeSettlementPaymentMeans")
    _text(means, "TypeCode", payment_means(invoice))
    if invoice.iban:
        _text(_sub(means, RAM, "PayeePartyCreditorFinancialAccount"), "IBANID",
              one_line(iban_compact(invoice.iban)))
        if invoice.bic:
            _text(_sub(means, RAM, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID",
                  one_line(invoice.bic))

    for subtotal in invoice.taxes:
        tax = _sub(settlement, RAM, "ApplicableTradeTax")
        _text(tax, "CalculatedAmount", money(subtotal.tax))
        _text(tax, "TypeCode", VAT)
        _text(tax, "BasisAmount", money(subtotal.basis))
        _text(tax, "CategoryCode", tax_category(subtotal.rate))
        _text(tax, "RateApplicablePercent", percent(subtotal.rate))

    terms = _sub(settlement, RAM, "SpecifiedTradePaymentTerms")
    _text(terms, "Description", terms_words(invoice))
    _date(_sub(terms, RAM, "DueDateDateTime"), invoice.due_date)

    # No allowances, charges or prepayments on our invoices: the tax basis is the line total
    # and the amount due the grand total.
    totals = _sub(settlement, RAM, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _text(totals, "LineTotalAmount", money(invoice.subtotal))
    _text(totals, "TaxBasisTotalAmount", money(invoice.subtotal))
    _text(totals, "TaxTotalAmount", money(invoice.tax), currencyID=invoice.currency)
    _text(totals, "GrandTotalAmount", money(invoice.total))
    _text(totals, "DuePayableAmount", money(invoice.total))

    if invoice.kind == CREDIT_NOTE and invoice.corrects:
        _text(_sub(settlement, RAM, "InvoiceReferencedDocument"), "IssuerAssignedID",
              one_line(invoice.corrects))


def _party(parent: etree._Element, tag: str, party: Party, *, contact: bool = True) -> None:
    """A trade party: name and postal address, and for the seller and buyer (``contact``) the
    e-mail and tax registration too; a ship-to in EN 16931 is a name and an address."""
    node = _sub(parent, RAM, tag)
    _text(node, "Name", one_line(party.name))
    _address(node, party)
    if contact and party.email:
        _text(_sub(node, RAM, "URIUniversalCommunication"), "URIID", one_line(party.email),
              schemeID=EMAIL)
    if contact and party.tax_id:
        tax_id = one_line(party.tax_id)
        _text(_sub(node, RAM, "SpecifiedTaxRegistration"), "ID", tax_id,
              schemeID=VAT_ID if _VAT_ID.fullmatch(tax_id) else TAX_NUMBER)


def _address(node: etree._Element, party: Party) -> None:
    # The schema requires the country in an address; without it the address is left out
    # rather than given a country nobody said.
    if not party.country:
        return
    address = _sub(node, RAM, "PostalTradeAddress")
    if party.postal_code:
        _text(address, "PostcodeCode", one_line(party.postal_code))
    streets = [one_line(street) for street in party.street if street and street.strip()]
    if len(streets) > len(_STREET_LINES):  # the third line takes the rest
        streets[2:] = [", ".join(streets[2:])]
    for tag, street in zip(_STREET_LINES, streets):
        _text(address, tag, street)
    if party.city:
        _text(address, "CityName", one_line(party.city))
    _text(address, "CountryID", one_line(party.country).upper())
    if party.state:
        _text(address, "CountrySubDivisionName", one_line(party.state))


def _sub(parent: etree._Element, namespace: str, tag: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{namespace}}}{tag}")


def _text(parent: etree._Element, tag: str, value: str, **attributes: str) -> None:
    """A ``ram:`` element holding ``value`` (already made one line and escaped)."""
    etree.SubElement(parent, f"{{{RAM}}}{tag}", attributes).text = value


def _date(parent: etree._Element, day: date) -> None:
    etree.SubElement(parent, f"{{{UDT}}}DateTimeString", format=DATE_102).text = \
        day.strftime("%Y%m%d")
