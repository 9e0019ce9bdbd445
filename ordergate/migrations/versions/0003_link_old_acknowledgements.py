"""Acknowledgements of orders stored before 0002 are linked to their orders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Orders acknowledged before 0002 had their 855 named by ``outbox.order_id`` (one 855
interchange per order, its ST02 inside the payload); they get their ``order_acknowledgements``
row here, so ``orders show`` lists their 855 like everyone else's.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

def upgrade() -> None:
    _link_old_855s(op.get_bind())


def downgrade() -> None:
    pass  # the links are derived data; the 0002 downgrade drops their table


def _link_old_855s(bind) -> None:
    outbox = sa.table("outbox", sa.column("id"), sa.column("kind"), sa.column("order_id"),
                      sa.column("payload"), sa.column("created_at"))
    links = sa.table("order_acknowledgements", sa.column("order_id"), sa.column("outbox_id"),
                     sa.column("kind"), sa.column("reference"), sa.column("created_at"))
    linked = sa.select(links.c.outbox_id)
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.order_id, outbox.c.payload, outbox.c.created_at)
        .where(outbox.c.kind == "855", outbox.c.order_id.is_not(None),
               outbox.c.id.not_in(linked))).all()
    new_links = []
    for row in rows:
        reference = _st02(bytes(row.payload))
        if reference is not None:
            new_links.append({"order_id": row.order_id, "outbox_id": row.id, "kind": "855",
                              "reference": reference, "created_at": row.created_at})
    if new_links:
        bind.execute(sa.insert(links), new_links)


def _st02(payload: bytes) -> str | None:
    """ST02 of the 855 in a one-order interchange: ISA's 4th byte separates elements, the
    byte after ISA16 (the 106th) ends segments."""
    text = payload.decode("latin-1")
    if not text.startswith("ISA") or len(text) < 106:
        return None
    sep, end = re.escape(text[3]), re.escape(text[105])
    found = re.search(rf"ST{sep}855{sep}([^{sep}{end}\r\n]+)", text)
    return found.group(1).strip() if found else None
