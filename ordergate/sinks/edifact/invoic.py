"""EDIFACT INVOIC (D96A): one stored invoice or credit note, as EANCOM-style retailers read it.

Heading: BGM 1001 380 (commercial invoice) or 381 (credit note) numbered with our invoice
number, 1225 9 original; DTM 137 issue date and 35 delivery date (the shipment's); a credit
note's reason in FTX+AAI. Segment group 1: a credit note's RFF+IV naming the invoice it
credits, RFF+ON with the PO's date (DTM 171) and RFF+DQ with our shipment id, which is the
number (BGM 1004) of the DESADV we sent for it. Group 2: NAD SE (seller), BY (buyer) and DP
(ship-to), the seller and the buyer with their VAT numbers in group 3 (RFF+VA). A party's
code goes in C082 with agency 9 when it is a GLN (13 digits, GS1 check digit right), without
an agency otherwise; its name and address follow in C080/C059 either way, since an invoice
must name both parties in full for VAT, and a GLN alone only does that for a partner who
agreed to it. Group 7: CUX+2:<currency>:4, the invoicing currency.

Payment terms, group 8 (PAT-DTM-PCD-MOA, up to 10 repeats): one group per term. PAT 4279 1
(basic) with C112 5:3:D:<net days> (2475 date of invoice, 2009 after reference, 2151 days,
2152 n..3) and DTM 13 (terms net due date); when there is an early-payment discount a second
group, PAT 4279 22 (discount) with C112 over the discount days, DTM 12 (terms discount due
date), PCD 5245 12 (discount) with the percentage, and MOA 52 (discount amount) when the
store kept it. C110 is left out: 4277 would need a code list we share with nobody.

Detail, group 25 per invoice line, in the D96A order: LIN (1082 counts the lines, n..6; C212
the GTIN with EANCOM's SRV, as the DESADV writes it), PIA (our SKU SA and the buyer's number
IN; 4347 1 when LIN has the GTIN, else 5 for the main and 1 for the additional id), IMD
(C273 7008 twice), QTY 47 (invoiced), MOA 203 (group 26, line amount), PRI AAA (group 28,
calculation net), RFF+ON with the PO line (group 29, so the buyer can match each line to its
order line), TAX+7+VAT with the rate in C243 5278 and the category in 5305 (group 33), and
MOA 124 when the line has tax. Category S (standard rate) for a rate above zero and Z (zero
rated goods) for 0 %: a 0 % line is taxed at a rate of nothing, not exempt, which (E) would
need an exemption reason the model does not carry.

Summary, in the D96A order: UNS+S, CNT+2 (number of line items), group 48 MOA 79 (total
line items amount, the subtotal), 125 (taxable amount: the subtotal too, as every line is
taxed, the 0 % ones at 0 %), 176 (message total tax) and 77 (invoice amount, the total);
then group 50 per rate, TAX+7+VAT with MOA 124 (tax) and 125 (basis), as MOA repeats twice
there. (EANCOM 2002, on D01B, moves this group to 52; D96A has it as 50.)

Amounts are written as stored (``ordergate.billing.model``): each line's amount and tax are
already rounded to the cent and the totals are their sums, so nothing here rounds. Only when
an invoice comes without its per-rate subtotals are they summed from its lines, which is
exact for amounts in cents.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from pydifact.segments import Segment

from ordergate.billing.model import (
    CREDIT_NOTE,
    Invoice,
    InvoiceLine,
    Party,
    TaxSubtotal,
)
from ordergate.gs1 import check_digit
from ordergate.orders.numbers import money_text, quantity_text
from ordergate.sinks.edifact.envelope import (
    SYNTAX_CHARSETS,
    OutMessage,
    built_segment,
    fit_text,
    segment,
)

COMMERCIAL_INVOICE, CREDIT_NOTE_DOCUMENT, ORIGINAL = "380", "381", "9"  # BGM 1001, 1225
ISSUE_DATE, DELIVERY_DATE, REFERENCE_DATE = "137", "35", "171"  # DTM 2005
DISCOUNT_DUE_DATE, NET_DUE_DATE = "12", "13"
CCYYMMDD = "102"  # DTM 2379
REASON = "AAI"  # FTX 4451 general information
ORDER, DESPATCH_ADVICE, INVOICE_NUMBER, VAT_NUMBER = "ON", "DQ", "IV", "VA"  # RFF 1153
SELLER, BUYER, DELIVERY_PARTY = "SE", "BY", "DP"  # NAD 3035
REFERENCE_CURRENCY, INVOICING_CURRENCY = "2", "4"  # CUX 6347, 6343
BASIC_TERMS, DISCOUNT_TERMS = "1", "22"  # PAT 4279
DATE_OF_INVOICE, AFTER_REFERENCE, DAYS = "5", "3", "D"  # PAT C112 2475, 2009, 2151
DISCOUNT = "12"  # PCD 5245
GTIN = "SRV"  # LIN 7143 (EANCOM): GS1 global trade item number
OURS, THEIRS = "SA", "IN"  # PIA 7143 supplier's and buyer's article number
MAIN_ID, ADDITIONAL_ID = "5", "1"  # PIA 4347
INVOICED = "47"  # QTY 6063
NET_PRICE = "AAA"  # PRI 5125 calculation net
# MOA 5025
LINE_AMOUNT, TAX_AMOUNT, TAXABLE_AMOUNT = "203", "124", "125"
LINE_ITEMS_TOTAL, TAX_TOTAL, INVOICE_TOTAL, DISCOUNT_AMOUNT = "79", "176", "77", "52"
TAX, VAT = "7", "VAT"  # TAX 5283 tax, C241 5153 value added tax
STANDARD_RATE, ZERO_RATED = "S", "Z"  # TAX 5305
LINE_ITEMS = "2"  # CNT 6069
GLN_AGENCY = "9"  # 3055 GS1
# NAD: C080 five names, C059 four street lines of an..35; 3164 an..35, 3229 and 3251 an..9,
# 3207 an..3. IMD C273 two descriptions of an..35. FTX C108 five texts of an..70.
TEXT_WIDTH = 35
NAME_PARTS, STREET_PARTS, DESCRIPTION_PARTS = 5, 4, 2
CITY, SUBDIVISION, POSTCODE, COUNTRY = 35, 9, 9, 3
REASON_WIDTH, REASON_PARTS = 70, 5


def build_invoic(invoice: Invoice, message_reference: int, *,
                 version: tuple[str, str] = ("D", "96A"), association_code: str | None = None,
                 syntax_id: str | None = None) -> OutMessage:
    """The INVOIC for one stored invoice or credit note. ``version`` is the (0052, 0054) the
    partner orders in; ``association_code`` e.g. "EAN008" for EANCOM partners.

    ``syntax_id``, the interchange's (UNB 0001), when the caller knows it: names, addresses,
    descriptions and the reason are then fitted to its character set before they are cut into
    parts, so a transliteration that lengthens a text (ß to SS for UNOA) cannot push a part
    past its length. Without it ``render_interchange`` fits each part as it is.
    """
    if syntax_id is not None and syntax_id not in SYNTAX_CHARSETS:
        raise ValueError(f"syntax identifier {syntax_id!r} is not supported; use one of "
                         f"{', '.join(SYNTAX_CHARSETS)}")

    def fit(text: str) -> str:
        return fit_text(text, syntax_id) if syntax_id else text

    segments = _heading(invoice, fit)
    for number, line in enumerate(invoice.lines, start=1):
        _add_line(segments, number, line, invoice.po_number, fit)
    segments += _summary(invoice)
    return OutMessage(reference=message_reference, message_type="INVOIC", version=version[0],
                      release=version[1], association_code=association_code, segments=segments)


def _heading(invoice: Invoice, fit: Callable[[str], str]) -> list[Segment]:
    credit_note = invoice.kind == CREDIT_NOTE
    segments = [segment("BGM", CREDIT_NOTE_DOCUMENT if credit_note else COMMERCIAL_INVOICE,
                        invoice.invoice_number, ORIGINAL),
                _dtm(ISSUE_DATE, invoice.issue_date)]
    if invoice.ship_date:
        segments.append(_dtm(DELIVERY_DATE, invoice.ship_date))
    if credit_note and invoice.reason:
        # Cut at spaces only, as the ORDRSP's reasons are: a cut at a hyphen comes back with a
        # space in it once the buyer's system joins the parts again.
        parts = textwrap.wrap(fit(invoice.reason), REASON_WIDTH, break_on_hyphens=False)
        segments.append(segment("FTX", REASON, "", "", parts[:REASON_PARTS]))
    if credit_note and invoice.corrects:
        segments.append(segment("RFF", [INVOICE_NUMBER, invoice.corrects]))
    if invoice.po_number:
        segments.append(segment("RFF", [ORDER, invoice.po_number]))
        if invoice.po_date:
            segments.append(_dtm(REFERENCE_DATE, invoice.po_date))
    if invoice.shipment_id is not None:
        segments.append(built_segment("RFF", [[DESPATCH_ADVICE, str(invoice.shipment_id)]]))
    for role, party in ((SELLER, invoice.seller), (BUYER, invoice.buyer),
                        (DELIVERY_PARTY, invoice.ship_to)):
        if party is None:
            continue
        segments.append(_party(role, party, fit))
        if party.tax_id and role != DELIVERY_PARTY:
            segments.append(segment("RFF", [VAT_NUMBER, party.tax_id]))
    segments.append(segment("CUX", [REFERENCE_CURRENCY, invoice.currency, INVOICING_CURRENCY]))
    segments += _terms(invoice)
    return segments


def _terms(invoice: Invoice) -> list[Segment]:
    terms = invoice.terms
    segments = [built_segment("PAT", [BASIC_TERMS, "", _after_invoice_date(terms.net_days)]),
                _dtm(NET_DUE_DATE, invoice.due_date)]
    if terms.discount_percent is None:
        return segments
    days = _after_invoice_date(terms.discount_days) if terms.discount_days is not None else ""
    segments.append(segment("PAT", DISCOUNT_TERMS, "", days))
    if invoice.discount_date:
        segments.append(_dtm(DISCOUNT_DUE_DATE, invoice.discount_date))
    segments.append(built_segment("PCD", [[DISCOUNT, _percent(terms.discount_percent)]]))
    if invoice.discount_amount is not None:
        segments.append(_moa(DISCOUNT_AMOUNT, invoice.discount_amount))
    return segments


def _after_invoice_date(days: int) -> list[str]:
    return [DATE_OF_INVOICE, AFTER_REFERENCE, DAYS, str(days)]


def _party(role: str, party: Party, fit: Callable[[str], str]) -> Segment:
    code = (party.code or "").strip()
    street = [part for line in party.street for part in _wrapped(fit(line), STREET_PARTS)]
    return segment("NAD", role, [code, "", GLN_AGENCY if _is_gln(code) else ""], "",
                   _wrapped(fit(party.name), NAME_PARTS), street[:STREET_PARTS],
                   _cut(fit(party.city or ""), CITY), _cut(fit(party.state or ""), SUBDIVISION),
                   _cut(fit(party.postal_code or ""), POSTCODE),
                   _cut(fit(party.country or ""), COUNTRY))


def _add_line(segments: list[Segment], number: int, line: InvoiceLine, po_number: str | None,
              fit: Callable[[str], str]) -> None:
    # GTINs are stored as 14 digits; an EAN-13 goes out as the 13 the buyer knows.
    gtin = line.gtin
    if gtin and len(gtin) == 14 and gtin[0] == "0":
        gtin = gtin[1:]
    segments.append(segment("LIN", str(number), "", [gtin, GTIN] if gtin else ""))
    ours, theirs = line.sku or line.vendor_part, line.buyer_part
    ids = ([[ours, OURS]] if ours else []) + ([[theirs, THEIRS]] if theirs else [])
    if gtin and ids:  # the GTIN identifies the product; our and their numbers add to it
        segments.append(segment("PIA", ADDITIONAL_ID, *ids))
    elif ids:  # our number identifies it (theirs when we have none); theirs adds to it
        segments.append(segment("PIA", MAIN_ID, ids[0]))
        if len(ids) > 1:
            segments.append(segment("PIA", ADDITIONAL_ID, ids[1]))
    description = _wrapped(fit(line.description or ""), DESCRIPTION_PARTS)
    if description:
        segments.append(segment("IMD", "F", "", ["", "", "", *description]))
    segments.append(segment("QTY", [INVOICED, quantity_text(line.quantity), line.uom or ""]))
    segments.append(_moa(LINE_AMOUNT, line.amount))
    segments.append(built_segment("PRI", [[NET_PRICE, money_text(line.unit_price)]]))
    if po_number:
        segments.append(segment("RFF", [ORDER, po_number,
                                        line.buyer_line_id or str(line.line_number)]))
    segments.append(_tax(line.tax_rate))
    if line.tax:  # nothing to state for a 0 % line (or a line whose tax rounds to nothing)
        segments.append(_moa(TAX_AMOUNT, line.tax))


def _summary(invoice: Invoice) -> list[Segment]:
    segments = [built_segment("UNS", ["S"]),
                built_segment("CNT", [[LINE_ITEMS, str(len(invoice.lines))]]),
                _moa(LINE_ITEMS_TOTAL, invoice.subtotal),
                _moa(TAXABLE_AMOUNT, invoice.subtotal),
                _moa(TAX_TOTAL, invoice.tax),
                _moa(INVOICE_TOTAL, invoice.total)]
    for subtotal in invoice.taxes or _taxes_of(invoice.lines):
        segments += [_tax(subtotal.rate), _moa(TAX_AMOUNT, subtotal.tax),
                     _moa(TAXABLE_AMOUNT, subtotal.basis)]
    return segments


def _taxes_of(lines: tuple[InvoiceLine, ...]) -> list[TaxSubtotal]:
    """Per-rate subtotals of an invoice stored without them: sums of cents, so exact."""
    rates: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        basis, tax = rates.get(line.tax_rate, (Decimal(0), Decimal(0)))
        rates[line.tax_rate] = (basis + line.amount, tax + line.tax)
    return [TaxSubtotal(rate, basis, tax) for rate, (basis, tax) in sorted(rates.items())]


def _tax(rate: Decimal) -> Segment:
    return built_segment("TAX", [TAX, VAT, "", "", ["", "", "", _percent(rate)],
                                 STANDARD_RATE if rate else ZERO_RATED])


def _moa(qualifier: str, amount: Decimal) -> Segment:
    return built_segment("MOA", [[qualifier, money_text(amount)]])


def _dtm(qualifier: str, day: date) -> Segment:
    return built_segment("DTM", [[qualifier, day.strftime("%Y%m%d"), CCYYMMDD]])


def _percent(value: Decimal) -> str:
    # 19.00 is written 19, 7.5 stays 7.5: a rate is a number as a person writes it.
    return quantity_text(value)


def _is_gln(code: str) -> bool:
    # Agency 9 says GS1 assigned the number; 13 digits with a wrong check digit are not a GLN.
    return len(code) == 13 and code.isascii() and code.isdigit() and \
        check_digit(code[:-1]) == code[-1]


def _wrapped(text: str, parts: int) -> list[str]:
    # Cut at spaces only: a cut at a hyphen comes back with a space in it once the buyer's
    # system joins the parts again.
    return textwrap.wrap(text, TEXT_WIDTH, break_on_hyphens=False)[:parts]


def _cut(text: str, width: int) -> str:
    return text.strip()[:width]
