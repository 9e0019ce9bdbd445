"""Setting the sample master data up for one test: a stock row, a credit limit, ACME's profile,
and reading back the stored order and its lines, for the stock, credit and release tests."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, Row, update

from ordergate.masterdata.profiles import PARTNERS_FOLDER, seed_profiles
from ordergate.store import tables as t
from tests.kit.x12 import SAMPLE_UNITS, Item, rows, sku

MASTERDATA = Path(__file__).resolve().parents[2] / "samples" / "masterdata"
# The clock the profile loads and holds are stamped with, so a test can name the moment.
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


def line(code: str, qty: int | str) -> Item:
    """A line of our SKU in its own unit at the sample price: nothing but stock or credit
    can hold it."""
    return sku(code, str(qty), uom=SAMPLE_UNITS[code])


def set_acme_profile(engine: Engine, tmp_path: Path, extra_yaml: str) -> None:
    """ACME's sample profile plus ``extra_yaml``, loaded the way ``ordergate seed`` loads it
    (the sample's ship-to codes must stay, or every order would be held for its ship-to)."""
    folder = tmp_path / "profiles" / PARTNERS_FOLDER
    folder.mkdir(parents=True)
    sample = (MASTERDATA / PARTNERS_FOLDER / "ACME.yaml").read_text(encoding="utf-8")
    (folder / "ACME.yaml").write_text(f"{sample}\n{extra_yaml}\n", encoding="utf-8")
    assert seed_profiles(engine, folder, NOW) == 1


def set_stock(engine: Engine, code: str, **values) -> None:
    with engine.begin() as conn:
        changed = conn.execute(update(t.stock).where(t.stock.c.sku == code).values(**values))
    assert changed.rowcount == 1, f"no stock row for {code}"


def set_credit_limit(engine: Engine, customer_id: str, limit: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(t.customers).where(t.customers.c.customer_id == customer_id)
                     .values(credit_limit=None if limit is None else Decimal(limit)))


def stock_of(engine: Engine, code: str) -> Row:
    [row] = rows(engine, t.stock, t.stock.c.sku == code)
    return row


def lines_of(engine: Engine, order_id: int) -> list[Row]:
    return rows(engine, t.order_lines, t.order_lines.c.order_id == order_id)


def stored_order(engine: Engine, order_id: int) -> Row:
    [row] = rows(engine, t.orders, t.orders.c.id == order_id)
    return row
