"""Which column of an order table holds what: canonical field names, the header synonyms
recognised without configuration, per-customer ``ColumnMap``s, and finding the header row.

Headers are compared after ``normalise_header`` (case, spaces, punctuation and accents ignored),
so "PO #", "po_number" and "P.O. Number" are one name to the table below.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ordergate.errors import DocumentError

# Order matters only for messages: it is the order fields are listed in.
CANONICAL_FIELDS: tuple[str, ...] = (
    "customer_id", "po_number", "po_date", "currency", "requested_date",
    "buyer_line_id", "sku", "buyer_part", "gtin", "description", "quantity", "uom", "unit_price",
    "ship_to_name", "ship_to_street", "ship_to_street_2", "ship_to_city", "ship_to_state",
    "ship_to_postal_code", "ship_to_country",
)
# A line must say which item it wants in at least one of these.
ITEM_FIELDS: tuple[str, ...] = ("sku", "buyer_part", "gtin", "description")

# Header texts seen in customers' exports, besides the canonical name itself. English first,
# then German (the usual language of the semicolon/decimal-comma exports we receive).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": ("Customer", "Customer ID", "Customer No", "Customer Number", "Customer Code",
                    "Cust No", "Account", "Account No", "Kunde", "Kundennummer", "Kundennr"),
    "po_number": ("PO", "PO #", "PO No", "PO Nr", "PO Num", "PO Number", "Purchase Order",
                  "Purchase Order No", "Purchase Order Number", "Order No", "Order Number",
                  "Order #", "Bestellnummer", "Bestellnr", "Bestellung"),
    "po_date": ("PO Date", "Order Date", "Purchase Order Date", "Date Ordered", "Bestelldatum"),
    "currency": ("Currency", "Curr", "Currency Code", "Währung"),
    "requested_date": ("Requested Date", "Request Date", "Requested Delivery Date",
                       "Delivery Date", "Required Date", "Date Required", "Need By",
                       "Need By Date", "Due Date", "Liefertermin", "Lieferdatum", "Wunschtermin"),
    "buyer_line_id": ("Line", "Line No", "Line #", "Line Number", "PO Line", "Pos", "Position",
                      "Pos Nr"),
    "sku": ("SKU", "Item", "Item #", "Item No", "Item Number", "Item Code", "Vendor Part",
            "Vendor Part No", "Vendor Part Number", "Supplier Part", "Supplier Part No",
            "Product Code", "Product No", "Article No", "Artikel", "Artikelnummer", "Artikelnr",
            "Art Nr"),
    "buyer_part": ("Buyer Part", "Buyer Part No", "Buyer Part Number", "Customer Part",
                   "Customer Part No", "Customer Part Number", "Customer Item", "Customer Item No",
                   "Kundenartikelnummer", "Kundenartikelnr"),
    "gtin": ("GTIN", "EAN", "UPC", "Barcode", "EAN Code", "UPC Code", "EAN13", "GTIN14"),
    "description": ("Description", "Item Description", "Product Description", "Desc",
                    "Product Name", "Item Name", "Bezeichnung", "Artikelbezeichnung",
                    "Beschreibung"),
    "quantity": ("Qty", "Quantity", "Qty Ordered", "Ordered Qty", "Order Qty", "Quantity Ordered",
                 "Order Quantity", "PO Qty", "Menge", "Anzahl", "Bestellmenge"),
    "uom": ("UOM", "U/M", "UM", "Unit", "Unit of Measure", "Einheit", "ME", "Mengeneinheit"),
    "unit_price": ("Price", "Unit Price", "Unit Cost", "Cost", "Price Each", "Net Price",
                   "Price per Unit", "Preis", "Einzelpreis", "Stückpreis", "Nettopreis"),
    "ship_to_name": ("Ship To", "Ship To Name", "Deliver To", "Delivery Name", "Consignee",
                     "Empfänger", "Lieferempfänger"),
    "ship_to_street": ("Ship To Street", "Ship To Address", "Ship To Address 1", "Street",
                       "Address", "Address 1", "Delivery Address", "Straße", "Lieferstraße"),
    "ship_to_street_2": ("Ship To Street 2", "Ship To Address 2", "Street 2", "Address 2"),
    "ship_to_city": ("Ship To City", "City", "Town", "Ort", "Stadt", "Lieferort"),
    "ship_to_state": ("Ship To State", "State", "Province", "Bundesland"),
    "ship_to_postal_code": ("Ship To Zip", "Ship To Postal Code", "Zip", "ZIP Code", "Postal Code",
                            "Postcode", "Post Code", "PLZ", "Postleitzahl"),
    "ship_to_country": ("Ship To Country", "Country", "Country Code", "Land"),
}

HEADER_SCAN_ROWS = 20
# Without a column map, a header row must name the quantity and this many known fields in all.
# The quantity is what tells a header from key/value rows above a table ("Order Date: |
# 2025-01-02 | Currency: | EUR"), which name known fields too but never a quantity.
MIN_KNOWN_FIELDS = 2


def normalise_header(text: str) -> str:
    """Lower case, letters and digits only, accents dropped: "Stück-Preis " → "stuckpreis"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical in CANONICAL_FIELDS:
        for name in (canonical, *SYNONYMS.get(canonical, ())):
            key = normalise_header(name)
            if lookup.setdefault(key, canonical) != canonical:
                raise ValueError(f"header synonym {name!r} is listed for both "
                                 f"{lookup[key]} and {canonical}")
    return lookup


