"""Invoice lines name their order: a daily invoice bills the day's shipments of a customer,
which may belong to several orders, so a line's number alone no longer says which order line
it bills. Existing lines take their invoice's order.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("invoice_lines") as batch:
        batch.add_column(sa.Column("order_id", _ID))
        batch.create_foreign_key("fk_invoice_lines_order_id_orders", "orders", ["order_id"], ["id"])
    op.execute("UPDATE invoice_lines SET order_id = (SELECT invoices.order_id FROM invoices "
               "WHERE invoices.id = invoice_lines.invoice_id)")
    op.create_index("ix_invoice_lines_order_id", "invoice_lines", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_invoice_lines_order_id", table_name="invoice_lines")
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_constraint("fk_invoice_lines_order_id_orders", type_="foreignkey")
        batch.drop_column("order_id")
