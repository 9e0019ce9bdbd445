"""Loading master data (customers, products, stock, prices, item cross-references) from CSV files.

Every row is validated by a pydantic model and checked against the database (references,
unique keys) before anything is written. A file is all or nothing: either every row is
upserted in one transaction, or ``MasterDataError`` lists every bad row of it with file,
line and field and nothing of that file changes. Files load in dependency order, one
transaction each, and the load stops at the first bad file; files before it stay loaded,
and loading again is safe because every write is an upsert.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import Connection, Engine, String, Table, select
from sqlalchemy.exc import IntegrityError

from ordergate.clock import utcnow
from ordergate.errors import ConfigError
from ordergate.gs1 import check_digit
from ordergate.masterdata.company import COMPANY_FILE, seed_company
from ordergate.masterdata.problems import MasterDataError, Problem
from ordergate.masterdata.profiles import PARTNERS_FOLDER, seed_profiles
from ordergate.masterdata.terms import parse_terms
from ordergate.settings import X12Identity
from ordergate.store.db import upsert
from ordergate.store.tables import customers, item_xref, prices, products, stock

_BATCH = 1000  # rows per executemany / IN (...) list, well under every driver's parameter limit

Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False)]
Quantity = Money  # stock counts share the money precision, Numeric(18, 4)
Text = Annotated[str, Field(min_length=1)]


# ---------------------------------------------------------------- report
@dataclass(frozen=True)
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)  # file name -> rows loaded

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# ---------------------------------------------------------------- row models
class _Row(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data):
        # An empty cell means "no value": optional fields default to None, required ones are reported.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data


class CustomerRow(_Row):
    customer_id: Text
    name: Text
    email: str | None = None
    x12_id: str | None = None
    edifact_id: str | None = None
    credit_limit: Money | None = None
    currency: str | None = None
    payment_terms: str | None = None  # NET30 when empty
    tax_rate: Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)] | None = None
    tax_id: Annotated[str, Field(max_length=40)] | None = None
    invoice_email: str | None = None

    @field_validator("email", "invoice_email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is not None and (value.count("@") != 1 or " " in value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("payment_terms")
    @classmethod
    def _check_terms(cls, value: str | None) -> str | None:
        return None if value is None else parse_terms(value).text

    @field_validator("x12_id")
    @classmethod
    def _check_x12_id(cls, value: str | None) -> str | None:
        return None if value is None else str(X12Identity.parse(value))

    @field_validator("currency")
    @classmethod
    def _check_currency(cls, value: str | None) -> str | None:
        if value is not None and not (len(value) == 3 and value.isascii() and value.isalpha()):
            raise ValueError(f"{value!r} is not a 3-letter currency code")
        return None if value is None else value.upper()


class ProductRow(_Row):
    sku: Text
    description: str | None = None
    gtin: str | None = None
    uom: str | None = None
    list_price: Money | None = None

    @field_validator("gtin")
    @classmethod
    def _check_gtin(cls, value: str | None) -> str | None:
        return None if value is None else normalise_gtin(value)

    @field_validator("uom")
    @classmethod
    def _upper_uom(cls, value: str | None) -> str | None:
        return None if value is None else value.upper()


class StockRow(_Row):
    sku: Text
    on_hand: Quantity
    # Optional columns: below reorder_point available units, suggest ordering reorder_quantity.
    reorder_point: Quantity | None = None
    reorder_quantity: Quantity | None = None
    location: Annotated[str, Field(min_length=1, max_length=40)] | None = None  # the bin


class PriceRow(_Row):
    customer_id: Text
    sku: Text
    unit_price: Money


class ItemXrefRow(_Row):
    customer_id: Text
    buyer_part: Text
    sku: Text


def normalise_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 as 14 digits, zero-padded; raises ValueError on a bad length or check digit."""
    if not value.isascii() or not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise ValueError(f"{value!r} is not a GTIN (8, 12, 13 or 14 digits)")
    padded = value.zfill(14)
    expected = check_digit(padded[:-1])
    if padded[-1] != expected:
        raise ValueError(f"{value!r} has a bad check digit (expected {expected})")
    return padded


