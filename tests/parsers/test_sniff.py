"""sniff_kind: the kind of a file from its bytes, on made files and on the real corpus.

Corpus files are read in place from ../shared/corpus (or $ORDERGATE_CORPUS); without it those
tests skip, except in strict mode (tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fpdf import FPDF

from ordergate.parsers.sniff import KINDS, declared_unpacked_size, sniff_kind
from tests.kit.corpus import CORPUS, require_corpus

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def make_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Purchase order 4711")
    return bytes(pdf.output())


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["sku", "qty"])
    sheet.append(["A-1", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ---------------------------------------------------------------- made files
def test_pdf_made_with_fpdf2_is_pdf() -> None:
    assert sniff_kind(make_pdf()) == "pdf"


def test_edi_samples_are_x12_and_edifact() -> None:
    assert sniff_kind((SAMPLES / "x12" / "acme_4500012345.edi").read_bytes()) == "x12"
    assert sniff_kind((SAMPLES / "edifact" / "initech_PO-EU-1001_unoc.edi").read_bytes()) == "edifact"


def test_xlsx_made_with_openpyxl_is_xlsx() -> None:
    assert sniff_kind(make_xlsx()) == "xlsx"


@pytest.mark.parametrize("entries", [
    {"readme.txt": b"hello"},
    {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"},  # a .docx, not a workbook
    {"xl/workbook.xml": b"<w/>"},  # no content-types part: not an Office file
])
def test_other_zips_are_zip(entries: dict[str, bytes]) -> None:
    assert sniff_kind(make_zip(entries)) == "zip"


def test_empty_and_damaged_zips_are_zip() -> None:
    assert sniff_kind(make_zip({})) == "zip"
    assert sniff_kind(b"PK\x03\x04" + b"\x00" * 40) == "zip"


def test_zip_bomb_is_classified_from_the_directory_without_unpacking() -> None:
    bomb = make_zip({"zeros.bin": bytes(64 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    assert sniff_kind(bomb) == "zip"
    assert declared_unpacked_size(bomb) == 64 * 1024 * 1024
    assert declared_unpacked_size(b"not a zip") is None


def test_ole2_header_is_xls() -> None:
    assert sniff_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)) == "xls"


@pytest.mark.parametrize("magic", [
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"GIF87a", b"II*\x00", b"MM\x00*",
])
def test_image_magic_is_image(magic: bytes) -> None:
    assert sniff_kind(magic + b"\x00\x01\x02" * 20) == "image"


@pytest.mark.parametrize("text", [
    b"sku,qty,price\nA-1,3,9.50\nB-2,1,4.00\n",
    b"sku;qty\r\nA-1;3\r\nB-2;1\r\n",
    b"sku\tqty\nA-1\t3\nB-2\t1\n",
    b"sku|qty\nA-1|3\n",
    b'sku,description,qty\nA-1,"bolt, M6\nzinc plated",3\nB-2,"nut",1\n',  # quoted comma and newline
    b"\xef\xbb\xbfpo,sku\n1,A\n",  # UTF-8 BOM
    "Artikel;Menge\nMutter Gr\u00f6\u00dfe 6;3\n".encode("cp1252"),
    "sku,qty\nA,1\n".encode("utf-16"),
    b"sku,qty\n\nA,1\n\n",  # blank lines do not count
])
def test_delimited_text_is_csv(text: bytes) -> None:
    assert sniff_kind(text) == "csv"


@pytest.mark.parametrize("content", [
    b"",
    b"name,city\n",  # one line of no known order columns: nothing to compare
    b"Hello team,\nplease find our order attached, thanks.\nRegards, Ann and Bob, and Carl\n",
    b"plain words\nwithout any delimiter\n",
    b"a,b,c\n1,2\n3,4,5\n",
    b"sku,qty\x00\nA,1\x00\n",  # NUL: binary
    b"sku,qty\x01\nA,1\n",  # control character: binary
    b'{"items": [1, 2], "po": "4711"}\n',
    bytes(range(256)) * 4,
])
def test_text_without_a_consistent_delimiter_or_binary_is_other(content: bytes) -> None:
    assert sniff_kind(content) == "other"


def test_large_csv_cut_inside_a_multibyte_character_is_still_csv() -> None:
    row = "A-1,Gr\u00f6\u00dfe,3\n".encode()
    cut = 64 * 1024  # sniff reads this much
    # Pad the header until the sample ends on the first byte of a two-byte character.
    for pad in range(len(row)):
        content = b"sku" + b"x" * pad + b",name,qty\n" + row * 10_000
        if content[cut - 1] == 0xC3:
            break
    assert content[cut - 1] == 0xC3
    assert sniff_kind(content) == "csv"


def test_name_and_claimed_type_play_no_part() -> None:
    # Same bytes, any label: the function only ever sees bytes, and so must give one answer.
    content = b"sku,qty\nA,1\nB,2\n"
    assert sniff_kind(content) == "csv"
    assert sniff_kind(b"%PDF-1.4\n" + content) == "pdf"


# ---------------------------------------------------------------- the real corpus
def _expected_kind(path: Path) -> str:
    top = path.relative_to(CORPUS).parts[0]
    if top in ("x12", "edifact"):
        return top
    return {".csv": "csv", ".xlsx": "xlsx", ".xls": "xls", ".pdf": "pdf", ".jpg": "image",
            ".json": "other"}[path.suffix.lower()]


def test_every_corpus_file_is_sniffed_as_its_folder_and_suffix_say() -> None:
    require_corpus()
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() != ".md")
    assert files, f"no files under {CORPUS}"
    wrong = {str(p.relative_to(CORPUS)): (sniff_kind(p.read_bytes()), _expected_kind(p))
             for p in files if sniff_kind(p.read_bytes()) != _expected_kind(p)}
    assert wrong == {}
    assert {_expected_kind(p) for p in files} <= set(KINDS)


def test_an_erp_export_with_title_and_totals_rows_is_csv():
    content = (Path(__file__).resolve().parents[2] / "samples" / "csv" / "initech_0047110815.csv").read_bytes()
    assert sniff_kind(content) == "csv"


def test_a_header_row_alone_is_a_csv_with_no_lines():
    # The tabular reader then says there are no order lines, which is the useful answer.
    assert sniff_kind(b"sku,qty,price\n") == "csv"
