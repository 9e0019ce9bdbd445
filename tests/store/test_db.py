"""Engines, migrations and ON CONFLICT helpers, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ordergate.errors import ConfigError
from ordergate.store import tables as t
from ordergate.store.db import (
    alembic_config,
    current_revision,
    head_revision,
    insert_ignore,
    make_engine,
    normalise_url,
    upgrade,
    upsert,
)


def _schema_diff(engine, metadata=t.metadata) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


# ---------------------------------------------------------------- URLs and SQLite setup
@pytest.mark.parametrize("url", ["postgres://u:pw@db.example/og", "postgresql://u:pw@db.example/og"])
def test_driverless_postgres_urls_use_psycopg3(url):
    assert normalise_url(url).drivername == "postgresql+psycopg"
    assert make_engine(url).url.drivername == "postgresql+psycopg"


def test_explicit_driver_and_sqlite_urls_are_kept():
    assert normalise_url("postgresql+asyncpg://u@h/db").drivername == "postgresql+asyncpg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"


def test_sqlite_connections_get_wal_foreign_keys_and_busy_timeout(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_sqlite_transactions_take_the_write_lock_at_begin(sqlite_engine):
    # With BEGIN IMMEDIATE a second writer waits (here: fails at once) when it begins, instead of
    # starting a read transaction that can never be upgraded to a write.
    with sqlite_engine.connect() as first, sqlite_engine.connect() as second:
        first.begin()
        first.execute(select(1))
        second.connection.driver_connection.execute("PRAGMA busy_timeout=0")
        with pytest.raises(OperationalError, match="locked"):
            second.begin()
            second.execute(select(1))
        second.rollback()
        first.rollback()


def test_rollback_really_rolls_back_on_sqlite(sqlite_engine):
    with sqlite_engine.connect() as conn:
        with conn.begin():
            conn.execute(t.control_numbers.insert(), {"partner_id": "P", "sequence": "isa", "last_value": 1})
        trans = conn.begin()
        conn.execute(t.control_numbers.delete())
        trans.rollback()
        assert conn.execute(select(t.control_numbers.c.last_value)).scalar_one() == 1


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(t.stock.insert(), {"sku": "NO-SUCH-SKU", "on_hand": 1})


# ---------------------------------------------------------------- migrations
def test_upgrade_reaches_head_and_matches_tables_module(engine):
    assert current_revision(engine) == head_revision() == "0014"
    assert _schema_diff(engine) == []


def test_schema_comparison_would_notice_a_difference(engine):
    # Guards the test above against passing vacuously.
    extra = MetaData()
    for table in t.metadata.sorted_tables:
        table.to_metadata(extra)
    extra.tables["outbox"].append_column(Column("new_column", Integer))
    diff = _schema_diff(engine, extra)
    assert [d[0] for d in diff] == ["add_column"]
    assert diff[0][3].name == "new_column"


def test_upgrade_is_idempotent(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_fresh_database_has_no_revision(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert set(t.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_fresh_postgres_database_upgrades_and_downgrades(make_pg_database):
    engine = make_engine(make_pg_database())
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert _schema_diff(engine) == []
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert current_revision(engine) is None
        assert inspect(engine).get_table_names() == ["alembic_version"]
    finally:
        engine.dispose()


def test_workers_upgrading_a_fresh_database_at_once_all_succeed(make_pg_database, tmp_path):
    for url in (make_pg_database(), f"sqlite:///{tmp_path / 'fresh.db'}"):
        engine = make_engine(url, pool_size=4)
        try:
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda _: upgrade(engine), range(4)))  # re-raises any failure
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()


def test_downgrade_to_base_and_back_on_sqlite(sqlite_engine):
    with sqlite_engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert inspect(sqlite_engine).get_table_names() == ["alembic_version"]
    upgrade(sqlite_engine)
    assert _schema_diff(sqlite_engine) == []


# ---------------------------------------------------------------- ON CONFLICT
def test_insert_ignore_keeps_the_first_row(engine):
    row = {"partner_id": "P", "sequence": "isa", "last_value": 5}
    with engine.begin() as conn:
        conn.execute(insert_ignore(conn, t.control_numbers), row)
        conn.execute(insert_ignore(conn, t.control_numbers), {**row, "last_value": 9})
        assert conn.execute(select(t.control_numbers.c.last_value)).scalars().all() == [5]


def test_insert_ignore_skips_conflicts_on_any_unique_key(engine):
    rows = [{"sku": "A", "gtin": "00000000000017", "active": True},
            {"sku": "B", "gtin": "00000000000017", "active": True}]
    with engine.begin() as conn:
        conn.execute(insert_ignore(conn, t.products), rows)
        assert conn.execute(select(t.products.c.sku)).scalars().all() == ["A"]


def test_upsert_updates_only_the_named_columns(engine):
    with engine.begin() as conn:
        conn.execute(t.products.insert(), {"sku": "A", "description": "old", "uom": "EA", "active": False})
        conn.execute(upsert(conn, t.products, ["description"]),
                     [{"sku": "A", "description": "new", "uom": "CS"},
                      {"sku": "B", "description": "fresh", "uom": "CS"}])
        rows = conn.execute(select(t.products.c.sku, t.products.c.description, t.products.c.uom,
                                   t.products.c.active).order_by("sku")).all()
    assert [tuple(r) for r in rows] == [("A", "new", "EA", False), ("B", "fresh", "CS", True)]


def test_upsert_defaults_to_every_non_key_column(engine):
    with engine.begin() as conn:
        conn.execute(t.products.insert(), {"sku": "X", "active": True})
        conn.execute(upsert(conn, t.stock), {"sku": "X", "on_hand": 3})
        conn.execute(upsert(conn, t.stock), {"sku": "X", "on_hand": 7})
        assert conn.execute(select(t.stock.c.on_hand)).scalar_one() == 7


@pytest.mark.parametrize("helper", [insert_ignore, upsert])
def test_unsupported_dialect_is_a_config_error_naming_the_supported_ones(helper):
    with pytest.raises(ConfigError, match=r"'mysql' is not supported; supported: postgresql, sqlite"):
        helper("mysql", t.products)


def test_bulk_inserted_decimals_come_back_exactly_and_as_numbers(engine):
    """On SQLite they go in as text (cheaper than float()): NUMERIC affinity must still store
    numbers, which sort and add up as numbers, and read back as the same Decimals."""
    from decimal import Decimal

    from sqlalchemy import func, text

    from ordergate.store.bulk import bulk_insert

    values = [Decimal("619.98"), Decimal("58"), Decimal("1.1000"), Decimal("0.0001"),
              Decimal("1E+1"), None]
    with engine.begin() as conn:
        conn.execute(t.products.insert(), [{"sku": f"S{n}", "uom": "EA", "active": True}
                                           for n in range(len(values))])
        bulk_insert(conn, t.stock, [(f"S{n}", Decimal(1), value) for n, value in enumerate(values)],
                    columns=("sku", "on_hand", "reorder_point"))
        read = dict(conn.execute(select(t.stock.c.sku, t.stock.c.reorder_point)).all())
        total = conn.execute(select(func.sum(t.stock.c.reorder_point))).scalar_one()
        if engine.dialect.name == "sqlite":
            kinds = {kind for (kind,) in conn.execute(text("SELECT typeof(reorder_point) FROM stock"))}
            assert kinds == {"real", "integer", "null"}
    assert [read[f"S{n}"] for n in range(len(values))] == values
    assert Decimal(str(total)) == Decimal("689.0801")


def test_bulk_insert_leaves_out_only_columns_that_store_null_when_left_out(engine):
    """Columns None in every row are left out of the INSERT (binding None is slow in sqlite3),
    but only where leaving them out stores the same NULL: not where a default would fill in."""
    from sqlalchemy import Column, Integer, MetaData, String, Table

    from ordergate.store.bulk import bulk_insert

    table = Table("bulk_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("plain", String(10)), Column("served", String(10), server_default="dflt"),
                  Column("python", String(10), default="py"), Column("mixed", String(10)))
    table.create(engine)
    try:
        rows = [(1, None, None, None, "a"), (2, None, None, None, None), (3, None, None, None, "c")]
        with engine.begin() as conn:
            assert bulk_insert(conn, table, rows,
                               columns=("id", "plain", "served", "python", "mixed")) == 3
            assert bulk_insert(conn, table, [(4, "x", None, None, None)],
                               columns=("id", "plain", "served", "python", "mixed")) == 1
            stored = conn.execute(select(table).order_by(table.c.id)).all()
    finally:
        table.drop(engine)
    assert [tuple(row) for row in stored] == [(1, None, None, None, "a"), (2, None, None, None, None),
                                             (3, None, None, None, "c"), (4, "x", None, None, None)]


@pytest.mark.parametrize("rows", [3, 120], ids=["small", "large"])
def test_bulk_insert_stores_the_same_values_by_executemany_and_by_copy(engine, rows, monkeypatch):
    """PostgreSQL takes a large batch through COPY: the values come back as from an INSERT, a
    NUL is escaped as the statement hook escapes it, a Python-side default applies."""
    from datetime import datetime, timezone
    from decimal import Decimal

    from sqlalchemy import LargeBinary, MetaData, Numeric, String, Table, Text

    from ordergate.store import bulk

    copied = []
    real_copy = bulk._copy
    monkeypatch.setattr(bulk, "_copy", lambda *args: copied.append(len(args[3])) or real_copy(*args))
    table = Table("copy_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", t.UtcTime), Column("label", String(40)), Column("reason", Text),
                  Column("amount", Numeric(14, 4)), Column("payload", LargeBinary),
                  Column("attempts", Integer, default=0))
    table.create(engine)
    at = datetime(2026, 12, 7, 4, 5, 6, 123456, tzinfo=timezone.utc)
    try:
        with engine.begin() as conn:
            given = [{"id": n, "at": at, "label": f"PO\x00{n}", "payload": b"\x00\xffISA~",
                      "reason": "it's \\ a \t tab\nand a line" if n % 2 else None,
                      "amount": Decimal("10.5000") + n} for n in range(rows)]
            assert bulk.bulk_insert(conn, table, given) == rows
            stored = conn.execute(select(table).order_by(table.c.id)).all()
    finally:
        table.drop(engine)
    large_on_pg = engine.dialect.name == "postgresql" and rows >= bulk.COPY_FROM_ROWS
    assert copied == ([rows] if large_on_pg else [])
    nul = "\\x00" if engine.dialect.name == "postgresql" else "\x00"
    naive = at.replace(tzinfo=None)  # SQLite gives back the UTC time without its zone
    assert [(row[0], row[1].astimezone(timezone.utc).replace(tzinfo=None)
             if row[1].tzinfo else row[1], *row[2:]) for row in stored] == [
        (n, naive, f"PO{nul}{n}", "it's \\ a \t tab\nand a line" if n % 2 else None,
         Decimal("10.5000") + n, b"\x00\xffISA~", 0) for n in range(rows)]


def test_a_copy_that_breaks_a_constraint_raises_what_an_insert_would(pg_engine):
    """A batch through COPY that breaks a foreign key fails as SQLAlchemy's IntegrityError, as
    an executemany would, and the transaction rolls back."""
    from datetime import datetime, timezone

    from ordergate.store import bulk

    at = datetime(2026, 12, 7, tzinfo=timezone.utc)
    events = [(999, at, "test", None, "held", None)] * bulk.COPY_FROM_ROWS
    with pytest.raises(IntegrityError, match="order_events"):
        with pg_engine.begin() as conn:
            bulk.bulk_insert(conn, t.order_events, events, columns=(
                "order_id", "at", "actor", "from_status", "to_status", "reason"))
    with pg_engine.connect() as conn:
        assert conn.execute(select(t.order_events)).all() == []
