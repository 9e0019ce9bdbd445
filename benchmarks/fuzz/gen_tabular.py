"""Structure-aware order tables: a header row of known column names (or near misses), rows
of hostile values, any delimiter, encoding and BOM; now and then an XLSX built by openpyxl
(slower, so drawn less often) or a zip that only claims to be one."""

from __future__ import annotations

import csv
import io
import random
import zipfile

from ordergate.parsers.tabular.columns import SYNONYMS

from . import hostile

_FIELDS = list(SYNONYMS)
_VALUE = {
    "quantity": hostile.number, "unit_price": hostile.number, "po_date": hostile.date,
    "requested_date": hostile.date, "gtin": lambda rng: rng.choice(
        ("071234000050", "4012345000016", "0", "1" * 14, "1" * 40, hostile.number(rng))),
    "customer_id": lambda rng: rng.choice(("ACME", "INITECH", "GLOBEX", "", hostile.ident(rng))),
    "sku": lambda rng: rng.choice(("HW-1001", "HW-1002", "HW-1020", hostile.text(rng))),
    "currency": lambda rng: rng.choice(("USD", "EUR", "", "usd", "€", hostile.text(rng))),
}


def table(rng: random.Random) -> bytes:
    columns = rng.sample(_FIELDS, rng.randrange(1, min(10, len(_FIELDS))))
    for must in ("po_number", "quantity", "sku"):
        if must not in columns and rng.random() < 0.85:
            columns.insert(rng.randrange(len(columns) + 1), must)
    header = [_header_text(rng, c) for c in columns]
    rows = [[_value(rng, c) for c in columns] for _ in range(rng.choice((0, 1, 2, 5, 30)))]
    if rng.random() < 0.2:  # ragged rows
        rows = [r[:rng.randrange(len(r) + 1)] + [hostile.text(rng)] * rng.randrange(3) for r in rows]
    preamble = [[hostile.text(rng)] for _ in range(rng.choice((0, 0, 0, 1, 3)))]
    if rng.random() < 0.08:
        return _xlsx(preamble + [header] + rows)
    if rng.random() < 0.02:
        return _fake_zip(rng)
    return _csv(rng, preamble + [header] + rows)


def _header_text(rng: random.Random, canonical: str) -> str:
    name = rng.choice((canonical,) + SYNONYMS[canonical])
    roll = rng.random()
    if roll < 0.05:
        return name.upper() + rng.choice((" ", ".", "#", "\u00a0"))
    if roll < 0.08:
        return hostile.text(rng)
    return name


def _value(rng: random.Random, column: str) -> str:
    maker = _VALUE.get(column, hostile.text)
    return maker(rng)


def _csv(rng: random.Random, rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    delimiter = rng.choice((",", ";", "\t", "|", ",", " "))
    quoting = rng.choice((csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE))
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, escapechar="\\",
                        lineterminator=rng.choice(("\r\n", "\n", "\r")))
    try:
        writer.writerows(rows)
    except csv.Error:  # QUOTE_NONE cannot write an empty single field
        return _csv(rng, [[v or "-" for v in row] for row in rows])
    text = buffer.getvalue()
    encoding = rng.choice(("utf-8", "utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"))
    data = text.encode(encoding, "replace")
    if rng.random() < 0.05:
        data = data.replace(b",", b"\x00", 1)
    return data


def _xlsx(rows: list[list[str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        # openpyxl refuses control characters in cells; a spreadsheet cannot hold them either
        sheet.append(["".join(ch for ch in v if ch >= " " or ch in "\t\n\r") for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fake_zip(rng: random.Random) -> bytes:
    """A zip with workbook-ish names but nonsense inside: the reader must refuse it cleanly."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in rng.sample(("[Content_Types].xml", "xl/workbook.xml",
                                "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                "_rels/.rels"), rng.randrange(1, 5)):
            archive.writestr(name, rng.choice((b"", b"<x/>", b"<?xml version='1.0'?><a>",
                                               rng.randbytes(64))))
    return out.getvalue()
