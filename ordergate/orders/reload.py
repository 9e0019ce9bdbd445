"""Stored orders read back as ``PreparedOrder`` rows, for messages about orders another
intake stored (e.g. the email confirmation of an 850 that came as a mail attachment)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from ordergate.orders import tables as t
from ordergate.orders.prepared import LINE_COLUMNS, PreparedOrder

_IN_CHUNK = 500


def load_prepared(conn: Connection, order_ids: list[int]) -> dict[int, PreparedOrder]:
    found: dict[int, PreparedOrder] = {}
    line_columns = [t.order_lines.c[name] for name in LINE_COLUMNS]
    for start in range(0, len(order_ids), _IN_CHUNK):
        chunk = order_ids[start:start + _IN_CHUNK]
        lines: dict[int, list[tuple]] = {}
        for row in conn.execute(select(t.order_lines.c.order_id, *line_columns)
                                .where(t.order_lines.c.order_id.in_(chunk))
                                .order_by(t.order_lines.c.order_id, t.order_lines.c.line_number)):
            lines.setdefault(row[0], []).append(tuple(row[1:]))
        for row in conn.execute(select(t.orders).where(t.orders.c.id.in_(chunk))):
            found[row.id] = PreparedOrder(
                row.source_key, row.channel, row.format, row.partner_id, row.customer_id,
                row.po_number, row.po_date, row.purpose, row.currency, row.requested_date,
                row.status, tuple(json.loads(row.hold_reasons)) if row.hold_reasons else (),
                row.total, row.detail, tuple(lines.get(row.id, ())))
    return found
