"""Alembic environment: runs ordergate's migrations on a connection handed in by ``db.upgrade``.

``ordergate.store.db`` builds the Config in code and passes its open connection in
``config.attributes["connection"]``, so migrations run with the same engine setup (SQLite
pragmas, BEGIN IMMEDIATE): inside the caller's transaction, or on PostgreSQL each in a
transaction of its own (``PER_MIGRATION``). The ``sqlalchemy.url`` fallback
only serves someone running the ``alembic`` command by hand.
"""

from __future__ import annotations

from alembic import context

from ordergate.store.db import PER_MIGRATION, make_engine
from ordergate.store.tables import metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        # On PostgreSQL ``db.upgrade`` hands in a connection outside any transaction.
        transaction_per_migration=bool(context.config.attributes.get(PER_MIGRATION)),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given and no sqlalchemy.url configured")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("ordergate migrations run online only (use ordergate.store.db.upgrade)")
run_migrations_online()
