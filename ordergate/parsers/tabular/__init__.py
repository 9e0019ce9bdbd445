"""Order tables (CSV, XLSX, XLS): reading the sheets (``read``) within an extent limit
(``extent``) and finding the order columns by their headers (``columns``).
"""

from __future__ import annotations

from ordergate.parsers.tabular.columns import (
    HEADER_SCAN_ROWS,
    ITEM_FIELDS,
    SYNONYMS,
    ColumnMap,
    HeaderMatch,
    find_header,
)
from ordergate.parsers.tabular.read import (
    Sheet,
    Table,
    TableError,
    read_table,
    sniff_delimiter,
)

__all__ = [
    "ColumnMap",
    "find_header",
    "HEADER_SCAN_ROWS",
    "HeaderMatch",
    "ITEM_FIELDS",
    "read_table",
    "Sheet",
    "sniff_delimiter",
    "SYNONYMS",
    "Table",
    "TableError",
]