# ---------------------------------------------------------------- file specs
@dataclass(frozen=True)
class _FileSpec:
    filename: str
    table: Table
    model: type[_Row]
    references: dict[str, Table] = field(default_factory=dict)  # field -> table it must name
    optional: tuple[str, ...] = ()  # columns a file may leave out

    @property
    def columns(self) -> list[str]:
        return list(self.model.model_fields)

    @property
    def required(self) -> list[str]:
        return [name for name in self.model.model_fields if name not in self.optional]

    @property
    def expected(self) -> str:
        """The header as the error messages spell it."""
        extra = f" (optional: {','.join(self.optional)})" if self.optional else ""
        return ",".join(self.required) + extra


# Dependency order: what a file refers to is loaded before it.
SPECS = (
    _FileSpec("customers.csv", customers, CustomerRow,
              optional=("payment_terms", "tax_rate", "tax_id", "invoice_email")),
    _FileSpec("products.csv", products, ProductRow),
    _FileSpec("stock.csv", stock, StockRow, {"sku": products},
              optional=("reorder_point", "reorder_quantity", "location")),
    _FileSpec("prices.csv", prices, PriceRow, {"customer_id": customers, "sku": products}),
    _FileSpec("item_xref.csv", item_xref, ItemXrefRow, {"customer_id": customers, "sku": products}),
)


