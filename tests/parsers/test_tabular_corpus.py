"""The tabular parser against third-party PO exports (../shared/corpus/csv, or $ORDERGATE_CORPUS).

Every file gives a TabularResult or a DocumentError with a readable message, never another
exception. How each file fares without configuration is listed here; files given a column map
below must match expected_tabular/<file>.json, written by reading the files, or the summary in
LARGE (line count, quantity total, first and last item, counted with awk). Without the corpus
the tests skip, except in strict mode (tests/kit/strict.py), where they fail.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ordergate.errors import DocumentError
from ordergate.mappings.tabular_orders import TabularResult, orders_from_table
from ordergate.parsers.tabular.columns import ColumnMap
from tests.kit.corpus import CORPUS, require_corpus
from tests.kit.tabular import summarise

TABULAR = CORPUS / "csv"
EXPECTED = Path(__file__).resolve().parent / "expected_tabular"

RFSCANNER = ColumnMap(columns={"po_number": "poNumber", "buyer_line_id": "LineNumber",
                               "sku": "ItemCode", "description": "Description",
                               "quantity": "OrderedQty"})
MINIWMS = ColumnMap(columns={"po_number": "po_num", "buyer_line_id": "line_number",
                             "sku": "item_number", "quantity": "qty_ordered"})
# The buyer's own item codes (the file is its extract of its PO), not our SKUs.
ILMPOEXTR = ColumnMap(columns={"po_number": "Document Number", "buyer_part": "Item_Code",
                               "po_date": "PO_issue Date", "requested_date": "Delivery Date",
                               "description": "Description", "uom": "UoM(optional)",
                               "quantity": "Quantity", "unit_price": "Price"},
                      date_format="%m/%d/%Y")
COLUMN_MAPS = {
    "ilmpoextr__Extracted_PO100563_groundtruth.csv": ILMPOEXTR,
    "miniwms__purchaseorders.xls": MINIWMS,
    "miniwms__purchaseorders.xlsx": MINIWMS,
    **{f"rfscanner__PO_{n}.csv": RFSCANNER for n in (409650, 409811, 409816, 409849, 409869)},
}
# Files too long to write out line by line: (lines, total quantity, first item, last item).
LARGE = {
    "rfscanner__PO_409816.csv": (14, Decimal("15"), "1153598-DTZ", "210-00393-LST"),
    "rfscanner__PO_409849.csv": (20, Decimal("87"), "1149048-DTZ", "M2693E-TWD"),
    "rfscanner__PO_409869.csv": (25, Decimal("125"), "1100554-DTZ", "4280565-DTZ"),
}
# Without a column map: the orders made (PO numbers), or the start of the DocumentError.
UNCONFIGURED: dict[str, list[str] | str] = {
    "dimuthukagpo__po_std_format.xlsx": "dimuthukagpo__po_std_format.xlsx: sheet '1', header row 1 "
                                        "has no item column",
    "ilmpoextr__Extracted_PO100563_groundtruth.csv": "ilmpoextr__Extracted_PO100563_groundtruth"
                                                     ".csv: header row 1 has no PO number column",
    "miniwms__purchaseorders.xls": ["PO030", "PO031", "PO032", "PO033", "PO034"],
    "miniwms__purchaseorders.xlsx": ["PO030", "PO031", "PO032", "PO033", "PO034"],
    "ocaedi__order_file_test1.csv": "ocaedi__order_file_test1.csv: no header row found",
    "ocaedi__order_file_test1_update.csv": "ocaedi__order_file_test1_update.csv: no header row "
                                           "found",
    **{f"rfscanner__PO_{n}.csv": [str(n)] for n in (409650, 409811, 409816, 409849, 409869)},
}


def corpus_files() -> list[str]:
    return sorted(p.name for p in TABULAR.iterdir() if p.is_file()) if TABULAR.is_dir() else []


def require_tabular_corpus() -> None:
    require_corpus(TABULAR)


def read(name: str) -> bytes:
    require_tabular_corpus()
    return (TABULAR / name).read_bytes()


def outcome(name: str, column_map: ColumnMap | None = None) -> TabularResult | DocumentError:
    try:
        return orders_from_table(read(name), channel="dropfolder", source_name=name,
                                 column_map=column_map)
    except DocumentError as exc:
        return exc


def test_every_corpus_file_is_listed():
    require_tabular_corpus()
    assert corpus_files() == sorted(UNCONFIGURED)


@pytest.mark.parametrize("name", corpus_files() or ["(corpus missing)"])
def test_file_without_column_map_gives_orders_or_a_readable_error(name):
    result = outcome(name)
    expected = UNCONFIGURED[name]
    if isinstance(expected, str):
        assert isinstance(result, DocumentError), f"{name} made orders: {result}"
        message = str(result)
        assert message.startswith(expected)
        # readable: one line a person can act on, with no exception reprs in it
        assert "\n" not in message and "Error(" not in message and len(message) < 1500
    else:
        assert isinstance(result, TabularResult), f"{name} was refused: {result}"
        assert result.problems == []
        assert [o.po_number for o in result.orders] == expected


@pytest.mark.parametrize("name", sorted(set(COLUMN_MAPS) - set(LARGE)))
def test_file_with_column_map_matches_expectation(name):
    result = outcome(name, COLUMN_MAPS[name])
    assert isinstance(result, TabularResult), f"{name} was refused: {result}"
    expected = json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))
    assert result.problems == expected["problems"]
    assert [summarise(o) for o in result.orders] == expected["orders"]


@pytest.mark.parametrize("name", sorted(LARGE))
def test_large_file_with_column_map_matches_summary(name):
    result = outcome(name, COLUMN_MAPS[name])
    assert isinstance(result, TabularResult), f"{name} was refused: {result}"
    assert result.problems == []
    [order] = result.orders
    lines = order.lines
    assert (len(lines), sum(line.quantity for line in lines), lines[0].vendor_part,
            lines[-1].vendor_part) == LARGE[name]
    assert [line.line_number for line in lines] == list(range(1, len(lines) + 1))
    assert [line.source_position for line in lines] == list(range(2, len(lines) + 2))
    assert [line.buyer_line_id for line in lines] == [str(n) for n in range(len(lines))]
