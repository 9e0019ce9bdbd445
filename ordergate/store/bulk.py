"""executemany for large batches without SQLAlchemy's per-row parameter processing.

SQLAlchemy Core spends about 10 µs per row turning each parameter dict into DBAPI
parameters; for the 100,000 order lines of a large interchange that is most of the store's
time. Here the INSERT is compiled once per dialect, table and column list, the few type
conversions the dialect needs (dates and times on SQLite) are looked up once per column, and
rows go to the driver's executemany as they are. Decimals go to SQLite as text (the driver
converts them, through an adapter), which its NUMERIC affinity stores as the same REAL or
INTEGER a float would have become.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import Connection, Float, Numeric, Table
from sqlalchemy.exc import DBAPIError

from ordergate.store.db import insert_ignore, without_nul


@lru_cache(maxsize=64)
def _compiled(dialect, table: Table, columns: tuple[str, ...], ignore_conflicts: bool):
    stmt = insert_ignore(dialect.name, table) if ignore_conflicts else table.insert()
    # for_executemany: no implicit RETURNING of the new ids (PostgreSQL adds it otherwise).
    compiled = stmt.compile(dialect=dialect, column_keys=list(columns), for_executemany=True)
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    # Columns the rows leave out but that have a Python-side default (e.g. attempts = 0).
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in columns and c.default is not None and c.default.is_scalar}
    processors = {name: _bind_processor(table.c[name].type, dialect) for name in names}
    return str(compiled), compiled.positional, names, processors, defaults


def _bind_processor(column_type, dialect):
    # SQLite stores a NUMERIC column's value as REAL (or INTEGER when whole) whether it is sent
    # as a float or as text. SQLAlchemy's float(Decimal) costs about 0.2 µs (decimal converts
    # through text); here the driver turns each Decimal into text itself, through the adapter
    # registered below, so no Python loop goes over the rows for it.
    if (dialect.name == "sqlite" and isinstance(column_type, Numeric)
            and not isinstance(column_type, Float)):
        return None
    return column_type._cached_bind_processor(dialect)


def _decimal_text(value: Decimal):
    # NaN or infinity would be stored as text: as SQLAlchemy does, a float for those.
    return str(value) if value.is_finite() else float(value)


# Process-wide, but only a Decimal that reaches the sqlite3 driver as it is uses it: SQLAlchemy
# turns the Decimals it binds into floats before, so only bulk_insert's get here (without an
# adapter, sqlite3 refuses them).
sqlite3.register_adapter(Decimal, _decimal_text)


@lru_cache(maxsize=64)
def _omissible(table: Table, columns: tuple[str, ...]) -> frozenset[int]:
    """Positions in ``columns`` of the columns that are NULL when an INSERT leaves them out."""
    return frozenset(i for i, name in enumerate(columns)
                     if table.c[name].nullable and table.c[name].default is None
                     and table.c[name].server_default is None)


def _without_empty_columns(table: Table, columns: tuple[str, ...],
                           rows: list[tuple]) -> tuple[tuple[str, ...], list[tuple]]:
    """``columns`` and ``rows`` without the columns that are None in every row (e.g. the GTIN
    and reason of most order lines), when leaving them out stores the same NULL. Binding None
    is the sqlite3 driver's slowest case (it looks for an adapter on every call): two such
    columns were about a fifth of inserting an order line. Checked in C, column by column,
    only for the columns the first row has empty."""
    omissible = _omissible(table, columns)
    first = rows[0]
    candidates = [i for i in omissible if first[i] is None]
    if not candidates:
        return columns, rows
    count = len(rows)
    empty = {i for i in candidates if list(map(itemgetter(i), rows)).count(None) == count}
    keep = [i for i in range(len(columns)) if i not in empty]
    if not empty or not keep:
        return columns, rows
    getter = itemgetter(*keep)
    kept_rows = list(map(getter, rows)) if len(keep) > 1 else [(getter(row),) for row in rows]
    return tuple(columns[i] for i in keep), kept_rows


def bulk_insert(conn: Connection, table: Table, rows: list, *, columns: tuple[str, ...] | None = None,
                ignore_conflicts: bool = False) -> int:
    """Insert ``rows`` in one executemany: dicts with the same keys, or tuples of values in
    ``columns`` order (the cheaper form for the order lines of a large batch). Returns how
    many rows went in (fewer than given when conflicts were ignored)."""
    if not rows:
        return 0
    if columns is None:
        columns = tuple(rows[0])
        by_name = True
    else:
        by_name = False
        columns, rows = _without_empty_columns(table, columns, rows)
    sql, positional, names, processors, defaults = _compiled(conn.dialect, table, columns,
                                                             ignore_conflicts)
    if by_name:
        if defaults:
            rows = [{**defaults, **row} for row in rows]
        # itemgetter builds each row's tuple in C.
        getter = itemgetter(*names)
        params = [(getter(row),) for row in rows] if len(names) == 1 else [getter(row) for row in rows]
    else:
        extra = tuple(defaults[name] for name in names if name not in columns)
        if names == list(columns) and not extra:
            params = rows
        else:
            index = {name: i for i, name in enumerate(columns)}
            order = [index.get(name) for name in names]
            params = [tuple(row[i] if i is not None else defaults[names[n]]
                            for n, i in enumerate(order)) for row in rows]
    active = [(i, processors[name]) for i, name in enumerate(names) if processors[name]]
    if active:
        # Only the few columns with a conversion (dates and times on SQLite) are touched in
        # Python, column by column; a value repeated from the row before (the batch's
        # timestamp) is converted once.
        params = [list(values) for values in params]
        for i, proc in active:
            last_in: object = _NOTHING
            last_out = None
            for values in params:
                value = values[i]
                if value is not last_in:
                    last_in, last_out = value, proc(value)
                values[i] = last_out
        if positional:  # the driver API wants tuples
            params = [tuple(values) for values in params]
    if (conn.dialect.name == "postgresql" and not ignore_conflicts
            and len(params) >= COPY_FROM_ROWS):
        return _copy(conn, table, names, params)
    if not positional:
        params = [dict(zip(names, values)) for values in params]
    return conn.exec_driver_sql(sql, params).rowcount


# From this many rows PostgreSQL gets them through COPY, not executemany: psycopg sends an
# executemany as one pipelined INSERT per row, which the server plans and executes one by one;
# COPY streams the rows into the table. A batch's order lines went in several times faster.
COPY_FROM_ROWS = 50


def _copy(conn: Connection, table: Table, names: list[str], params: list) -> int:
    """``params`` (values in ``names`` order, already converted for the driver) through COPY,
    in the connection's transaction. NUL is escaped as ``db`` does for statements (the
    ``before_cursor_execute`` hook does not see a COPY)."""
    params = without_nul(params)
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    sql = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
    driver_error = conn.dialect.loaded_dbapi.Error
    try:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in params:
                copy.write_row(row)
    except driver_error as exc:
        # As SQLAlchemy raises a statement's error (IntegrityError, OperationalError, ...), and
        # a lost connection is not handed out again by the pool.
        lost = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(sql, None, exc, driver_error, connection_invalidated=lost,
                                  dialect=conn.dialect) from exc
    return len(params)


_NOTHING = object()
