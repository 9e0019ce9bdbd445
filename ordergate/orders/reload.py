"""Stored orders read back: as ``PreparedOrder`` rows, for messages about orders another
intake stored (e.g. the email confirmation of an 850 that came as a mail attachment), and as
the canonical ``SalesOrder`` the checks run on again when a hold is released."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from ordergate.orders.model import OrderLine, SalesOrder
from ordergate.orders.prepared import LINE_COLUMNS, PreparedOrder
from ordergate.store import tables as t

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


def stored_sales_order(conn: Connection, row) -> SalesOrder:
    """The ``SalesOrder`` an ``orders`` row was made from, with its lines from ``order_lines``
    when its detail leaves them out (``prepared.DETAIL_WITHOUT_LINES``: then each row holds
    the line as the PO had it, its price in po_unit_price)."""
    order = SalesOrder.model_validate_json(row.detail)
    if "lines" not in order.model_fields_set:
        c = t.order_lines.c
        order.lines = [
            OrderLine(line_number=line.line_number, buyer_line_id=line.buyer_line_id,
                      buyer_part=line.buyer_part, vendor_part=line.vendor_part, gtin=line.gtin,
                      description=line.description, quantity=line.quantity, uom=line.uom,
                      unit_price=line.po_unit_price)
            for line in conn.execute(select(t.order_lines).where(c.order_id == row.id)
                                     .order_by(c.line_number))]
    return order
