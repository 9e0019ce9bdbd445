"""executemany for large batches without SQLAlchemy's per-row parameter processing.

SQLAlchemy Core spends about 10 µs per row turning each parameter dict into DBAPI
parameters; for the 100,000 order lines of a large interchange that is most of the store's
time. Here the INSERT is compiled once per dialect, table and column list, the few type
conversions the dialect needs (dates and Decimals on SQLite) are looked up once per column,
and rows go to the driver's executemany as they are.
"""

from __future__ import annotations

from functools import lru_cache
from operator import itemgetter

from sqlalchemy import Connection, Table

from ordergate.orders.db import insert_ignore


@lru_cache(maxsize=64)
def _compiled(dialect, table: Table, columns: tuple[str, ...], ignore_conflicts: bool):
    stmt = insert_ignore(dialect.name, table) if ignore_conflicts else table.insert()
    # for_executemany: no implicit RETURNING of the new ids (PostgreSQL adds it otherwise).
    compiled = stmt.compile(dialect=dialect, column_keys=list(columns), for_executemany=True)
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    # Columns the rows leave out but that have a Python-side default (e.g. attempts = 0).
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in columns and c.default is not None and c.default.is_scalar}
    processors = {name: table.c[name].type._cached_bind_processor(dialect) for name in names}
    return str(compiled), compiled.positional, names, processors, defaults


def bulk_insert(conn: Connection, table: Table, rows: list[dict], *,
                ignore_conflicts: bool = False) -> None:
    """Insert ``rows`` (dicts with the same keys) in one executemany."""
    if not rows:
        return
    columns = tuple(rows[0])
    sql, positional, names, processors, defaults = _compiled(conn.dialect, table, columns,
                                                             ignore_conflicts)
    if defaults:
        rows = [{**defaults, **row} for row in rows]
    if positional:
        # itemgetter builds each row's tuple in C; only the few columns with a conversion
        # (dates, Decimals on SQLite) are touched in Python.
        getter = itemgetter(*names)
        active = [(i, processors[name]) for i, name in enumerate(names) if processors[name]]
        if len(names) == 1:
            params = [(getter(row),) for row in rows]
        elif not active:
            params = [getter(row) for row in rows]
        else:
            params = []
            for row in rows:
                values = list(getter(row))
                for i, proc in active:
                    values[i] = proc(values[i])
                params.append(tuple(values))
    else:
        active = [(name, proc) for name, proc in processors.items() if proc]
        params = rows
        if active:
            params = []
            for row in rows:
                row = dict(row)
                for name, proc in active:
                    row[name] = proc(row[name])
                params.append(row)
    conn.exec_driver_sql(sql, params)
