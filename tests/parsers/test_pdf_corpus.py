"""The PDF reader against third-party purchase orders (../shared/corpus/pdf, or $ORDERGATE_CORPUS).

Every PDF there must give a ``PdfExtraction`` or a ``PdfError``, never anything else. Those
the reader is meant to read are compared field by field with ``expected_pdf/<name>.json``,
written from pdfplumber's page text (and, for PO100563, the source repository's ground-truth
CSV), not from the reader's output. The others are not read, for these reasons:

- Order-X (horstoekoorderx__*): no text layer at all; the order is the embedded order-x.xml,
  which the error message points to.
- Best & Less pre-pack POs (manamai__*): the orderable unit is the pre-pack (pack SKU x packs)
  and no unit cost is printed; what the reader gets (component units) must go to a person.
- George 1208546: a pre-pack row and its component rows both carry quantities; reading them
  literally double counts, which the printed quantity total exposes, so it must be held.
Without the corpus the tests skip, except in strict mode (tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ordergate.parsers.pdf.extract import PdfError, PdfExtraction, extract_pdf_order
from ordergate.parsers.pdf.template import load_templates
from tests.kit.corpus import CORPUS, require_corpus

PDF_DIR = CORPUS / "pdf"
EXPECTED = Path(__file__).parent / "expected_pdf"
GOLDEN = sorted(p.stem for p in EXPECTED.glob("*.json"))
ALL_PDFS = sorted(p.name for p in PDF_DIR.glob("*.pdf")) if PDF_DIR.is_dir() else []
TEMPLATES = load_templates()


require = require_corpus


def read(name: str) -> bytes:
    return (require(PDF_DIR) / name).read_bytes()


def test_corpus_present_or_skipped() -> None:
    content = read("ocaedi__quote-PO00004.pdf")
    assert content.startswith(b"%PDF-")


@pytest.mark.parametrize("name", ALL_PDFS or ["(corpus missing)"])
def test_no_crash(name: str) -> None:
    content = read(name)
    try:
        result = extract_pdf_order(content, templates=TEMPLATES)
    except PdfError as exc:
        assert str(exc)
    else:
        assert isinstance(result, PdfExtraction) and result.lines and result.po_number


@pytest.mark.parametrize("name", GOLDEN)
def test_golden(name: str) -> None:
    expected = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    result = extract_pdf_order(read(expected["file"]), templates=TEMPLATES)
    assert result.template == expected["template"]
    assert result.po_number == expected["po_number"]
    assert result.po_date == (date.fromisoformat(expected["po_date"]) if expected["po_date"] else None)
    assert result.currency == expected["currency"]
    if expected["ship_to"] is None:
        assert result.ship_to is None
    else:
        assert result.ship_to is not None
        assert result.ship_to.filled() == expected["ship_to"]
    # A known misread is left to test_known_misreads_are_still_misread, which expects the
    # right value and fails loudly once the reader gets it; here it is neither right nor wrong.
    misreads = expected.get("known_misreads", {})
    assert len(result.lines) == len(expected["lines"])
    for number, line in enumerate(result.lines, start=1):
        for field, value in wanted_fields(expected, number).items():
            key = f"line {number} {field}"
            if key in misreads:
                continue
            got = getattr(line, field)
            assert got == value, f"{key}: read {got!r}, expected {value!r}"
        assert line.line_number == number
    for limit in expected.get("doubtful_at_0.8", []):
        assert limit in result.doubtful(0.8)


def wanted_fields(expected: dict, number: int) -> dict[str, object]:
    """Line ``number`` of an expectation file as field -> the value the PDF prints."""
    row = dict(zip(expected["line_fields"], expected["lines"][number - 1]))
    return {field: Decimal(value) if field in ("quantity", "unit_price") and value is not None
            else value for field, value in row.items()}


def _known_misreads() -> list:
    found = []
    for name in GOLDEN:
        expected = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
        for key, misread in expected.get("known_misreads", {}).items():
            found.append(pytest.param(name, key, id=f"{name}-{key}", marks=pytest.mark.xfail(
                strict=True, raises=AssertionError, reason=f"known misread: {misread['why']}")))
    return found


@pytest.mark.parametrize(("name", "key"), _known_misreads())
def test_known_misreads_are_still_misread(name: str, key: str) -> None:
    """The right value, expected to fail while the reader misreads it; once the reader gets it
    right this passes, strict xfail turns that into a failure, and the entry goes."""
    expected = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    result = extract_pdf_order(read(expected["file"]), templates=TEMPLATES)
    _, number, field = key.split(" ", 2)
    value = wanted_fields(expected, int(number))[field]
    got = getattr(result.lines[int(number) - 1], field)
    assert got == value, f"{key}: read {got!r}, printed {value!r}"


@pytest.mark.parametrize("name", [n for n in GOLDEN if "printed_quantity_totals" in
                                  json.loads((EXPECTED / f"{n}.json").read_text(encoding="utf-8"))])
def test_quantities_add_up_to_the_printed_totals(name: str) -> None:
    expected = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    result = extract_pdf_order(read(expected["file"]), templates=TEMPLATES)
    printed = sum(Decimal(t) for t in expected["printed_quantity_totals"])
    assert sum(line.quantity for line in result.lines) == printed
    assert result.confidence["lines"] >= 0.9


def test_sap_multi_page_order_matches_the_source_ground_truth_csv() -> None:
    csv_path = require(CORPUS / "csv" / "ilmpoextr__Extracted_PO100563_groundtruth.csv")
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8").splitlines()))
    result = extract_pdf_order(read("ilmpoextr__PO100563L.pdf"))
    assert [line.buyer_part for line in result.lines] == [r["Item_Code"] for r in rows]
    assert [line.unit_price for line in result.lines] == [Decimal(r["Price"]) for r in rows]
    assert all(line.quantity == Decimal(r["Quantity"]) for line, r in zip(result.lines, rows))


@pytest.mark.parametrize("name", ["horstoekoorderx__reader-order-x-comfort.pdf",
                                  "horstoekoorderx__reader-order-x-extended.pdf"])
def test_order_x_points_to_the_embedded_xml(name: str) -> None:
    with pytest.raises(PdfError, match=r"no text layer.*order-x\.xml"):
        extract_pdf_order(read(name), templates=TEMPLATES)


@pytest.mark.parametrize("name", ["manamai__MW1004_InDC_25072028_PO_711472_BO_316867_V0.pdf",
                                  "manamai__PO_SHEET-BEST_and_LESS.pdf",
                                  "manamai__W25BN0518_InDC_25052005_PO_709958_BO_315814_V0.pdf"])
def test_prepack_orders_without_cost_are_held(name: str) -> None:
    result = extract_pdf_order(read(name), templates=TEMPLATES)
    doubtful = result.doubtful(0.8)
    assert all(f"line {line.line_number} unit_price" in doubtful for line in result.lines)


def test_prepack_double_count_is_caught_by_the_printed_total() -> None:
    result = extract_pdf_order(read("poextrrev__george_1208546.pdf"), templates=TEMPLATES)
    assert "lines" in result.doubtful(0.5)
    assert any("not the sum" in note for note in result.notes)


@pytest.mark.parametrize("name", ["ocaedi__purchase_order_declathon.pdf", "ocaedi__quote-PO00004.pdf"])
def test_template_layouts_defeat_the_generic_reader(name: str) -> None:
    with pytest.raises(PdfError, match="no PO number found by the generic PDF reader"):
        extract_pdf_order(read(name))
