"""Alembic environment: runs ordergate's migrations on a connection handed in by ``db.upgrade``.

``ordergate.store.db`` builds the Config in code and passes its open connection in
``config.attributes["connection"]``, so migrations run inside the caller's transaction and
with the same engine setup (SQLite pragmas, BEGIN IMMEDIATE). The ``sqlalchemy.url`` fallback
only serves someone running the ``alembic`` command by hand.
"""

from __future__ import annotations

from alembic import context

from ordergate.store.db import make_engine
from ordergate.store.tables import metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
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
