"""Engines, migrations and the dialect-specific INSERT variants the store relies on.

One place knows how SQLite and PostgreSQL differ: how to connect (pragmas, explicit BEGIN,
the psycopg 3 driver), how to bring the schema to the latest Alembic revision, and how to
spell INSERT ... ON CONFLICT. Everything else writes portable SQLAlchemy Core.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Table, create_engine, event, text
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from ordergate.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# Long enough to ride out another worker's write transaction, short enough to surface a stuck one.
SQLITE_BUSY_TIMEOUT_MS = 30_000

_PG_DRIVERLESS = {"postgres", "postgresql"}
# dialect -> the module whose insert() spells ON CONFLICT; imported when first used, so a
# SQLite command does not load the PostgreSQL dialect (a few hundredths of a second)
_ON_CONFLICT_MODULES = {"sqlite": "sqlalchemy.dialects.sqlite", "postgresql": "sqlalchemy.dialects.postgresql"}
_INSERTS: dict = {}  # dialect -> its insert(), once imported


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL, pointing driverless PostgreSQL URLs at psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in _PG_DRIVERLESS:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and an explicit BEGIN IMMEDIATE."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # A worker that sat idle through a server restart should reconnect, not fail a document.
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
        return engine
    return create_engine(parsed, **kwargs)


def _without_nul(conn, cursor, statement, parameters, context, executemany):
    """PostgreSQL text cannot hold NUL, and a sender can put one in any value (a PO number, an
    interchange id): stored as the visible escape ``\\x00`` instead of failing the batch.

    repr() of the parameters (C code throughout) finds the rare NUL for the cost of one string
    per statement; only then are the values walked in Python.
    """
    if not parameters:
        return statement, parameters
    if executemany or isinstance(parameters, list):
        return statement, without_nul(parameters)
    return statement, without_nul([parameters])[0]


def without_nul(rows: list) -> list:
    """``rows`` with NUL in their text escaped; the same list when none holds one."""
    if "\\x00" not in repr(rows):
        return rows
    return [_escape_nul(row) for row in rows]


def _escape_nul(row):
    def clean(value):
        return value.replace("\x00", "\\x00") if isinstance(value, str) else value

    if isinstance(row, dict):
        return {key: clean(value) for key, value in row.items()}
    return type(row)(clean(value) for value in row)


def _configure_sqlite(engine: Engine) -> None:
    # The recipe from SQLAlchemy's SQLite dialect docs ("Serializable isolation / Savepoints /
    # Transactional DDL"): pysqlite's own deferred BEGIN takes a read lock first and fails with
    # "database is locked" when it later needs to write while another connection writes, without
    # waiting for busy_timeout. So pysqlite is told to stay out of it and SQLAlchemy emits
    # BEGIN IMMEDIATE itself, which queues writers on the busy timeout instead.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite, per connection
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# ---------------------------------------------------------------- migrations
# Alembic is imported by the functions that migrate, not here: importing it (and reading the
# migration scripts) costs a command that only lists orders about a tenth of a second.
def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config built in code (no alembic.ini), reusing ``connection`` if given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# Any fixed number: the key of the PostgreSQL advisory lock that serialises schema upgrades.
_UPGRADE_LOCK = 0x0D6A7E


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the latest).

    SQLite: in one transaction (BEGIN IMMEDIATE: a second process waits, then finds the schema
    at head). PostgreSQL: a transaction per migration, under an advisory lock its connection
    holds, which workers starting together wait on. A migration that moves a large table's data commits
    it in batches (``PER_MIGRATION``): an upgrade stopped half-way keeps what it copied and
    goes on from there, and no transaction holds a database's worth of bytes."""
    from alembic import command

    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
        return
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({_UPGRADE_LOCK})")
        conn.commit()  # the connection keeps the lock; Alembic begins its own transactions
        try:
            config = alembic_config(conn)
            config.attributes[PER_MIGRATION] = True
            command.upgrade(config, revision)
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_UPGRADE_LOCK})")
            conn.commit()


# Set in an Alembic Config's attributes when each migration runs in a transaction of its own,
# so a migration may commit its data in batches (``Operations.get_context().autocommit_block``).
PER_MIGRATION = "transaction_per_migration"


_REVISION_LINE = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:"([^"]*)"|\'([^\']*)\'|None)',
                            re.MULTILINE)