# normalised header text -> canonical field
KNOWN_HEADERS: dict[str, str] = _build_lookup()


class ColumnMap(BaseModel):
    """How one customer's order files are laid out.

    ``columns`` maps canonical fields to the header text the customer uses; with a map only the
    mapped columns are read (no synonyms), so a profile says exactly what is used.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str]
    header_row: int | None = Field(default=None, ge=1)  # the file's row number; None: find it
    decimal_comma: bool | None = None  # None: decide from the file's numbers
    date_format: str | None = None  # strptime format, e.g. "%d.%m.%Y"; None: recognise
    customer_id: str | None = None  # the customer these files come from

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(CANONICAL_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; known fields: "
                             f"{', '.join(CANONICAL_FIELDS)}")
        for field, header in columns.items():
            if not normalise_header(header):
                raise ValueError(f"the header for {field} has no letters or digits: {header!r}")
        missing = [field for field in ("po_number", "quantity") if field not in columns]
        if not any(field in columns for field in ITEM_FIELDS):
            missing.append(" or ".join(ITEM_FIELDS))
        if missing:
            raise ValueError(f"a column map must name the column of {', '.join(missing)}")
        return columns

    @field_validator("date_format")
    @classmethod
    def _usable_format(cls, fmt: str | None) -> str | None:
        if fmt is None:
            return fmt
        sample = date(2031, 12, 24)
        try:
            read_back = datetime.strptime(sample.strftime(fmt), fmt).date()
        except ValueError as exc:
            raise ValueError(f"date_format {fmt!r} cannot read back its own dates: {exc}") from exc
        if read_back != sample:
            raise ValueError(f"date_format {fmt!r} does not hold a whole date (day, month, year)")
        return fmt


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """Where the header is and which column (0-based) holds each canonical field found."""

    row_index: int  # 0-based index into the sheet's rows
    columns: dict[str, int]
    headers: list[str]  # the header row's cells as written, for messages

    @property
    def row_number(self) -> int:
        return self.row_index + 1

    def header_of(self, field: str) -> str:
        return self.headers[self.columns[field]].strip()


def find_header(rows: list[list[str]], column_map: ColumnMap | None = None,
                scan_rows: int = HEADER_SCAN_ROWS) -> HeaderMatch | None:
    """The first row (within ``scan_rows``) that is the header, or None when no row is.

    With a column map the header is the row holding every mapped header text (or the map's
    ``header_row``, checked); without one it is a row of known names including the quantity.
    Two columns claiming one field raise ``DocumentError``: guessing could ship wrong goods.
    """
    if column_map is not None and column_map.header_row is not None:
        index = column_map.header_row - 1
        candidates = range(index, index + 1) if index < len(rows) else range(0)
    else:
        candidates = range(min(scan_rows, len(rows)))
    for index in candidates:
        cells = [normalise_header(cell) for cell in rows[index]]
        columns = (_mapped_columns(cells, column_map) if column_map is not None
                   else _recognised_columns(cells))
        if columns is not None:
            _refuse_duplicates(rows[index], cells, columns, column_map)
            return HeaderMatch(index, {f: c[0] for f, c in columns.items()}, rows[index])
    return None


def _mapped_columns(cells: list[str], column_map: ColumnMap) -> dict[str, list[int]] | None:
    columns = {}
    for field, header in column_map.columns.items():
        wanted = normalise_header(header)
        found = [i for i, cell in enumerate(cells) if cell == wanted]
        if not found:
            return None
        columns[field] = found
    return columns


def _recognised_columns(cells: list[str]) -> dict[str, list[int]] | None:
    columns: dict[str, list[int]] = {}
    for i, cell in enumerate(cells):
        field = KNOWN_HEADERS.get(cell)
        if field is not None:
            columns.setdefault(field, []).append(i)
    if "quantity" not in columns or len(columns) < MIN_KNOWN_FIELDS:
        return None
    return columns


def _refuse_duplicates(row: list[str], cells: list[str], columns: dict[str, list[int]],
                       column_map: ColumnMap | None) -> None:
    for field, found in columns.items():
        if len(found) > 1:
            named = " and ".join(f"'{row[i].strip()}' (column {i + 1})" for i in found)
            fix = "rename one of them in the column map" if column_map else "give a column map"
            raise DocumentError(f"columns {named} both look like {field}; {fix} to say which "
                                "one holds it")
