"""Small workbooks that would unfold to gigabytes are refused before they are read, and every
workbook is read within a time and memory budget, with a sentence saying which ran out."""

from __future__ import annotations

import io
import resource
import time
import zipfile

import openpyxl
import pytest

from ordergate.parsers import guard
from ordergate.parsers.guard import ParseBudget
from ordergate.parsers.tabular.extent import _split_reference, column_letters
from ordergate.parsers.tabular.read import TableError, read_table
from tests.kit.tabular import chatty_xls

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def handmade_xlsx(sheet_xml: str, *, sheet_entries: int = 1) -> bytes:
    """A minimal XLSX written part by part, so a test can say exactly what its XML holds."""
    sheets = "".join(f'<sheet name="S{n}" sheetId="{n}" r:id="rId1"/>'
                     for n in range(1, sheet_entries + 1))
    parts = {
        "[Content_Types].xml":
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels":
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>',
        "xl/workbook.xml":
            f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            f'{sheets}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>',
        "xl/worksheets/sheet1.xml":
            f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>{sheet_xml}'
            f'</sheetData></worksheet>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def inline_rows(rows: int, columns: int) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>v{c}</t></is></c>' for c in range(columns))
    return "".join(f"<row>{cells}</row>" for _ in range(rows))


def test_a_small_xlsx_with_cells_at_a1_xfd1_and_a10000_is_refused_quickly():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orders"
    sheet["A1"], sheet["XFD1"], sheet["A10000"] = "PO", "far right", "far down"
    buffer = io.BytesIO()
    book.save(buffer)
    assert len(buffer.getvalue()) < 10_000
    started = time.monotonic()
    with pytest.raises(TableError, match=r"sheet 'Orders' uses columns up to XFD \(16,384\); "
                                         r"at most 256 \(IV\) are read"):
        read_table(buffer.getvalue())
    # Read as a whole it took 29 s and 5.2 GB; refused, it stays far below the 60 s limit.
    assert time.monotonic() - started < 10
    largest_child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert largest_child_kb < 1024 * 1024  # no child of this test run ever reached 1 GB


def test_a_cell_placed_by_its_position_alone_counts_too():
    # No r= references: the 300th cell of the row is still column KN.
    with pytest.raises(TableError, match="uses columns up to KN"):
        read_table(handmade_xlsx(inline_rows(1, 300)))


def test_empty_styled_cells_far_right_do_not_refuse_a_workbook():
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="XFD1" s="1"/></row>'
    assert read_table(handmade_xlsx(row)).sheets[0].rows == [["x"]]


def test_a_workbook_with_ten_thousand_sheet_entries_is_refused():
    content = handmade_xlsx(inline_rows(1, 1), sheet_entries=10_000)
    started = time.monotonic()
    with pytest.raises(TableError, match="workbook has 10,000 sheets; at most 100 are read"):
        read_table(content)
    assert time.monotonic() - started < 10  # openpyxl alone spent 121 s on it


def test_rows_times_columns_is_bounded():
    content = handmade_xlsx(inline_rows(1, 1) + '<row r="30000"><c r="IA30000" t="inlineStr">'
                                                '<is><t>x</t></is></c></row>')
    with pytest.raises(TableError, match=r"spans 30,000 rows by 235 columns \(7,050,000 cells\)"):
        read_table(content)


def test_a_200_kb_workbook_of_4_9_million_cells_is_refused_before_it_is_read():
    # 49,000 rows of 100 numbers passed the old 5,000,000-cell cap and then cost 62 s and 595 MB.
    row = "<row>" + "<c><v>1</v></c>" * 100 + "</row>"
    content = handmade_xlsx(inline_rows(1, 4) + row * 48_999)
    assert len(content) < 250_000
    started = time.monotonic()
    with pytest.raises(TableError, match=r"spans 49,000 rows by 100 columns \(4,900,000 cells\); "
                                         r"at most 500,000 are read"):
        read_table(content)
    assert time.monotonic() - started < 10


def test_the_cell_cap_counts_the_whole_workbook():
    # Two sheets of 300,000 cells: each within the cap, together over it.
    content = handmade_xlsx(inline_rows(1, 1) + '<row r="3000"><c r="CV3000"><v>1</v></c></row>',
                            sheet_entries=2)
    with pytest.raises(TableError, match=r"workbook spans 600,000 cells over its 2 sheets; at most "
                                         r"500,000 are read"):
        read_table(content)


def test_a_dtd_in_the_workbook_xml_is_refused():
    content = handmade_xlsx(inline_rows(1, 1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<?xml version="1.0"?>',
                                    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]>')
            target.writestr(info.filename, data)
    with pytest.raises(TableError, match="declares a DTD or entities"):
        read_table(buffer.getvalue())


def test_a_workbook_over_a_tiny_memory_budget_is_refused_with_the_memory_sentence():
    # Two cells, within every limit, one holding 40 MB of text (40 KB zipped): read with the
    # default budget, refused with 16 MB. Large allocations are fresh mappings, so the address
    # space limit catches them whatever the test process already holds.
    content = handmade_xlsx('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
                            '<row r="2"><c r="A2" t="inlineStr"><is><t>' + "y" * 40_000_000
                            + "</t></is></c></row>")
    with pytest.raises(TableError, match="the XLSX workbook (needs more than|could not be read "
                                         "within) 16 MB of memory"):
        read_table(content, budget=ParseBudget(max_memory_mb=16))
    small = handmade_xlsx(inline_rows(2, 2))  # what the 16 MB do allow
    assert read_table(small, budget=ParseBudget(max_memory_mb=16)).sheets[0].rows == [["v0", "v1"]] * 2
    sheet = read_table(content).sheets[0]
    assert (len(sheet.rows), len(sheet.rows[1][0])) == (2, 40_000_000)


def test_a_workbook_over_a_tiny_time_budget_is_stopped_with_the_time_sentence(monkeypatch):
    monkeypatch.setattr(guard, "_GRACE_SECONDS", 0.0)
    content = handmade_xlsx(inline_rows(5000, 20))
    started = time.monotonic()
    with pytest.raises(TableError, match=r"reading the XLSX workbook took longer than 0.05 s "
                                         r"and was stopped"):
        read_table(content, budget=ParseBudget(max_seconds=0.05))
    assert time.monotonic() - started < 5


def test_column_letters_and_references():
    assert [column_letters(n) for n in (1, 26, 27, 256, 16_384)] == ["A", "Z", "AA", "IV", "XFD"]
    assert _split_reference("XFD10") == (16_384, 10)
    assert _split_reference("B") == (2, 0)


def test_xlrd_prints_nothing_to_our_output_in_the_child_or_in_process(capfd):
    from ordergate.parsers.tabular.extent import open_xls

    with pytest.raises(TableError, match="looks like an XLS workbook but cannot be read"):
        read_table(chatty_xls())
    with pytest.raises(Exception, match="MSAT extension corruption"):
        open_xls(chatty_xls(), max_rows=10)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
