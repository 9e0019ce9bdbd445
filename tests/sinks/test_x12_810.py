"""The 810 invoice, written into a full interchange and read back with our own X12 reader: the
segment layout of the 810 table, what each segment says, the amounts added up the way a buyer's
translator adds them (IT1 quantity × price rounded to the cent, plus the TXIs, is TDS01), and one
golden file.

The golden (samples/expected/x12_810.edi) is compared byte for byte; after a deliberate change
run once with ORDERGATE_UPDATE_GOLDEN=1 (the test rewrites it and fails, saying so), read the
diff, and run again.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from ordergate.billing.model import (
    CREDIT_NOTE,
    INVOICE,
    Invoice,
    InvoiceLine,
    Party,
    PaymentTerms,
    TaxSubtotal,
)
from ordergate.orders.model import ReplyAddress
from ordergate.parsers.x12 import (
    Segment,
    TransactionSet,
    write_interchange,
)
from ordergate.sinks.x12 import INVOICE_GROUP, build_810, reply_group, reply_interchange
from tests.kit.golden import match_golden_bytes
from tests.kit.x12 import clean_sets, one

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "samples" / "expected" / "x12_810.edi"
NOW = datetime(2026, 12, 2, 9, 30)
ISSUED = date(2026, 12, 1)
SHIPPED = date(2026, 11, 30)
ORDERED = date(2026, 11, 20)
CENT = Decimal("0.01")
REPLY = ReplyAddress(partner_qualifier="ZZ", partner_id="ACMEBUY", our_qualifier="ZZ",
                     our_id="ORDERGATE", partner_app_code="ACMEBUY", our_app_code="ORDERGATE")
# Our segment terminator, element and component separators and a line break, in free text.
AWKWARD = "Hex bolt ~ M8*40 > zinc\nbox of 100"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _line(number: int, sku: str, quantity: str, price: str, rate: str = "0",
          **fields) -> InvoiceLine:
    """A line with its amount and tax rounded as the billing store rounds them: half up to
    the cent, amount from quantity × price, tax from amount × rate."""
    quantity_, price_, rate_ = Decimal(quantity), Decimal(price), Decimal(rate)
    amount = _cents(quantity_ * price_)
    return InvoiceLine(line_number=number, sku=sku, quantity=quantity_, unit_price=price_,
                       tax_rate=rate_, amount=amount, tax=_cents(amount * rate_ / 100), **fields)


SELLER = Party(name="Ordergate Supply GmbH", street=("9 Depot Road", "Unit 4"), city="Columbus",
               state="OH", postal_code="43004", country="US", tax_id="DE123456789")
BUYER = Party(name="ACME Hardware Inc.", street=("1 Main Street",), city="Springfield",
              state="IL", postal_code="62701", country="US", code="ACME-BT")
SHIP_TO = Party(name="ACME Distribution Center", street=("1 Main Street", "Dock 4"),
                city="Springfield", state="IL", postal_code="62701", country="US", code="0042",
                code_qualifier="92")
NET30 = PaymentTerms(text="NET30", net_days=30)
DISCOUNT = PaymentTerms(text="2/10 NET30", net_days=30, discount_percent=Decimal("2"),
                        discount_days=10)


def _invoice(lines: tuple[InvoiceLine, ...], **fields) -> Invoice:
    """An invoice whose totals are its lines' sums, as the billing store writes them."""
    subtotal = sum((line.amount for line in lines), Decimal(0))
    tax = sum((line.tax for line in lines), Decimal(0))
    rates = sorted({line.tax_rate for line in lines})
    values = dict(
        invoice_id=1, invoice_number="INV-2026-000001", kind=INVOICE, customer_id="ACME",
        currency="USD", issue_date=ISSUED, due_date=date(2026, 12, 31), terms=NET30,
        seller=SELLER, buyer=BUYER, lines=lines, subtotal=subtotal, tax=tax, total=subtotal + tax,
        order_id=42, po_number="4500012345", po_date=ORDERED,
        taxes=tuple(TaxSubtotal(rate=rate,
                                basis=sum((line.amount for line in lines if line.tax_rate == rate),
                                          Decimal(0)),
                                tax=sum((line.tax for line in lines if line.tax_rate == rate),
                                        Decimal(0)))
                    for rate in rates))
    values.update(fields)
    return Invoice(**values)


