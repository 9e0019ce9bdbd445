"""EDIFACT INVOIC: built from stored invoices and credit notes, sent in an interchange as replies
are, and read back with pydifact and with the reader the inbound side uses (which checks the
UNT counts).

The expected segments follow the D96A INVOIC segment table and the D96A code lists: BGM 1001
380 commercial invoice / 381 credit note, 1225 9 original; DTM 2005 137 document date, 35
delivery date, 171 reference date, 13 terms net due date, 12 terms discount due date, 2379
102 CCYYMMDD; FTX 4451 AAI general information; RFF 1153 ON order, DQ delivery note, IV
invoice, VA VAT registration; NAD 3035 SE seller, BY buyer, DP delivery party, C082 3055 9
GS1; CUX C504 6347 2 reference currency, 6343 4 invoicing currency; PAT 4279 1 basic, 22
discount, C112 2475 5 date of invoice, 2009 3 after reference, 2151 D day; PCD 5245 12
discount; QTY 6063 47 invoiced quantity; PRI 5125 AAA calculation net; TAX 5283 7 tax, 5153
VAT, C243 5278 rate in its fourth component, 5305 S standard rate, Z zero rated; MOA 5025
52 discount, 77 invoice amount, 79 total line items amount, 124 tax, 125 taxable amount, 176
message total tax, 203 line item amount; CNT 6069 2 number of line items. The summary is
UNS, CNT, MOA (group 48), then TAX with its two MOA per rate (group 50). EANCOM's SRV marks a
GTIN in LIN 7143, as the DESADV writes it.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from pydifact.segmentcollection import Interchange
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from ordergate.billing.model import (
    CREDIT_NOTE,
    INVOICE,
    Invoice,
    InvoiceLine,
    Party,
    PaymentTerms,
    TaxSubtotal,
)
from ordergate.parsers.edifact import InterchangeEnd, Message, iter_edifact
from ordergate.sinks.edifact import EdifactReply, build_invoic, render_interchange
from ordergate.sinks.edifact.envelope import REPLY_CHARACTERS
from ordergate.sinks.edifact.serializer import FastSerializer
from tests.kit.edifact import only_message_segments, segment_rows, unh_to_unt
from tests.kit.golden import match_golden_bytes

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "samples" / "expected" / "edifact_invoic.edi"
WHEN = datetime(2026, 11, 24, 9, 30)
REPLY = EdifactReply(our_id="4012345000009", our_qualifier="14", partner_id="5412345000013",
                     partner_qualifier="14")
# GLNs and a GTIN-13 with their GS1 check digits.
OUR_GLN, BUYER_GLN, SHIP_TO_GLN = "4012345000009", "5412345000013", "5412345000020"
GTIN = "04012345000016"  # as stored: 14 digits
CENT = Decimal("0.01")


def line(number: int, sku: str, quantity: str, price: str, rate: str, **fields) -> InvoiceLine:
    """A line as the billing store writes it: amount and tax each rounded to the cent."""
    amount = (Decimal(quantity) * Decimal(price)).quantize(CENT, ROUND_HALF_UP)
    tax = (amount * Decimal(rate) / 100).quantize(CENT, ROUND_HALF_UP)
    return InvoiceLine(line_number=number, sku=sku, quantity=Decimal(quantity),
                       unit_price=Decimal(price), tax_rate=Decimal(rate), amount=amount, tax=tax,
                       **fields)


SELLER = Party(name="Ordergate GmbH", street=("Depotstrasse 5",), city="Hamburg",
               postal_code="20095", country="DE", tax_id="DE123456789", code=OUR_GLN,
               code_qualifier="14")
BUYER = Party(name="Initech AG", street=("Hauptstrasse 1",), city="Koeln", postal_code="50667",
              country="DE", tax_id="DE987654321", code=BUYER_GLN, code_qualifier="14")
SHIP_TO = Party(name="Initech Lager Sued", street=("Hafenweg 4",), city="Muenchen",
                postal_code="80331", country="DE", code=SHIP_TO_GLN, code_qualifier="14")
# 19 % with a GTIN and the buyer's ids, 7 % in kilograms with a description, 0 % with neither.
LINES = (
    line(1, "JS-2001", "6", "10.00", "19", uom="PCE", buyer_line_id="10", buyer_part="INI-4711",
         gtin=GTIN),
    line(2, "HW-1002", "2.5", "8.40", "7", uom="KGM", description="Hex bolts M8"),
    line(3, "OF-3001", "3", "4.99", "0"),
)


def invoice(**changes) -> Invoice:
    """An invoice whose totals are the sums of its lines, as the store writes them."""
    lines = changes.pop("lines", LINES)
    rates: dict[Decimal, list[Decimal]] = {}
    for item in lines:
        basis, tax = rates.setdefault(item.tax_rate, [Decimal(0), Decimal(0)])
        rates[item.tax_rate] = [basis + item.amount, tax + item.tax]
    subtotal = sum((item.amount for item in lines), Decimal(0))
    tax = sum((item.tax for item in lines), Decimal(0))
    fields = dict(
        invoice_id=1, invoice_number="INV-2026-000001", kind=INVOICE, customer_id="INITECH",
        currency="EUR", issue_date=date(2026, 11, 24), due_date=date(2026, 12, 24),
        terms=PaymentTerms(text="2/10 NET30", net_days=30, discount_percent=Decimal("2"),
                           discount_days=10),
        seller=SELLER, buyer=BUYER, lines=lines, subtotal=subtotal, tax=tax,
        total=subtotal + tax, order_id=42, po_number="PO-4711", po_date=date(2026, 11, 20),
        ship_to=SHIP_TO, ship_date=date(2026, 11, 22), shipment_id=77,
        discount_date=date(2026, 12, 4),
        discount_amount=((subtotal + tax) * Decimal("0.02")).quantize(CENT, ROUND_HALF_UP),
        taxes=tuple(TaxSubtotal(rate, basis, tax) for rate, (basis, tax) in sorted(rates.items())))
    fields.update(changes)
    return Invoice(**fields)


def credit_note(**changes) -> Invoice:
    fields = dict(invoice_number="CRN-2026-000003", kind=CREDIT_NOTE, corrects="INV-2026-000001",
                  reason="Returned: 2 jig saws damaged in transit", lines=LINES[:2],
                  terms=PaymentTerms(text="NET30", net_days=30), discount_date=None,
                  discount_amount=None)
    fields.update(changes)
    return invoice(**fields)


def render(document: Invoice, reply: EdifactReply = REPLY, **options) -> bytes:
    message = build_invoic(document, 1, **options)
    return render_interchange(reply, 9001, [message], timestamp=WHEN, break_lines=True)


def read(data: bytes, codec: str = "latin-1") -> list[Segment]:
    return only_message_segments(data, "INVOIC", codec)


rows = segment_rows
unt_count = unh_to_unt


def sections(segments: list[Segment]) -> tuple[list[Segment], list[list[Segment]], list[Segment]]:
    """Heading (up to the first LIN), the LIN groups, and the summary (UNS onwards)."""
    tags = [s.tag for s in segments]
    uns = tags.index("UNS")
    first = tags.index("LIN") if "LIN" in tags else uns
    groups: list[list[Segment]] = []
    for s in segments[first:uns]:
        if s.tag == "LIN":
            groups.append([])
        groups[-1].append(s)
    return segments[:first], groups, segments[uns:]


def amount(s: Segment) -> tuple[str, Decimal]:
    assert s.tag == "MOA"
    qualifier, value = s.elements[0][:2]
    return qualifier, Decimal(value)


def moa(segments: list[Segment], qualifier: str) -> list[Decimal]:
    return [value for q, value in (amount(s) for s in segments if s.tag == "MOA") if q == qualifier]


def summary_taxes(summary: list[Segment]) -> list[dict]:
    """Group 50 of the summary: each TAX with the MOA segments after it."""
    found: list[dict] = []
    for s in summary:
        if s.tag == "TAX":
            found.append({"tax": s.elements, "moa": {}})
        elif s.tag == "MOA" and found:
            qualifier, value = amount(s)
            assert qualifier not in found[-1]["moa"]
            found[-1]["moa"][qualifier] = value
    return found


# ---------------------------------------------------------------- the whole message
def test_invoice_segment_by_segment():
    data = render(invoice(), association_code="EAN008")
    # Line amounts: 6 x 10.00 = 60.00 (tax 11.40), 2.5 x 8.40 = 21.00 (tax 1.47), 3 x 4.99 =
    # 14.97 (no tax); 95.97 + 12.87 = 108.84; 2 % of it 2.18.
    assert rows(read(data)) == [
        ["BGM", "380", "INV-2026-000001", "9"],
        ["DTM", ["137", "20261124", "102"]],
        ["DTM", ["35", "20261122", "102"]],
        ["RFF", ["ON", "PO-4711"]],
        ["DTM", ["171", "20261120", "102"]],
        ["RFF", ["DQ", "77"]],
        ["NAD", "SE", [OUR_GLN, "", "9"], "", "Ordergate GmbH", "Depotstrasse 5", "Hamburg", "",
         "20095", "DE"],
        ["RFF", ["VA", "DE123456789"]],
        ["NAD", "BY", [BUYER_GLN, "", "9"], "", "Initech AG", "Hauptstrasse 1", "Koeln", "",
         "50667", "DE"],
        ["RFF", ["VA", "DE987654321"]],
        ["NAD", "DP", [SHIP_TO_GLN, "", "9"], "", "Initech Lager Sued", "Hafenweg 4", "Muenchen",
         "", "80331", "DE"],
        ["CUX", ["2", "EUR", "4"]],
        ["PAT", "1", "", ["5", "3", "D", "30"]],
        ["DTM", ["13", "20261224", "102"]],
        ["PAT", "22", "", ["5", "3", "D", "10"]],
        ["DTM", ["12", "20261204", "102"]],
        ["PCD", ["12", "2"]],
        ["MOA", ["52", "2.18"]],
        ["LIN", "1", "", ["4012345000016", "SRV"]],
        ["PIA", "1", ["JS-2001", "SA"], ["INI-4711", "IN"]],
        ["QTY", ["47", "6", "PCE"]],
        ["MOA", ["203", "60.00"]],
        ["PRI", ["AAA", "10.00"]],
        ["RFF", ["ON", "PO-4711", "10"]],
        ["TAX", "7", "VAT", "", "", ["", "", "", "19"], "S"],
        ["MOA", ["124", "11.40"]],
        ["LIN", "2"],
        ["PIA", "5", ["HW-1002", "SA"]],
        ["IMD", "F", "", ["", "", "", "Hex bolts M8"]],
        ["QTY", ["47", "2.5", "KGM"]],
        ["MOA", ["203", "21.00"]],
        ["PRI", ["AAA", "8.40"]],
        ["RFF", ["ON", "PO-4711", "2"]],
        ["TAX", "7", "VAT", "", "", ["", "", "", "7"], "S"],
        ["MOA", ["124", "1.47"]],
        ["LIN", "3"],
        ["PIA", "5", ["OF-3001", "SA"]],
        ["QTY", ["47", "3"]],
        ["MOA", ["203", "14.97"]],
        ["PRI", ["AAA", "4.99"]],
        ["RFF", ["ON", "PO-4711", "3"]],
        ["TAX", "7", "VAT", "", "", ["", "", "", "0"], "Z"],
        ["UNS", "S"],
        ["CNT", ["2", "3"]],
        ["MOA", ["79", "95.97"]],
        ["MOA", ["125", "95.97"]],
        ["MOA", ["176", "12.87"]],
        ["MOA", ["77", "108.84"]],
        ["TAX", "7", "VAT", "", "", ["", "", "", "0"], "Z"],
        ["MOA", ["124", "0.00"]],
        ["MOA", ["125", "14.97"]],
        ["TAX", "7", "VAT", "", "", ["", "", "", "7"], "S"],
        ["MOA", ["124", "1.47"]],
        ["MOA", ["125", "21.00"]],
        ["TAX", "7", "VAT", "", "", ["", "", "", "19"], "S"],
        ["MOA", ["124", "11.40"]],
        ["MOA", ["125", "60.00"]],
    ]
    assert unt_count(data) == (59, 59)  # 18 heading, 8 + 9 + 7 line, 15 summary, UNH, UNT


def test_the_interchange_reads_back_through_pydifact():
    data = render(invoice(), association_code="EAN008")
    assert data.startswith(b"UNA:+.? '\nUNB+UNOC:3+4012345000009:14+5412345000013:14+"
                           b"261124:0930+9001++INVOIC'\nUNH+1+INVOIC:D:96A:UN:EAN008'\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interchange = Interchange.from_str(data.decode("latin-1"))
    assert interchange.control_reference == "9001"
    [message] = interchange.get_messages()
    assert message.reference_number == "1"
    assert message.identifier == ["INVOIC", "D", "96A", "UN", "EAN008"]
    [end] = [e for e in iter_edifact(data) if isinstance(e, InterchangeEnd)]
    assert end.segment.elements == ["1", "9001"] and end.message_count == 1


# ---------------------------------------------------------------- the sums
AWKWARD = "A+B:C'D?E"


def awkward_invoice(**changes) -> Invoice:
    """Every free-text value holding the service characters, credit note fields included."""
    party = Party(name="Shop 'n' Go + Co: " + AWKWARD, street=("Unit 4: Yard?", "Gate 'B'+1"),
                  city="St. John's", postal_code="A1+B:2", state="N'L", country="C?A",
                  tax_id="VA" + AWKWARD, code="CODE" + AWKWARD)
    lines = (line(1, "SKU" + AWKWARD, "2", "5.00", "19", uom="P?C", buyer_part="BP" + AWKWARD,
                  buyer_line_id="1'2", gtin="40123+5000016", description="Bolt 5' + nut: 1?"),
             line(2, "", "1", "1.00", "0", vendor_part="VP" + AWKWARD))
    fields = dict(invoice_number="INV" + AWKWARD, po_number="PO" + AWKWARD, seller=party,
                  buyer=replace(party, name="Buyer " + AWKWARD), ship_to=party, lines=lines,
                  kind=CREDIT_NOTE, corrects="INV?" + AWKWARD, reason="Because: 'it' + ?" + AWKWARD)
    fields.update(changes)
    return invoice(**fields)


def rounding_invoice() -> Invoice:
    """Forty lines of 3 x 0.335 = 1.005 each, rounded per line to 1.01 with 0.19 tax (19 % of
    1.01 is 0.1919): the invoice says 40.40 + 7.60, where rounding the unrounded sum (40.20)
    or taxing the rounded subtotal (7.68) would not."""
    return invoice(lines=tuple(line(n, f"S-{n}", "3", "0.335", "19") for n in range(1, 41)))


DOCUMENTS = {
    "invoice": invoice(),
    "credit note": credit_note(),
    "no ship-to, no GLNs, no discount": invoice(
        ship_to=None, seller=replace(SELLER, code=None), buyer=replace(BUYER, code="INITECH"),
        terms=PaymentTerms(text="NET30", net_days=30)),
    "rounding": rounding_invoice(),
    "awkward": awkward_invoice(),
}


@pytest.mark.parametrize("document", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_the_amounts_add_up_and_are_the_stored_ones(document: Invoice):
    data = render(document)
    segments = read(data)
    heading, groups, summary = sections(segments)
    assert unt_count(data) == (len(segments) + 2, len(segments) + 2)
    # One LIN group per stored line, numbered, with its own amount, price and tax.
    assert [g[0].elements[0] for g in groups] == [str(n) for n in range(1, len(document.lines) + 1)]
    for group, stored in zip(groups, document.lines, strict=True):
        assert moa(group, "203") == [stored.amount]
        assert moa(group, "124") == ([stored.tax] if stored.tax else [])
        [tax] = [s for s in group if s.tag == "TAX"]
        assert Decimal(tax.elements[4][3]) == stored.tax_rate
        [pri] = [s for s in group if s.tag == "PRI"]
        assert Decimal(pri.elements[0][1]) == stored.unit_price
        [qty] = [s for s in group if s.tag == "QTY"]
        assert Decimal(qty.elements[0][1]) == stored.quantity
    line_amounts = [value for g in groups for value in moa(g, "203")]
    line_taxes = [value for g in groups for value in moa(g, "124")]
    # The summary: CNT counts the LINs, 79 is the lines' sum, 176 the taxes', 77 both.
    cnt = [s for s in summary if s.tag == "CNT"]
    assert rows(cnt) == [["CNT", ["2", str(len(groups))]]]
    totals = summary[: next(i for i, s in enumerate(summary) if s.tag == "TAX")]
    assert [amount(s)[0] for s in totals if s.tag == "MOA"] == ["79", "125", "176", "77"]
    [lines_total] = moa(totals, "79")
    [taxable] = moa(totals, "125")
    [tax_total] = moa(totals, "176")
    [invoice_total] = moa(totals, "77")
    taxes = summary_taxes(summary)
    assert lines_total == sum(line_amounts) == document.subtotal
    assert tax_total == sum(line_taxes) == sum(t["moa"]["124"] for t in taxes) == document.tax
    assert taxable == sum(t["moa"]["125"] for t in taxes) == lines_total
    assert invoice_total == lines_total + tax_total == document.total
    # One group 50 per rate, in rate order, each with the lines' basis and tax at that rate.
    rates = sorted({stored.tax_rate for stored in document.lines})
    assert [Decimal(t["tax"][4][3]) for t in taxes] == rates
    for rate, found in zip(rates, taxes, strict=True):
        at_rate = [stored for stored in document.lines if stored.tax_rate == rate]
        assert found["moa"] == {"124": sum(s.tax for s in at_rate),
                                "125": sum(s.amount for s in at_rate)}
        assert found["tax"][:4] == ["7", "VAT", "", ""]
        assert found["tax"][5] == ("S" if rate else "Z")
    # The heading has no amounts but the discount's.
    assert {amount(s)[0] for s in heading if s.tag == "MOA"} <= {"52"}


def test_the_rounding_case_writes_the_per_line_rounded_sums():
    document = rounding_invoice()
    segments = read(render(document))
    _, groups, summary = sections(segments)
    assert len(groups) == 40
    assert {tuple(moa(g, "203") + moa(g, "124")) for g in groups} == {(Decimal("1.01"),
                                                                       Decimal("0.19"))}
    assert [s.elements for s in groups[0] if s.tag == "PRI"] == [[["AAA", "0.335"]]]
    assert moa(summary, "79")[0] == Decimal("40.40") == document.subtotal
    assert moa(summary, "176")[0] == Decimal("7.60") == document.tax
    assert moa(summary, "77") == [Decimal("48.00")]
    assert [s.elements[0] for s in summary if s.tag == "MOA"][-2:] == [["124", "7.60"],
                                                                       ["125", "40.40"]]


def test_per_rate_subtotals_are_summed_from_the_lines_when_not_stored():
    with_taxes = read(render(invoice()))
    without = read(render(invoice(taxes=())))
    assert rows(without) == rows(with_taxes)


# ---------------------------------------------------------------- credit notes
def test_a_credit_note_names_the_invoice_it_credits_and_why():
    segments = read(render(credit_note()))
    heading, groups, _ = sections(segments)
    assert rows(heading[:7]) == [
        ["BGM", "381", "CRN-2026-000003", "9"],
        ["DTM", ["137", "20261124", "102"]],
        ["DTM", ["35", "20261122", "102"]],
        ["FTX", "AAI", "", "", "Returned: 2 jig saws damaged in transit"],
        ["RFF", ["IV", "INV-2026-000001"]],
        ["RFF", ["ON", "PO-4711"]],
        ["DTM", ["171", "20261120", "102"]],
    ]
    # Net terms only: no discount group.
    assert rows([s for s in heading if s.tag in ("PAT", "PCD")]) == [
        ["PAT", "1", "", ["5", "3", "D", "30"]]]
    assert len(groups) == 2


def test_an_invoice_has_no_credit_note_references_even_when_the_fields_are_set():
    segments = read(render(invoice(corrects="INV-2026-000000", reason="ignored")))
    assert [s.elements[0] for s in segments if s.tag == "BGM"] == ["380"]
    assert not [s for s in segments if s.tag == "FTX"]
    assert [s.elements[0][0] for s in segments if s.tag == "RFF"][:2] == ["ON", "DQ"]


def test_a_long_reason_is_cut_at_spaces_into_parts_of_70():
    reason = ("Returned by the customer after delivery: the jig saws JS-2001 arrived with cracked "
              "housings and the hex bolts HW-1002 were the wrong size for the order they belonged "
              "to, so both are credited in full")
    [ftx] = [s for s in read(render(credit_note(reason=reason))) if s.tag == "FTX"]
    parts = ftx.elements[3]
    assert ftx.elements[:3] == ["AAI", "", ""]
    assert len(parts) == 3 and all(len(p) <= 70 for p in parts)
    assert " ".join(parts) == reason


def test_a_credit_note_without_reason_or_invoice_reference():
    segments = read(render(credit_note(reason=None, corrects=None)))
    assert not [s for s in segments if s.tag == "FTX"]
    assert [s.elements[0][0] for s in segments if s.tag == "RFF"][:2] == ["ON", "DQ"]


# ---------------------------------------------------------------- parties and terms
def test_parties_without_glns_are_named_by_name_and_address():
    # A 13-digit code with a wrong check digit is not a GLN: no agency is claimed for it.
    document = invoice(seller=replace(SELLER, code=None),
                       buyer=replace(BUYER, code="5412345000014", tax_id=None),
                       ship_to=replace(SHIP_TO, code="STORE-12", street=("Hafenweg 4", "Tor 2")))
    nads = [s for s in read(render(document)) if s.tag in ("NAD", "RFF")]
    assert rows(nads)[2:7] == [
        ["NAD", "SE", "", "", "Ordergate GmbH", "Depotstrasse 5", "Hamburg", "", "20095", "DE"],
        ["RFF", ["VA", "DE123456789"]],
        ["NAD", "BY", "5412345000014", "", "Initech AG", "Hauptstrasse 1", "Koeln", "", "50667",
         "DE"],
        ["NAD", "DP", "STORE-12", "", "Initech Lager Sued", ["Hafenweg 4", "Tor 2"], "Muenchen",
         "", "80331", "DE"],
        ["RFF", ["ON", "PO-4711", "10"]],  # the first line's: no VAT number for the buyer
    ]


def test_no_ship_to_no_ship_date_no_po_and_no_shipment():
    document = invoice(ship_to=None, ship_date=None, po_number=None, po_date=None,
                       shipment_id=None)
    segments = read(render(document))
    heading, groups, _ = sections(segments)
    assert [s.tag for s in heading] == ["BGM", "DTM", "NAD", "RFF", "NAD", "RFF", "CUX", "PAT",
                                        "DTM", "PAT", "DTM", "PCD", "MOA"]
    assert [s.elements[1] for s in heading if s.tag == "NAD"] == [[OUR_GLN, "", "9"],
                                                                  [BUYER_GLN, "", "9"]]
    assert not [s for g in groups for s in g if s.tag == "RFF"]


def test_a_long_name_and_street_fit_the_nad():
    street = "Building 7, Industrial Estate North, Gate 3 (deliveries between 6 and 14 only)"
    ship_to = replace(SHIP_TO, name="The Initech Corporation Regional Distribution Centre for "
                      "the Southern Counties", street=(street,), postal_code="80331-12345",
                      country="DEU", state="Bavaria-South")
    [nad] = [s for s in read(render(invoice(ship_to=ship_to)))
             if s.tag == "NAD" and s.elements[0] == "DP"]
    names, street = nad.elements[3], nad.elements[4]
    assert all(len(part) <= 35 for part in names + street)
    assert " ".join(names) == ship_to.name and " ".join(street) == ship_to.street[0]
    assert nad.elements[5:] == ["Muenchen", "Bavaria-S", "80331-123", "DEU"]  # an..9, an..9


def test_discount_terms_without_a_stored_date_or_amount():
    document = invoice(discount_date=None, discount_amount=None,
                       terms=PaymentTerms(text="3/14 NET60", net_days=60,
                                          discount_percent=Decimal("3.50"), discount_days=14),
                       due_date=date(2027, 1, 23))
    heading, _, _ = sections(read(render(document)))
    assert rows(heading[heading.index(next(s for s in heading if s.tag == "PAT")):]) == [
        ["PAT", "1", "", ["5", "3", "D", "60"]],
        ["DTM", ["13", "20270123", "102"]],
        ["PAT", "22", "", ["5", "3", "D", "14"]],
        ["PCD", ["12", "3.5"]],
    ]


def test_version_and_association_code_come_from_the_caller():
    assert b"\nUNH+1+INVOIC:D:96A:UN'\n" in render(invoice())
    data = render(invoice(), version=("D", "01B"), association_code="EAN010")
    [message] = [e for e in iter_edifact(data) if isinstance(e, Message)]
    assert message.identifier == "INVOIC:D:01B:UN:EAN010"


# ------------------------------------------------------- text from the order, the catalog, ops
def test_delimiters_in_every_value_are_released_and_read_back():
    awkward = AWKWARD
    document = awkward_invoice()
    data = render(document)
    assert b"BGM+381+INVA?+B?:C?'D??E+9'" in data
    segments = read(data)
    assert unt_count(data) == (len(segments) + 2, len(segments) + 2)
    heading, groups, _ = sections(segments)
    by_tag: dict[str, list[Segment]] = {}
    for s in heading:
        by_tag.setdefault(s.tag, []).append(s)
    assert by_tag["BGM"][0].elements == ["381", "INV" + awkward, "9"]
    assert by_tag["FTX"][0].elements == ["AAI", "", "", "Because: 'it' + ?" + awkward]
    assert [s.elements[0] for s in by_tag["RFF"]] == [
        ["IV", "INV?" + awkward], ["ON", "PO" + awkward], ["DQ", "77"], ["VA", "VA" + awkward],
        ["VA", "VA" + awkward]]
    party = ["", "Shop 'n' Go + Co: " + awkward, ["Unit 4: Yard?", "Gate 'B'+1"], "St. John's",
             "N'L", "A1+B:2", "C?A"]
    assert rows(by_tag["NAD"]) == [
        ["NAD", "SE", "CODE" + awkward, *party],
        ["NAD", "BY", "CODE" + awkward, "", "Buyer " + awkward, *party[2:]],
        ["NAD", "DP", "CODE" + awkward, *party]]
    first, second = groups
    assert rows(first) == [
        ["LIN", "1", "", ["40123+5000016", "SRV"]],
        ["PIA", "1", ["SKU" + awkward, "SA"], ["BP" + awkward, "IN"]],
        ["IMD", "F", "", ["", "", "", "Bolt 5' + nut: 1?"]],
        ["QTY", ["47", "2", "P?C"]],
        ["MOA", ["203", "10.00"]],
        ["PRI", ["AAA", "5.00"]],
        ["RFF", ["ON", "PO" + awkward, "1'2"]],
        ["TAX", "7", "VAT", "", "", ["", "", "", "19"], "S"],
        ["MOA", ["124", "1.90"]],
    ]
    assert [s.elements for s in second if s.tag == "PIA"] == [["5", ["VP" + awkward, "SA"]]]


@pytest.mark.parametrize("document", [invoice(), awkward_invoice()], ids=["plain", "awkward"])
def test_the_fast_serializer_writes_what_pydifact_writes(document: Invoice):
    """The segments built directly (``built_segment``) are ones pydifact writes the same way."""
    segments = build_invoic(document, 1).framed()
    fast = FastSerializer(REPLY_CHARACTERS).serialize(segments, break_lines=True)
    assert fast == Serializer(REPLY_CHARACTERS).serialize(segments, break_lines=True)


def test_text_is_fitted_to_the_character_set_before_it_is_cut():
    """For UNOA, ß becomes SS: a name of 35 characters with one ß would have a 36-character
    first part if it were cut first and fitted after."""
    name = "Groß" + "x" * 31 + " Handel"  # 35 characters, then a space and 6 more
    reply = replace(REPLY, syntax_id="UNOA")
    buyer = replace(BUYER, code=None, name=name, city="Köln")
    data = render(invoice(buyer=buyer, lines=(line(1, "a-1", "1", "1.00", "19",
                                                   description="Schrauben für Holz"),)),
                  reply=reply, syntax_id="UNOA")
    data.decode("ascii")
    segments = read(data, "ascii")
    [nad] = [s for s in segments if s.tag == "NAD" and s.elements[0] == "BY"]
    assert nad.elements[3] == ["GROSS" + "X" * 30, "X HANDEL"]
    assert nad.elements[5] == "KOLN"
    assert [s.elements for s in segments if s.tag == "IMD"] == [
        ["F", "", ["", "", "", "SCHRAUBEN FUR HOLZ"]]]
    # Without the syntax identifier the parts are fitted after the cut, as the DESADV's are.
    unfitted = read(render(invoice(buyer=buyer), reply=reply), "ascii")
    [nad] = [s for s in unfitted if s.tag == "NAD" and s.elements[0] == "BY"]
    assert nad.elements[3] == ["GROSS" + "X" * 31, "HANDEL"]


def test_an_unknown_syntax_identifier_is_refused():
    with pytest.raises(ValueError, match="UNOZ"):
        build_invoic(invoice(), 1, syntax_id="UNOZ")


def test_line_breaks_in_text_never_end_a_segment():
    document = credit_note(reason="two\nlines", lines=(line(1, "A", "1", "1.00", "19",
                                                            description="a\r\nb"),))
    segments = read(render(document))
    assert [s.elements[3] for s in segments if s.tag == "FTX"] == ["two lines"]
    assert [s.elements[2][3:] for s in segments if s.tag == "IMD"] == [["a  b"]]


# ---------------------------------------------------------------- golden file
def test_the_invoic_matches_its_golden_file():
    """samples/expected/edifact_invoic.edi: the message of the first test, as queued (with line
    breaks). With ORDERGATE_UPDATE_GOLDEN=1 a differing file is rewritten and the test fails in
    that run: the new file is only trusted once someone has read the diff."""
    actual = render(invoice(), association_code="EAN008")
    match_golden_bytes(actual, GOLDEN)
    read(GOLDEN.read_bytes())  # and the file itself is a sound interchange
