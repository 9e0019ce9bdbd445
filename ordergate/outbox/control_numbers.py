"""Outbound control numbers (ISA13, GS06, ST02, UNB/UNH references): unique per partner, increasing.

Numbers are handed out by a single ``UPDATE ... RETURNING`` inside the caller's transaction.
The UPDATE takes the row lock (PostgreSQL) or runs under the write lock that BEGIN IMMEDIATE
took (SQLite), so two workers can never read the same ``last_value``; and because the numbers
belong to the caller's transaction, a rollback gives them back instead of leaving a gap.

When a sequence would pass ``MAX_CONTROL_NUMBER`` (999,999,999, the largest ISA13 fits) it
wraps: the block starts again at 1. Numbers between the old value and the maximum are skipped,
which X12 allows; partners only require that a number is not reused while still in play, and
a billion interchanges is decades of traffic for one partner.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, case, update

from ordergate.store.db import insert_ignore
from ordergate.store.tables import control_numbers

MAX_CONTROL_NUMBER = 999_999_999


def allocate(conn: Connection, partner_id: str, sequence: str, count: int = 1) -> range:
    """Reserve ``count`` consecutive numbers of ``sequence`` for ``partner_id``; returns them as a range.

    Runs in the caller's transaction: commit it together with the messages that use the numbers.
    """
    if not 1 <= count <= MAX_CONTROL_NUMBER:
        raise ValueError(f"count must be between 1 and {MAX_CONTROL_NUMBER}, got {count}")
    conn.execute(
        insert_ignore(conn, control_numbers),
        {"partner_id": partner_id, "sequence": sequence, "last_value": 0},
    )
    col = control_numbers.c.last_value
    step = bindparam("count", count, type_=col.type)
    last = conn.execute(
        update(control_numbers)
        .where(control_numbers.c.partner_id == partner_id, control_numbers.c.sequence == sequence)
        # Wrapping inside the same statement keeps allocation one atomic step.
        .values(last_value=case((col + step > MAX_CONTROL_NUMBER, step), else_=col + step))
        .returning(col)
    ).scalar_one()
    return range(last - count + 1, last + 1)