# Three lines at two tax rates: a buyer part and a U.P.C.; only our SKU with a description full
# of delimiters; a vendor part, an EAN-13, a decimal quantity in KG. Discount terms, shipped by
# a SCAC carrier with a tracking number, to a ship-to.
TAXED_LINES = (
    _line(1, "HW-1001", "12", "4.99", "19", buyer_line_id="001", buyer_part="ACME-55",
          gtin="00012345678905"),
    _line(2, "HW-2002", "3", "19.95", "19", description=AWKWARD),
    _line(3, "HW-3003", "2.5", "7.333", "7", uom="KG", buyer_line_id="003", vendor_part="V-3003",
          gtin="04006381333931"),
)
_taxed_total = sum((line.amount + line.tax for line in TAXED_LINES), Decimal(0))
TAXED = _invoice(TAXED_LINES, terms=DISCOUNT, discount_date=date(2026, 12, 11),
                 discount_amount=_cents(_taxed_total * 2 / 100), ship_to=SHIP_TO,
                 ship_date=SHIPPED, carrier="UPSN", tracking_number="1Z999AA10123456784",
                 shipment_id=7)
# No tax, NET30, nothing known of the shipment; a GTIN-14 case code and a GTIN-8.
PLAIN = _invoice((
    _line(1, "HW-1001", "10", "5.00", buyer_line_id="1", buyer_part="ACME-55"),
    _line(2, "HW-4004", "1", "120.00", gtin="10012345678902"),
    _line(3, "HW-5005", "4", "0.99", gtin="96385074"),
), invoice_number="INV-2026-000002", invoice_id=2, buyer=replace(BUYER, code=None),
    seller=replace(SELLER, tax_id=None), po_date=None)
# A credit note for two of the taxed invoice's units of line 1, with a reason holding delimiters.
CREDIT = _invoice((
    _line(1, "HW-1001", "2", "4.99", "19", buyer_line_id="001", buyer_part="ACME-55",
          gtin="00012345678905"),
), invoice_number="CN-2026-000001", invoice_id=3, kind=CREDIT_NOTE,
    corrects="INV-2026-000001", reason="Returned: 2 damaged * see RMA~7", terms=NET30)
# Seven lines of one unit at half a cent: each line is rounded to a cent on its own.
ROUNDING = _invoice(tuple(_line(n, f"HW-90{n}", "1", "0.005") for n in range(1, 8)),
                    invoice_number="INV-2026-000004", invoice_id=4)


# --------------------------------------------------------------------------- reading back
# The 810 (004010) table, for the segments we write: heading BIG (020), NTE (030), CUR (040),
# REF (050), the N1 loop (070: N1, N3 090, N4 100, REF 110), ITD (130), DTM (140); the IT1 loop
# (IT1 010, TXI 040, the PID loop 060); summary TDS (010), TXI (020), CAD (030), the ISS loop
# (070), CTT (070). A summary TXI is left out of the pattern: we give tax per line only.
LAYOUT = re.compile(r"BIG (NTE )*(CUR )?(REF )*(N1 (N3 ){0,2}(N4 )?(REF )*)*ITD (DTM )?"
                    r"(IT1 (TXI )*(PID )?)+TDS (CAD )?(ISS )*CTT ")


def layout_fits(segments: list[Segment]) -> bool:
    """Whether a set's segments (ST..SE) come in the 810 table's order."""
    return LAYOUT.fullmatch("".join(seg[0] + " " for seg in segments[1:-1])) is not None


def read_sets(text: str) -> list[TransactionSet]:
    return clean_sets(text, INVOICE_GROUP)


def interchange(*invoices: Invoice, **options) -> str:
    transactions = [build_810(invoice, number, **options)
                    for number, invoice in enumerate(invoices, start=1)]
    group = reply_group(REPLY, INVOICE_GROUP, 3, transactions)
    return write_interchange(reply_interchange(REPLY, 9, [group], timestamp=NOW))


def loop(segments: list[Segment], role: str) -> list[Segment]:
    """The N1 loop of ``role``: its N1 and what follows up to the next N1 or the ITD."""
    start = segments.index(one(segments, "N1", role))
    end = start + 1
    while segments[end][0] not in ("N1", "ITD"):
        end += 1
    return segments[start:end]


