"""Reading the line table of a PDF purchase order from positioned words, across pages.

A header row is recognised by its column labels (generic keywords, or a template's); every
word below it is put in the column whose label it sits under. A row with a quantity and
something that names the item starts a line; rows of text close below it continue its
description (or, when the form centres the numbers in a taller cell, close above it); a
"Total" row ends the table, a "Carry over" row ends the page's part of it. The table goes on
on the next page under a repeated header or, without one, from the top of the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from ordergate.parsers.pdf.result import ExtractedLine
from ordergate.parsers.pdf.text import PageText, Row, Word
from ordergate.parsers.pdf.values import NumberStyle, parse_number, split_quantity

LINE_FIELDS = ("buyer_part", "vendor_part", "gtin", "description", "quantity", "uom",
               "unit_price", "line_total", "line_id")
IDENTIFIERS = ("buyer_part", "vendor_part", "gtin", "description")

# Column labels per field, most specific first. A label matches a keyword when it contains it
# as whole words; "uom" only matches exactly, because "Unit" is also the start of "Unit Price".
GENERIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "quantity": ("order quantity", "order qty", "quantity ordered", "qty ordered", "quantity",
                 "qty", "units"),
    "unit_price": ("unit price", "unit cost", "net price", "cost price", "price each", "price",
                   "cost", "rate"),
    "line_total": ("line total", "extended price", "ext price", "net amount", "amount", "total"),
    "description": ("description", "item description", "product description", "article",
                    "product", "item", "size"),
    "buyer_part": ("buyer part", "customer part", "item code", "item number", "item no",
                   "part number", "part no", "variant number", "sku", "article number"),
    "vendor_part": ("vendor part", "supplier part", "vendor item", "supplier item", "vendor sku",
                    "supplier code", "mfr part", "manufacturer part", "your part"),
    "gtin": ("gtin", "ean", "upc", "barcode", "bar code"),
    "uom": ("uom", "u/m", "unit", "units of measure", "unit of measure", "um"),
    "line_id": ("line", "line no", "pos", "#"),
}
_EXACT_ONLY = frozenset({"uom", "line_id"})
# Words that disqualify a label for a field: a retail price is not what the buyer pays us.
_NOT_FOR = {"unit_price": re.compile(r"retail|total|tax|%|vat|iva"),
            "quantity": re.compile(r"ratio|pack")}
TABLE_END = re.compile(r"\b(?:sub-?\s?total|totals?|total amount|amount due|tax details)\b", re.I)
# Also page footers: a table left open at the foot of a page would read them as a line.
PAGE_END = re.compile(r"\b(?:carry(?:ied)?\s*over|carried\s*forward|continued"
                      r"|page\s*\d+\s*(?:of|/)\s*\d+)\b", re.I)
# "Key: value" rows under a line that name its part or GTIN; other dates are dropped.
_PART_KEYS = {
    "buyer_part": re.compile(r"item\s*(?:code|no\.?|number)|sku|part\s*(?:no\.?|number)|article\s*no\.?", re.I),
    "vendor_part": re.compile(r"(?:vendor|supplier|your|mfr)\s*(?:part|item|code|sku).*", re.I),
    "gtin": re.compile(r"gtin|ean|upc|barcode", re.I),
}
_DROPPED_KEYS = re.compile(r".*(?:date|due|deliver|ship).*", re.I)
_KEY_VALUE = re.compile(r"(?P<key>[A-Za-z][A-Za-z .#/-]{1,30}?)\s*:\s*(?P<value>\S.*)")


@dataclass(frozen=True, slots=True)
class TableRules:
    keywords: dict[str, tuple[str, ...]]
    require_all: bool = False  # a template's header must show every column it names
    end: re.Pattern[str] = TABLE_END
    page_end: re.Pattern[str] = PAGE_END
    skip: tuple[re.Pattern[str], ...] = ()
    part_in_description: re.Pattern[str] | None = None  # group "part"
    part_field: str = "vendor_part"


GENERIC_RULES = TableRules(GENERIC_KEYWORDS)


class Column(NamedTuple):
    field: str | None  # None: a column we do not read (retail price, cartons, ...)
    label: str
    x0: float
    x1: float


@dataclass(frozen=True, slots=True)
class Layout:
    columns: tuple[Column, ...]  # left to right
    header_rows: int  # 1, or 2 when labels wrap onto a second row

    def column_of(self, word: Word) -> Column | None:
        """The column a word sits under; None left of the table (printed line numbers)."""
        best, overlap = None, 0.0
        for column in self.columns:
            shared = min(word.x1, column.x1 + 2) - max(word.x0, column.x0 - 2)
            if shared > overlap:
                best, overlap = column, shared
        if best is not None:
            return best
        # Text runs right from its column's left edge, past the label's end.
        left_of = [c for c in self.columns if c.x0 <= word.x0 + 1]
        return left_of[-1] if left_of else None

    def cells(self, row: Row) -> tuple[dict[str, str], list[Word]]:
        cells: dict[str, list[str]] = {}
        outside: list[Word] = []
        for word in row.words:
            column = self.column_of(word)
            if column is None:
                outside.append(word)
            elif column.field:
                cells.setdefault(column.field, []).append(word.text)
        return {name: " ".join(words) for name, words in cells.items()}, outside

    def table_text(self, row: Row) -> str:
        """The row's text without what stands in unread columns left of the read ones.

        Forms print side notes there ("Total Packs: 198") that must not end the table.
        """
        first = min((c.x0 for c in self.columns if c.field), default=0.0)
        kept = []
        for word in row.words:
            column = self.column_of(word)
            if column is not None and (column.field or column.x0 >= first):
                kept.append(word.text)
        return " ".join(kept)


def find_layout(rows: tuple[Row, ...], index: int, rules: TableRules) -> Layout | None:
    """The table layout if ``rows[index]`` is a header row (maybe wrapping onto the next)."""
    row = rows[index]
    phrases = row.phrases()
    # Column heads are words; a row with several figures is a line, not a header (one may be
    # a side note such as "Pre-Pack SKU Number: 1754252"). Skipping those early keeps the
    # keyword matching off most rows.
    if len(phrases) < 2 or sum(any(c.isdigit() for c in p.text) for p in phrases) > 1:
        return None
    labels = [[p.text, p.x0, p.x1] for p in phrases]
    header_rows = 1
    following = rows[index + 1] if index + 1 < len(rows) else None
    if following is not None and _continues_header(row, following, labels):
        header_rows = 2
        for phrase in following.phrases():
            under = [lab for lab in labels if phrase.x0 < lab[2] + 2 and phrase.x1 > lab[1] - 2]
            if under:
                under[0][0] = f"{under[0][0]} {phrase.text}"
            else:
                labels.append([phrase.text, phrase.x0, phrase.x1])
    assigned = _assign_fields([str(lab[0]) for lab in labels], rules)
    if not _enough(assigned, rules):
        return None
    columns = tuple(sorted((Column(assigned.get(i), str(lab[0]), float(lab[1]), float(lab[2]))
                            for i, lab in enumerate(labels)), key=lambda c: c.x0))
    return Layout(columns, header_rows)


def _continues_header(row: Row, following: Row, labels: list[list]) -> bool:
    if following.top - row.bottom > row.height or any(c.isdigit() for c in following.text):
        return False
    phrases = following.phrases()
    under = [p for p in phrases if any(p.x0 < lab[2] + 2 and p.x1 > lab[1] - 2 for lab in labels)]
    return len(under) * 2 >= len(phrases)


def _normal(label: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w%#/ ]", " ", label.lower())).strip()


def _assign_fields(labels: list[str], rules: TableRules) -> dict[int, str]:
    """Label index → field, best matches first: exact before contained, longer keywords first."""
    scored = []
    for name, keywords in rules.keywords.items():
        for rank, keyword in enumerate(keywords):
            wanted = _normal(keyword)
            for index, label in enumerate(labels):
                text = _normal(label)
                exact = text == wanted
                if not exact and (name in _EXACT_ONLY and not rules.require_all
                                  or not _keyword_pattern(wanted).search(text)):
                    continue
                veto = _NOT_FOR.get(name)
                if veto and veto.search(text) and not rules.require_all:
                    continue
                scored.append((exact, len(wanted), -rank, name, index))
    assigned: dict[int, str] = {}
    for *_, name, index in sorted(scored, reverse=True):
        if index not in assigned and name not in assigned.values():
            assigned[index] = name
    return assigned


@lru_cache(maxsize=512)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)")


def _enough(assigned: dict[int, str], rules: TableRules) -> bool:
    found = set(assigned.values())
    if rules.require_all:
        return found >= set(rules.keywords)
    return "quantity" in found and bool(found & set(IDENTIFIERS)) and len(found) >= 3


# ------------------------------------------------------------------------------ reading rows
@dataclass(slots=True)
class _Line:
    page: int
    cells: dict[str, str]
    line_id: str | None
    last_bottom: float
    height: float
    description: list[str] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class TableRead:
    lines: list[ExtractedLine]
    confidence: dict[str, float]
    notes: list[str]
    table_confidence: float


@dataclass(slots=True)
class _Reader:
    rules: TableRules
    style: NumberStyle | None
    layout: Layout | None = None
    open_table: bool = False
    current: _Line | None = None
    pending: list[Row] = field(default_factory=list)
    built: list[_Line] = field(default_factory=list)
    since_total: Decimal = Decimal("0")
    notes: list[str] = field(default_factory=list)
    table_confidence: float = 0.95
    lines_on_page: int = 0

    def read_page(self, page: PageText) -> None:
        rows = page.rows
        self.lines_on_page = 0
        headers = {i for i in range(len(rows)) if find_layout(rows, i, self.rules)}
        skip_until = min(headers) if headers else 0
        if self.open_table and not headers and self.layout is not None:
            self.note(0.85, f"the line table continues on page {page.number} without a header")
        index = skip_until if headers or self.open_table else len(rows)
        while index < len(rows):
            row = rows[index]
            layout = find_layout(rows, index, self.rules) if index in headers else None
            if layout is not None:
                self.close()
                # A repeated header continues the table, so the running total is kept.
                self.layout, self.open_table, self.pending = layout, True, []
                index += layout.header_rows
                continue
            if self.open_table and self.layout is not None:
                following = rows[index + 1] if index + 1 < len(rows) else None
                if not self.read_row(page, row, following, strict=not headers):
                    # a page-end row: the rest of this page is footer
                    break
            index += 1
        self.close()
        self.pending = []

    def read_row(self, page: PageText, row: Row, following: Row | None, *, strict: bool) -> bool:
        """Reads one row; False when the rest of the page is not table."""
        assert self.layout is not None
        text = self.layout.table_text(row)
        if any(p.search(text) for p in self.rules.skip):
            return True
        cells, outside = self.layout.cells(row)
        quantity = split_quantity(cells.get("quantity", ""), self.style)
        # On a page without header the page's own heading ("Page 2 of 3") comes first.
        if self.rules.page_end.search(text) and (self.lines_on_page or not strict):
            self.close()
            return False
        if self.rules.end.search(text):
            self.check_total(quantity, page)
            self.close()
            self.open_table = False
            return True
        names_item = any(cells.get(name) for name in IDENTIFIERS)
        if quantity and names_item and (not strict or _priced(cells, self.style)):
            self.start(page, row, cells, outside)
        elif quantity and not names_item:
            self.check_total(quantity, page)  # an unlabelled subtotal row
            self.close()
        else:
            self.continue_text(row, cells, following)
        return True

    def start(self, page: PageText, row: Row, cells: dict[str, str], outside: list[Word]) -> None:
        self.close()
        line_id = cells.get("line_id")
        if line_id is None and len(outside) == 1 and re.fullmatch(r"\d{1,4}", outside[0].text):
            line_id = outside[0].text
        line = _Line(page.number, cells, line_id, row.bottom, row.height)
        self.lines_on_page += 1
        for above in self.pending:
            if row.top - above.bottom <= 1.2 * row.height:
                line.description.extend(self._description_words(above))
        self.pending = []
        if cells.get("description"):
            line.description.append(cells["description"])
        self.current = line

    def continue_text(self, row: Row, cells: dict[str, str], following: Row | None) -> None:
        line = self.current
        key_value = _KEY_VALUE.fullmatch(row.text)
        names_part = key_value is not None and _part_key(key_value["key"]) is not None
        # Forms reserve room for a second description row before "Item Code: ...", so a part
        # key may stand further below its line than plain text does.
        reach = (3.5 if names_part else 1.8) * line.height if line else 0.0
        if line is None or row.top - line.last_bottom > reach \
                or self._closer_to_next(row, line, following):
            self.close()
            self.pending.append(row)
            return
        if key_value:
            part = _part_key(key_value["key"])
            if part is not None:
                line.parts.setdefault(part, key_value["value"].strip())
            elif not _DROPPED_KEYS.fullmatch(key_value["key"]):
                line.description.append(row.text)
        elif cells.get("description"):
            line.description.append(cells["description"])
        line.last_bottom = row.bottom

    def _closer_to_next(self, row: Row, line: _Line, following: Row | None) -> bool:
        """Whether a text row belongs to the line below: forms that centre the figures in a
        tall cell print half the description above them."""
        if following is None or self.layout is None:
            return False
        cells = self.layout.cells(following)[0]
        starts_line = bool(split_quantity(cells.get("quantity", ""), self.style)) and any(
            cells.get(name) for name in IDENTIFIERS)
        return starts_line and following.top - row.bottom < row.top - line.last_bottom

    def _description_words(self, row: Row) -> list[str]:
        assert self.layout is not None
        text = self.layout.cells(row)[0].get("description")
        return [text] if text else []

    def close(self) -> None:
        if self.current is not None:
            self.built.append(self.current)
            quantity = split_quantity(self.current.cells.get("quantity", ""), self.style)
            if quantity:
                self.since_total += quantity[0].value
        self.current = None

    def check_total(self, quantity: tuple | None, page: PageText) -> None:
        """A totals row's quantity must equal the lines read since the last one."""
        self.close()
        if quantity is None:
            return
        printed = quantity[0].value
        if printed != self.since_total:
            self.note(0.3, f"the quantity total printed on page {page.number} ({printed}) is "
                           f"not the sum of the lines read above it ({self.since_total})")
        self.since_total = Decimal("0")

    def note(self, confidence: float, message: str) -> None:
        self.table_confidence = min(self.table_confidence, confidence)
        self.notes.append(message)


