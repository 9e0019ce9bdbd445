"""Statements handed to the database driver as SQL and parameters, for the few hot paths where
SQLAlchemy's per-row work cost as much as the database's own: a guarded UPDATE once per row of
a large batch, and a SELECT whose rows are only read.

The statements are still SQLAlchemy Core, compiled for the connection's dialect, so the SQL is
the same that ``conn.execute`` would send; only the per-row parameter and result processing is
left out, which is why the callers keep to values the driver takes and gives as they are
(integers, text, Decimals to PostgreSQL; on SQLite a NUMERIC column comes back as a float).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import Connection


@lru_cache(maxsize=8)
def _driver_form(dialect, statement):
    """``statement`` compiled once for ``dialect``: its SQL, whether the driver takes positional
    parameters, their names in order, the literal parameters' values (ROUND's 4) and the
    conversions SQLAlchemy would apply (Decimal to float on SQLite)."""
    compiled = statement.compile(dialect=dialect)
    defaults = {compiled.bind_names[bind]: bind.effective_value
                for bind in compiled.binds.values() if not bind.required}
    names = (tuple(compiled.positiontup) if compiled.positional
             else tuple(dict.fromkeys(compiled.bind_names.values())))
    # The processors SQLAlchemy itself applies to these binds when it executes the statement.
    processors = tuple((name, proc) for name, proc in compiled._bind_processors.items()
                       if proc is not None and name not in defaults)
    return str(compiled), compiled.positional, names, defaults, processors


def update_many(conn: Connection, statement, rows: list[dict]) -> int:
    """``statement`` once per row in one driver executemany; the rows it changed. The same SQL
    and parameters as ``conn.execute(statement, rows)``, without SQLAlchemy's per-row parameter
    processing, which took as long as SQLite's own work (about 2.8 µs a row each)."""
    if not rows:
        return 0
    sql, positional, names, defaults, processors = _driver_form(conn.dialect, statement)
    if defaults or processors:
        rows = [{**row, **defaults, **{name: proc(row[name]) for name, proc in processors}}
                for row in rows]
    if positional:
        getter = itemgetter(*names)
        params = [getter(row) for row in rows] if len(names) > 1 else [(getter(row),) for row in rows]
    else:
        params = rows
    return conn.exec_driver_sql(sql, params).rowcount


def select_rows(conn: Connection, statement) -> list[tuple]:
    """The rows of a SELECT as the driver returns them: tuples, no type processing (a
    NUMERIC is a float on SQLite, a Decimal on PostgreSQL). Its parameters are bound with
    SQLAlchemy's own conversions; an IN list is written out (``render_postcompile``), so each
    size of list is compiled anew: for a batch's few statements, not for a loop."""
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    for name, proc in compiled._bind_processors.items():
        if proc is not None and name in values:
            values[name] = proc(values[name])
    params = tuple(values[name] for name in compiled.positiontup) if compiled.positional \
        else values
    result = conn.exec_driver_sql(str(compiled), params)
    try:
        return result.cursor.fetchall()  # the driver's tuples, not Row objects
    finally:
        result.close()


class Decimals(dict):
    """NUMERIC(18, 4) values as ``select_rows`` gives them (a float, or an integer for a whole
    number, on SQLite; a Decimal on PostgreSQL) read as SQLAlchemy reads the column, then
    passed through ``tidy``; each distinct value once, since a batch's thousands of lines
    hold a few dozen quantities and prices."""

    def __init__(self, tidy: Callable[[Decimal], Decimal] | None = None) -> None:
        super().__init__()
        self._tidy = tidy

    def __call__(self, value) -> Decimal | None:
        try:
            return self[value]
        except KeyError:
            if value is None:
                read = None
            else:
                # As SQLAlchemy's Numeric(scale=4) result processor reads a float.
                read = Decimal(f"{value:.4f}") if isinstance(value, float) else Decimal(value)
                if self._tidy is not None:
                    read = self._tidy(read)
            self[value] = read
            return read