def items(segments: list[Segment]) -> list[list[Segment]]:
    """Each IT1 with the segments of its loop (up to the next IT1 or TDS)."""
    found: list[list[Segment]] = []
    for seg in segments:
        if seg[0] == "IT1":
            found.append([seg])
        elif seg[0] == "TDS":
            break
        elif found:
            found[-1].append(seg)
    return found


def yyyymmdd(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def check_set(tx: TransactionSet, invoice: Invoice) -> list[Segment]:
    """What every 810 must say of ``invoice``: the checks shared by the tests below, the money
    added up from what was written as the buyer adds it. Returns the segments."""
    segments = tx.segments
    assert tx.set_id == "810" and segments[0][:2] == ["ST", "810"]
    assert segments[-1] == ["SE", str(len(segments)), tx.control_number]
    assert layout_fits(segments), [s[0] for s in segments]
    big = segments[1]
    credit = invoice.kind == CREDIT_NOTE
    assert big[1:5] == [yyyymmdd(invoice.issue_date), invoice.invoice_number,
                        yyyymmdd(invoice.po_date), invoice.po_number or ""]
    assert big[7:9] == ["CR" if credit else "DI", "00"]
    lines = items(segments)
    assert len(lines) == len(invoice.lines)
    extended = total_tax = Decimal(0)
    for (it1, *rest), line in zip(lines, invoice.lines):
        amount = _cents(Decimal(it1[2]) * Decimal(it1[4]))  # IT102 × IT104, to the cent
        assert amount == line.amount
        extended += amount
        taxes = [s for s in rest if s[0] == "TXI"]
        assert len(taxes) == (1 if line.tax_rate > 0 else 0)
        for txi in taxes:
            # TXI02 is TXI03 (a decimal fraction) of TXI08, the line's amount.
            assert txi[1] == "VA" and Decimal(txi[8]) == amount
            assert Decimal(txi[2]) == _cents(Decimal(txi[8]) * Decimal(txi[3]))
            assert Decimal(txi[3]) * 100 == line.tax_rate
            total_tax += Decimal(txi[2])
    assert extended + total_tax == invoice.total
    tds = one(segments, "TDS")
    assert tds[1] == str(int(invoice.total * 100)) == str(int((extended + total_tax) * 100))
    # CTT01 counts the IT1s; CTT02 is the hash total of IT102 (digits without the point).
    ctt = one(segments, "CTT")
    assert segments[-2] == ctt
    assert ctt[1] == str(len(lines))
    assert ctt[2] == str(sum(int(it1[2].replace(".", "")) for it1, *_ in lines))
    units: dict[str, Decimal] = {}
    for line in invoice.lines:
        units[line.uom or "EA"] = units.get(line.uom or "EA", Decimal(0)) + line.quantity
    issued = {s[2]: Decimal(s[1]) for s in segments if s[0] == "ISS"}
    assert issued == ({} if credit else units)
    return segments


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("tags", [
    "BIG CUR N1 ITD IT1 PID TXI TDS CTT",  # PID before the line's TXI
    "BIG N1 CUR ITD IT1 TDS CTT",  # CUR after the N1 loops
    "BIG ITD IT1 TDS ISS CAD CTT",  # CAD after ISS
    "BIG ITD TDS CTT",  # no IT1
    "BIG ITD IT1 TDS TXI CTT",  # a summary TXI
    "BIG ITD IT1 CTT TDS",
])
def test_the_layout_check_finds_segments_out_of_order(tags: str) -> None:
    segments = [["ST", "810", "0001"], *([tag] for tag in tags.split()), ["SE", "0", "0001"]]
    assert not layout_fits(segments)
    assert layout_fits([["ST"], ["BIG"], ["NTE"], ["CUR"], ["REF"], ["REF"], ["N1"], ["N3"],
                        ["N4"], ["REF"], ["N1"], ["ITD"], ["DTM"], ["IT1"], ["TXI"], ["PID"],
                        ["IT1"], ["TDS"], ["CAD"], ["ISS"], ["ISS"], ["CTT"], ["SE"]])


def test_an_invoice_says_who_what_and_on_which_terms() -> None:
    [tx] = read_sets(interchange(TAXED, our_id=("01", "123456789"), buyer_id=("92", "ACME-1")))
    segments = check_set(tx, TAXED)
    assert segments[1] == ["BIG", "20261201", "INV-2026-000001", "20261120", "4500012345", "", "",
                           "DI", "00"]
    assert one(segments, "CUR") == ["CUR", "SE", "USD"]
    assert [s for s in segments if s[0] == "REF"][:3] == [
        ["REF", "VN", "42"], ["REF", "BM", "07"], ["REF", "CN", "1Z999AA10123456784"]]
    assert not any(s[:2] == ["REF", "OI"] for s in segments)
    assert not any(s[0] == "NTE" for s in segments)
    assert loop(segments, "RE") == [
        ["N1", "RE", "Ordergate Supply GmbH", "01", "123456789"],
        ["N3", "9 Depot Road", "Unit 4"],
        ["N4", "Columbus", "OH", "43004", "US"],
    ]
    # The buyer by the id given for it, not its own code.
    assert loop(segments, "BT") == [
        ["N1", "BT", "ACME Hardware Inc.", "92", "ACME-1"],
        ["N3", "1 Main Street"],
        ["N4", "Springfield", "IL", "62701", "US"],
    ]
    assert loop(segments, "ST")[0] == ["N1", "ST", "ACME Distribution Center", "92", "0042"]
    assert loop(segments, "ST")[1] == ["N3", "1 Main Street", "Dock 4"]
    # The selling party with its VAT registration (a country prefix: VX).
    assert loop(segments, "SE") == [
        ["N1", "SE", "Ordergate Supply GmbH", "01", "123456789"],
        ["N3", "9 Depot Road", "Unit 4"],
        ["N4", "Columbus", "OH", "43004", "US"],
        ["REF", "VX", "DE123456789"],
    ]
    # 2/10 NET30: discount offered (08) from the invoice date (3), 2 % by 11 Dec or within 10
    # days, net by 31 Dec or within 30 days; the discount in cents; the terms as written.
    assert one(segments, "ITD") == ["ITD", "08", "3", "2", "20261211", "10", "20261231", "30",
                                    str(int(TAXED.discount_amount * 100)), "", "", "",
                                    "2/10 NET30"]
    assert TAXED.discount_amount == Decimal("3.24")  # 2 % of 162.09, to the cent
    assert one(segments, "DTM") == ["DTM", "011", "20261130"]
    assert one(segments, "CAD") == ["CAD", "M", "", "", "UPSN", "", "", "CN", "1Z999AA10123456784"]


def test_lines_carry_the_po_identifiers_their_tax_and_description() -> None:
    [tx] = read_sets(interchange(TAXED))
    lines = items(check_set(tx, TAXED))
    # IT101 the PO's line id, else our line number; IT105 empty; BP, VP (the PO's vendor part,
    # else our SKU), then the GTIN: UP for a 12-digit U.P.C., EN for a 13-digit EAN.
    assert lines[0] == [
        ["IT1", "001", "12", "EA", "4.99", "", "BP", "ACME-55", "VP", "HW-1001", "UP", "012345678905"],
        ["TXI", "VA", "11.38", "0.19", "", "", "", "", "59.88"],  # 59.88 × 0.19 = 11.3772
    ]
    assert lines[1][:2] == [
        ["IT1", "2", "3", "EA", "19.95", "", "VP", "HW-2002"],
        ["TXI", "VA", "11.37", "0.19", "", "", "", "", "59.85"],  # 11.3715
    ]
    # Each delimiter in the description became a space; the line break was one run of white space.
    assert lines[1][2] == ["PID", "F", "", "", "", "Hex bolt   M8 40   zinc box of 100"]
    # A price with more decimals than cents is written as it is; the amount is rounded.
    assert lines[2] == [
        ["IT1", "003", "2.5", "KG", "7.333", "", "VP", "V-3003", "EN", "4006381333931"],
        ["TXI", "VA", "1.28", "0.07", "", "", "", "", "18.33"],  # 18.3325 → 18.33; 1.2831
    ]
    segments = tx.segments
    # 138.06 + 24.03 of tax; TDS02 the amount the discount applies to: the whole total.
    assert one(segments, "TDS") == ["TDS", "16209", "16209"]
    assert [s for s in segments if s[0] == "ISS"] == [["ISS", "15", "EA"], ["ISS", "2.5", "KG"]]
    assert one(segments, "CTT") == ["CTT", "3", "40"]  # 12 + 3 + 25 (2.5 without its point)


def test_a_plain_net30_invoice_without_tax_or_shipping() -> None:
    [tx] = read_sets(interchange(PLAIN))
    segments = check_set(tx, PLAIN)
    assert segments[1] == ["BIG", "20261201", "INV-2026-000002", "", "4500012345", "", "", "DI",
                           "00"]
    assert not any(s[0] in ("TXI", "CAD", "DTM") for s in segments)
    assert [s for s in segments if s[0] == "REF"] == [["REF", "VN", "42"]]
    assert [s[1] for s in segments if s[0] == "N1"] == ["RE", "BT", "SE"]
    # No code and no id for the buyer: named only; no tax id for us: no REF in our loops.
    assert one(segments, "N1", "BT") == ["N1", "BT", "ACME Hardware Inc."]
    assert loop(segments, "SE")[-1][0] == "N4"
    assert one(segments, "ITD") == ["ITD", "01", "3", "", "", "", "20261231", "30", "", "", "",
                                    "", "NET30"]
    lines = items(segments)
    assert lines[0] == [["IT1", "1", "10", "EA", "5.00", "", "BP", "ACME-55", "VP", "HW-1001"]]
    assert lines[1] == [["IT1", "2", "1", "EA", "120.00", "", "VP", "HW-4004", "UK", "10012345678902"]]
    assert lines[2] == [["IT1", "3", "4", "EA", "0.99", "", "VP", "HW-5005", "UP", "000096385074"]]
    assert one(segments, "TDS") == ["TDS", "17396"]  # 50.00 + 120.00 + 3.96; no discount: no TDS02
    assert one(segments, "ISS") == ["ISS", "15", "EA"]


def test_the_buyer_goes_by_its_own_code_when_no_id_is_given() -> None:
    [tx] = read_sets(interchange(TAXED))
    assert one(tx.segments, "N1", "BT") == ["N1", "BT", "ACME Hardware Inc.", "92", "ACME-BT"]
    assert one(tx.segments, "N1", "RE") == ["N1", "RE", "Ordergate Supply GmbH"]


@pytest.mark.parametrize(("tax_id", "qualifier"), [
    ("DE123456789", "VX"),  # a VAT id: its country prefix
    ("ATU12345678", "VX"),
    ("12-3456789", "TJ"),  # a US employer identification number
    ("123456789", "TJ"),
])
def test_a_tax_id_goes_by_what_it_is(tax_id: str, qualifier: str) -> None:
    invoice = replace(PLAIN, seller=replace(SELLER, tax_id=tax_id),
                      buyer=replace(BUYER, tax_id=tax_id))
    [tx] = read_sets(interchange(invoice))
    assert loop(tx.segments, "SE")[-1] == ["REF", qualifier, tax_id]
    assert loop(tx.segments, "BT")[-1] == ["REF", qualifier, tax_id]
    assert loop(tx.segments, "RE")[-1][0] == "N4"  # the remit-to loop has no tax id


def test_a_credit_note_names_the_invoice_it_credits() -> None:
    [tx] = read_sets(interchange(CREDIT))
    segments = check_set(tx, CREDIT)
    assert segments[1] == ["BIG", "20261201", "CN-2026-000001", "20261120", "4500012345", "", "",
                           "CR", "00"]
    assert one(segments, "REF", "OI") == ["REF", "OI", "INV-2026-000001"]
    # The reason, its delimiters spaces, in NTE right after BIG.
    assert segments[2] == ["NTE", "GEN", "Returned: 2 damaged   see RMA 7"]
    assert one(segments, "ITD")[1] == "01"
    assert one(segments, "TDS") == ["TDS", "1188"]  # 9.98 + 1.90 of tax
    assert not any(s[0] == "ISS" for s in segments)  # nothing shipped
    # A credit note's terms offer no discount even when the customer's terms do.
    [tx] = read_sets(interchange(replace(CREDIT, terms=DISCOUNT, discount_date=ISSUED)))
    assert one(tx.segments, "ITD")[1:4] == ["01", "3", ""]


def test_each_line_is_rounded_on_its_own() -> None:
    [tx] = read_sets(interchange(ROUNDING))
    segments = check_set(tx, ROUNDING)
    assert ROUNDING.total == Decimal("0.07")
    assert [s[4] for s in segments if s[0] == "IT1"] == ["0.005"] * 7
    # Seven half cents rounded each (7 cents), not their sum rounded once (0.035: 4 cents).
    assert one(segments, "TDS") == ["TDS", "7"]
    assert one(segments, "CTT") == ["CTT", "7", "7"]


def test_free_text_holding_delimiters_stays_in_its_element() -> None:
    awkward = Party(name="ACME ~ Tools * Hardware > Inc\r\n", street=("1 Main*Street~",),
                    city="Spring>field", state="IL", postal_code="62701", code="ACME-BT")
    invoice = replace(TAXED, buyer=awkward, terms=replace(DISCOUNT, text="2/10*NET30~EOM"))
    [tx] = read_sets(interchange(invoice))
    segments = check_set(tx, invoice)
    assert loop(segments, "BT") == [
        ["N1", "BT", "ACME   Tools   Hardware   Inc", "92", "ACME-BT"],
        ["N3", "1 Main Street"],
        ["N4", "Spring field", "IL", "62701"],
    ]
    assert one(segments, "ITD")[12] == "2/10 NET30 EOM"
    # As many segments as the plain invoice: nothing split or joined.
    [plain] = read_sets(interchange(TAXED))
    assert len(segments) == len(plain.segments)


@pytest.mark.parametrize(("carrier", "tracking", "cad"), [
    ("UPSN", "1Z9", ["CAD", "M", "", "", "UPSN", "", "", "CN", "1Z9"]),
    ("fdeg", "", ["CAD", "M", "", "", "FDEG"]),  # a SCAC, in capitals; no tracking
    ("DHL Express", "JD014600", ["CAD", "M", "", "", "", "DHL Express", "", "CN", "JD014600"]),
    ("Own*truck", "", ["CAD", "M", "", "", "", "Own truck"]),  # no SCAC: the name as routing
    ("", "1Z9", None),  # CAD needs a carrier; the tracking number stays in REF*CN
    (None, None, None),
])
def test_cad_gives_the_carrier_and_its_tracking_number(carrier: str | None, tracking: str | None,
                                                       cad: list[str] | None) -> None:
    invoice = replace(TAXED, carrier=carrier, tracking_number=tracking)
    [tx] = read_sets(interchange(invoice))
    segments = check_set(tx, invoice)
    assert [s for s in segments if s[0] == "CAD"] == ([cad] if cad else [])
    assert [s for s in segments if s[:2] == ["REF", "CN"]] == (
        [["REF", "CN", tracking]] if tracking else [])


@pytest.mark.parametrize(("change", "wrong"), [
    (lambda i: replace(i, lines=(replace(i.lines[0], amount=Decimal("59.87")), *i.lines[1:])),
     "line 1 amount 59.87"),
    (lambda i: replace(i, lines=(replace(i.lines[0], tax=Decimal("11.37")), *i.lines[1:])),
     "line 1 tax 11.37"),
    (lambda i: replace(i, subtotal=i.subtotal + CENT, total=i.total + CENT), "subtotal"),
    (lambda i: replace(i, tax=i.tax - CENT), "tax"),
    (lambda i: replace(i, total=i.total + CENT), "total"),
    (lambda i: replace(i, discount_amount=Decimal("2.165")), "discount amount 2.165"),
    (lambda i: replace(i, lines=()), "no lines"),
    (lambda i: replace(i, kind="proforma"), "kind 'proforma'"),
])
def test_an_invoice_that_does_not_add_up_is_refused(change, wrong: str) -> None:
    with pytest.raises(ValueError, match=re.escape(wrong)):
        build_810(change(TAXED), 1)
    assert build_810(TAXED, 1).set_id == "810"


def test_several_invoices_in_one_group_each_read_back_whole() -> None:
    invoices = (TAXED, PLAIN, CREDIT, ROUNDING)
    sets = read_sets(interchange(*invoices))
    assert [tx.control_number for tx in sets] == ["0001", "0002", "0003", "0004"]
    for tx, invoice in zip(sets, invoices):
        check_set(tx, invoice)


def test_golden_810() -> None:
    """An invoice and a credit note as a partner receives them, byte for byte; checked like the
    rest."""
    text = interchange(TAXED, CREDIT, our_id=("01", "123456789"))
    data = text.encode("utf-8")
    for tx, invoice in zip(read_sets(text), (TAXED, CREDIT)):
        check_set(tx, invoice)
    match_golden_bytes(data, GOLDEN)