def seed_masterdata(engine: Engine, folder: Path) -> SeedReport:
    """Upsert whichever master data files exist in ``folder``; returns rows loaded per file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"master data folder {folder} does not exist")
    counts: dict[str, int] = {}
    for spec in SPECS:
        path = folder / spec.filename
        if path.is_file():
            counts[spec.filename] = _load_file(engine, spec, path)
    partners = folder / PARTNERS_FOLDER
    if partners.is_dir():  # after customers.csv: a profile names a customer
        counts[f"{PARTNERS_FOLDER}/"] = seed_profiles(engine, partners, utcnow())
    company = folder / COMPANY_FILE
    if company.is_file():
        seed_company(engine, company, utcnow())
        counts[COMPANY_FILE] = 1
    return SeedReport(counts)


def _load_file(engine: Engine, spec: _FileSpec, path: Path) -> int:
    raw, problems = _read_csv(spec, path)
    with engine.begin() as conn:
        records, invalid = _validate_rows(spec, raw)
        problems += invalid
        problems += _check_references(conn, spec, records)
        problems += _check_unique(conn, spec, records)
        if problems:
            order = {name: i for i, name in enumerate(spec.columns)}
            raise MasterDataError(sorted(problems, key=lambda p: (p.line or 0, order.get(p.field, -1))))
        stmt = upsert(conn, spec.table, update_columns=spec.columns)
        rows = [values for _, values in records]
        try:
            for start in range(0, len(rows), _BATCH):
                conn.execute(stmt, rows[start:start + _BATCH])
        except IntegrityError as exc:
            # The checks above should have caught it; a concurrent change still can.
            raise MasterDataError([Problem(spec.filename, None, None, str(exc.orig))]) from exc
    return len(rows)


def _read_csv(spec: _FileSpec, path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The data rows as (line number, {column: text}) and rows with the wrong number of fields.

    A file that cannot be read as CSV with the expected header raises at once.
    """
    name, expected = spec.filename, spec.expected
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[Problem] = []
    try:
        # utf-8-sig drops the byte order mark spreadsheet programs put in front.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise _file_error(name, f"is empty; expected columns {expected}")
            header = [h.strip().lower() for h in header]
            _check_header(name, header, spec.columns, spec.required, expected)
            previous_end = reader.line_num
            for cells in reader:
                # A quoted field may span lines: a row starts after the previous one ended.
                line, previous_end = previous_end + 1, reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    problems.append(Problem(
                        name, line, None, f"has {len(cells)} fields, expected {len(header)} ({','.join(header)})"))
                    continue
                rows.append((line, dict(zip(header, cells))))
    except UnicodeDecodeError as exc:
        raise _file_error(name, f"is not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    except csv.Error as exc:
        raise _file_error(name, f"is not valid CSV: {exc}", reader.line_num) from exc
    return rows, problems


def _file_error(name: str, message: str, line: int | None = None) -> MasterDataError:
    return MasterDataError([Problem(name, line, None, message)])


def _check_header(name: str, header: list[str], columns: list[str], required: list[str],
                  expected: str) -> None:
    found = {
        "unknown": [h for h in header if h not in columns],
        "missing": [c for c in required if c not in header],
        "repeated": sorted({h for h in header if header.count(h) > 1}),
    }
    parts = [f"{label} column(s) {', '.join(repr(c) for c in cols)}"
             for label, cols in found.items() if cols]
    if parts:
        raise _file_error(name, f"{'; '.join(parts)}; expected columns {expected}", 1)


def _validate_rows(spec: _FileSpec, raw: list[tuple[int, dict[str, str]]]):
    records: list[tuple[int, dict]] = []
    problems: list[Problem] = []
    # Checked here because SQLite would store an over-long value silently and PostgreSQL would
    # fail the whole batch without saying which row.
    lengths = {c.name: c.type.length for c in spec.table.columns
               if isinstance(c.type, String) and c.type.length}
    for line, cells in raw:
        try:
            values = spec.model.model_validate(cells).model_dump()
        except ValidationError as exc:
            problems += [Problem(spec.filename, line, _field_of(e), _describe(e)) for e in exc.errors()]
            continue
        too_long = [
            Problem(spec.filename, line, col, f"{values[col]!r} is longer than {size} characters")
            for col, size in lengths.items() if isinstance(values.get(col), str) and len(values[col]) > size
        ]
        if too_long:
            problems += too_long
            continue
        records.append((line, values))
    problems += _check_duplicates(spec, records)
    return records, problems


def _field_of(err) -> str | None:
    return str(err["loc"][0]) if err.get("loc") else None


def _describe(err) -> str:
    """A pydantic error as a sentence about the cell, e.g. "'abc' is not a number"."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in ("decimal_parsing", "decimal_type", "finite_number"):
        return f"{value!r} is not a number"
    if kind == "greater_than_equal":
        return f"{value!r} must not be negative"
    if kind == "decimal_max_places":
        return f"{value!r} has more than {ctx.get('decimal_places')} decimal places"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return f"{value!r} has too many digits"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{value!r}: {err['msg']}"


def _key_columns(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _check_duplicates(spec: _FileSpec, records) -> list[Problem]:
    # Two rows for one key would make the upsert depend on row order (and fail on PostgreSQL).
    problems = []
    keys = _key_columns(spec.table)
    uniques = [[c.name] for c in spec.table.columns if c.unique]
    for cols in [keys, *uniques]:
        seen: dict[tuple, int] = {}
        for line, values in records:
            value = tuple(values[c] for c in cols)
            if None in value:
                continue
            if value in seen:
                shown = value[0] if len(value) == 1 else value
                problems.append(Problem(spec.filename, line, cols[-1],
                                        f"{shown!r} already appears on line {seen[value]}"))
            else:
                seen[value] = line
    return problems


def _chunks(values: list, size: int = _BATCH) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _check_references(conn: Connection, spec: _FileSpec, records) -> list[Problem]:
    problems = []
    for name, target in spec.references.items():
        target_col = target.c[_key_columns(target)[0]]
        wanted = sorted({values[name] for _, values in records})
        found: set[str] = set()
        for chunk in _chunks(wanted):
            found.update(conn.scalars(select(target_col).where(target_col.in_(chunk))))
        problems += [Problem(spec.filename, line, name, f"{values[name]!r} is not in {target.name}")
                     for line, values in records if values[name] not in found]
    return problems


def _check_unique(conn: Connection, spec: _FileSpec, records) -> list[Problem]:
    """Unique values (GTIN, X12 id...) that the database already holds for a different key."""
    problems = []
    keys = _key_columns(spec.table)
    for column in (c for c in spec.table.columns if c.unique):
        wanted = sorted({v[column.name] for _, v in records if v[column.name] is not None})
        owners: dict[str, tuple] = {}
        for chunk in _chunks(wanted):
            query = select(column, *(spec.table.c[k] for k in keys)).where(column.in_(chunk))
            owners.update((row[0], tuple(row[1:])) for row in conn.execute(query))
        for line, values in records:
            owner = owners.get(values[column.name])
            if owner is not None and owner != tuple(values[k] for k in keys):
                shown = owner[0] if len(owner) == 1 else owner
                problems.append(Problem(spec.filename, line, column.name,
                                        f"{values[column.name]!r} already belongs to {keys[0]} {shown!r}"))
    return problems