def shipped_head() -> str | None:
    """The latest revision, read from the migration scripts' ``revision = "..."`` lines
    without Alembic; None when that reading is not conclusive (no script, several heads)."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = {kind: a or b for kind, a, b in _REVISION_LINE.findall(script.read_text("utf-8"))}
        if found.get("revision"):
            revisions.add(found["revision"])
            parents.add(found.get("down_revision"))
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def ensure_schema(engine: Engine) -> None:
    """``upgrade`` unless the database already says it is at the shipped head: one cheap
    query on every command instead of loading Alembic and its scripts."""
    head = shipped_head()
    if head is not None:
        try:
            with engine.connect() as conn:
                at = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except OperationalError:  # no alembic_version table yet (or the database is not there)
            at = None
        except ProgrammingError:  # PostgreSQL: no such table
            at = None
        if at == [head]:
            return
    upgrade(engine)


def free_bytes(engine: Engine) -> int | None:
    """Bytes of a SQLite file that hold nothing (pages freed by deletes or a dropped column,
    kept for reuse until ``vacuum``); None for PostgreSQL, which reuses and reports its own."""
    if engine.dialect.name != "sqlite":
        return None
    with _sqlite_autocommit(engine) as cursor:  # two pragmas need no write lock
        pages = cursor.execute("PRAGMA freelist_count").fetchone()[0]
        return pages * cursor.execute("PRAGMA page_size").fetchone()[0]


def vacuum(engine: Engine) -> bool:
    """Give free space back, outside any transaction. SQLite rewrites the file without its
    free pages (it needs as much free disk as the file takes, and locks the database
    meanwhile); returns False when the file could not be truncated yet because another
    connection was reading (it shrinks at a later checkpoint). PostgreSQL only marks dead rows
    reusable by the database (returning them to the disk takes VACUUM FULL, which locks each
    table): returns True."""
    if engine.dialect.name == "sqlite":
        with _sqlite_autocommit(engine) as cursor:
            cursor.execute("VACUUM")
            # In WAL mode the smaller file is written to the log first: the checkpoint is
            # what truncates the database file itself. It would wait the whole busy timeout
            # for a reader to finish; a later checkpoint does the same job, so it does not
            # wait (its first column is 1 when it had to give up).
            cursor.execute("PRAGMA busy_timeout=0")
            try:
                return cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
            finally:
                cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
    return True


@contextmanager
def _sqlite_autocommit(engine: Engine) -> Iterator:
    """A driver cursor past SQLAlchemy: its "begin" hook (``_configure_sqlite``) would take the
    write lock, and open the transaction VACUUM refuses; the driver connection itself is in
    autocommit."""
    raw = engine.raw_connection()
    try:
        yield raw.cursor()
    finally:
        raw.close()


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The latest revision shipped with this package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


# ---------------------------------------------------------------- ON CONFLICT
def _dialect_name(conn_or_dialect: Connection | Engine | Dialect | str) -> str:
    if isinstance(conn_or_dialect, str):
        return conn_or_dialect
    if isinstance(conn_or_dialect, Dialect):
        return conn_or_dialect.name
    return conn_or_dialect.dialect.name


def _dialect_insert(conn_or_dialect, table: Table):
    name = _dialect_name(conn_or_dialect)
    try:
        module = _ON_CONFLICT_MODULES[name]
    except KeyError:
        raise ConfigError(
            f"database dialect {name!r} is not supported; "
            f"supported: {', '.join(sorted(_ON_CONFLICT_MODULES))}"
        ) from None
    insert = _INSERTS.get(name)
    if insert is None:
        insert = _INSERTS[name] = import_module(module).insert
    return insert(table)


def insert_ignore(conn_or_dialect, table: Table):
    """INSERT ... ON CONFLICT DO NOTHING: a row that would break any unique key of ``table`` is skipped."""
    return _dialect_insert(conn_or_dialect, table).on_conflict_do_nothing()


def upsert(conn_or_dialect, table: Table, update_columns: Iterable[str] | None = None):
    """INSERT ... ON CONFLICT (primary key) DO UPDATE SET the non-key columns to the new values.

    ``update_columns`` limits which columns an existing row gets overwritten with (default: all
    non-key columns), so a load that does not mention a column leaves it alone.
    """
    stmt = _dialect_insert(conn_or_dialect, table)
    key = [c.name for c in table.primary_key.columns]
    names = [c.name for c in table.columns if c.name not in key] if update_columns is None \
        else [n for n in update_columns if n not in key]
    unknown = [n for n in names if n not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    if not names:
        return stmt.on_conflict_do_nothing(index_elements=key)
    return stmt.on_conflict_do_update(index_elements=key, set_={n: stmt.excluded[n] for n in names})
