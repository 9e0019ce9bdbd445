"""Payments as CSV (``ordergate payments import``): columns ``customer_id``,
``invoice_number``, ``amount``, ``currency``, ``paid_on`` (YYYY-MM-DD), ``reference``.

A bad row (a field that does not read, an unknown invoice, another currency) fails that row
with file, line and field; the other rows are applied. A reference seen before is reported as
a duplicate and applied once: importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Engine

from ordergate.billing.receivables import (
    REFUSED,
    PaymentIn,
    PaymentResult,
    apply_payments,
)
from ordergate.errors import DocumentError
from ordergate.parsers.csv_rows import spanning_problem

COLUMNS = ("customer_id", "invoice_number", "amount", "currency", "paid_on", "reference")
MAX_FILE_BYTES = 20 * 1024 * 1024


class PaymentFileError(DocumentError):
    """The file as a whole cannot be read."""


@dataclass(slots=True)
class PaymentRow:
    line: int
    result: PaymentResult | None = None
    problem: str | None = None

    @property
    def status(self) -> str:
        return REFUSED if self.problem else self.result.status

    @property
    def error(self) -> str | None:
        return self.problem or (self.result.reason if self.result else None)


def import_payments(engine: Engine, content: bytes, name: str, *, actor: str,
                    now: datetime) -> list[PaymentRow]:
    rows, payments = _read(content, name)
    with engine.begin() as conn:
        results = apply_payments(conn, [payment for _, payment in payments], actor=actor, now=now)
    for (row, _), result in zip(payments, results):
        row.result = result
        if result.status == REFUSED:
            row.problem = f"{name} line {row.line}, field invoice_number: {result.reason}"
    return rows


def _read(content: bytes, name: str) -> tuple[list[PaymentRow], list[tuple[PaymentRow, PaymentIn]]]:
    if len(content) > MAX_FILE_BYTES:
        raise PaymentFileError(f"{name} is larger than {MAX_FILE_BYTES:,} bytes")
    text = content.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise PaymentFileError(f"{name} is empty") from None
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise PaymentFileError(f"{name} line 1: the header has no column {', '.join(missing)} "
                               f"(columns: {','.join(COLUMNS)})")
    rows, payments = [], []
    last = reader.line_num
    try:
        for cells in reader:
            first, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            value = dict(zip(header, (cell.strip() for cell in cells)))
            row = PaymentRow(reader.line_num)
            rows.append(row)
            row.problem = spanning_problem(name, first, last, cells)
            if row.problem:
                continue
            payment, row.problem = _payment(value, name, reader.line_num)
            if payment is not None:
                payments.append((row, payment))
    except csv.Error as exc:
        raise PaymentFileError(f"{name} line {reader.line_num}: {exc}") from None
    return rows, payments


def _payment(value: dict[str, str], name: str, line: int) -> tuple[PaymentIn | None, str | None]:
    def bad(field_name: str, why: str):
        return None, f"{name} line {line}, field {field_name}: {why}"

    for column in ("customer_id", "invoice_number", "reference"):
        if not value.get(column):
            return bad(column, "empty")
        if len(value[column]) > 200:
            return bad(column, "longer than 200 characters")
    try:
        amount = Decimal(value.get("amount", ""))
    except InvalidOperation:
        return bad("amount", f"{value.get('amount', '')[:20]!r} is not an amount")
    if not amount.is_finite() or amount <= 0 or amount.adjusted() >= 14 or amount != amount.quantize(Decimal("0.01")):
        return bad("amount", f"{value['amount'][:20]!r} is not an amount above 0 in cents")
    currency = value.get("currency", "").upper()
    if len(currency) != 3 or not currency.isalpha():
        return bad("currency", f"{value.get('currency', '')[:10]!r} is not a 3-letter currency code")
    try:
        paid_on = date.fromisoformat(value.get("paid_on", ""))
    except ValueError:
        return bad("paid_on", f"{value.get('paid_on', '')[:20]!r} is not a date (YYYY-MM-DD)")
    return PaymentIn(value["customer_id"], value["invoice_number"], amount, currency, paid_on,
                     value["reference"], f"{name} line {line}"), None