def _part_key(key: str) -> str | None:
    return next((name for name, pattern in _PART_KEYS.items() if pattern.fullmatch(key.strip())),
                None)


def _priced(cells: dict[str, str], style: NumberStyle | None) -> bool:
    """Whether a row on a page without header also has a price, unit or total where expected."""
    return any(parse_number(cells.get(name, ""), style) for name in ("unit_price", "line_total")) \
        or bool(cells.get("uom"))


def read_line_table(pages: list[PageText], rules: TableRules,
                    style: NumberStyle | None) -> TableRead | None:
    """The lines of the first table found and its continuations; None without a header."""
    reader = _Reader(rules, style)
    for page in pages:
        reader.read_page(page)
    if reader.layout is None:
        return None
    lines: list[ExtractedLine] = []
    confidence: dict[str, float] = {}
    for built in reader.built:
        number = len(lines) + 1
        line, sure = _finish(built, number, rules, style)
        lines.append(line)
        confidence.update({f"line {number} {name}": value for name, value in sure.items()})
    return TableRead(lines, confidence, reader.notes, reader.table_confidence)


def _finish(built: _Line, number: int, rules: TableRules,
            style: NumberStyle | None) -> tuple[ExtractedLine, dict[str, float]]:
    cells = built.cells
    quantity_value, unit_text = split_quantity(cells["quantity"], style) or (None, "")
    assert quantity_value is not None
    sure: dict[str, float] = {}
    sure["quantity"] = 0.6 if quantity_value.ambiguous else 0.95
    if quantity_value.value <= 0 or quantity_value.value >= 1_000_000:
        sure["quantity"] = 0.3  # nobody orders that; more likely a number from elsewhere
    price_text = cells.get("unit_price", "")
    price = parse_number(price_text, style) if price_text else None
    if price is None:
        sure["unit_price"] = 0.3 if price_text else 0.4
    else:
        sure["unit_price"] = 0.6 if price.ambiguous else 0.95
    total = parse_number(cells.get("line_total", ""), style)
    if price is not None and total is not None:
        if abs(quantity_value.value * price.value - total.value) <= Decimal("0.01") + total.value / 200:
            sure["quantity"] = sure["unit_price"] = 0.99
        else:
            sure["quantity"] = min(sure["quantity"], 0.5)
            sure["unit_price"] = min(sure["unit_price"], 0.5)
    description = _join(built.description) or None
    parts = {name: cells.get(name) or built.parts.get(name) for name in ("buyer_part", "vendor_part", "gtin")}
    if rules.part_in_description and description:
        match = rules.part_in_description.search(description)
        if match:
            parts[rules.part_field] = parts[rules.part_field] or match["part"]
            description = (description[:match.start()] + description[match.end():]).strip() or None
    gtin = parts["gtin"]
    if gtin and not _valid_gtin(gtin):
        sure["item"] = 0.6
    else:
        sure["item"] = 0.95 if any(parts.values()) else 0.75
    line = ExtractedLine(
        line_number=number, quantity=quantity_value.value, page=built.page,
        buyer_part=parts["buyer_part"], vendor_part=parts["vendor_part"], gtin=gtin,
        description=description, uom=cells.get("uom") or unit_text or None,
        unit_price=price.value if price else None, buyer_line_id=built.line_id)
    return line, sure


def _join(pieces: list[str]) -> str:
    text = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        # A word split at a hyphen over two rows ("PRE-" / "PACK") is one word.
        text = f"{text}{piece}" if text.endswith("-") else f"{text} {piece}".strip()
    return text


def _valid_gtin(code: str) -> bool:
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - weighted % 10) % 10 == check
