"""Stock allocation, reorder suggestions, credit exposure, and what each order line ships.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

QTY = sa.Numeric(18, 4, asdecimal=True)


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("po_unit_price", QTY))
        batch.add_column(sa.Column("ship_quantity", QTY))
    with op.batch_alter_table("stock") as batch:
        batch.add_column(sa.Column("allocated", QTY, nullable=False, server_default="0"))
        batch.add_column(sa.Column("reorder_point", QTY))
        batch.add_column(sa.Column("reorder_quantity", QTY))
    op.create_table(
        "reorder_suggestions",
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("available", QTY, nullable=False),
        sa.Column("reorder_point", QTY, nullable=False),
        sa.Column("quantity", QTY, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name="fk_reorder_suggestions_sku_products"),
        sa.PrimaryKeyConstraint("sku", name="pk_reorder_suggestions"),
    )
    op.create_table(
        "customer_exposure",
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("open_orders", QTY, nullable=False, server_default="0"),
        sa.Column("open_invoices", QTY, nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"],
                                name="fk_customer_exposure_customer_id_customers"),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customer_exposure"),
    )


def downgrade() -> None:
    op.drop_table("customer_exposure")
    op.drop_table("reorder_suggestions")
    with op.batch_alter_table("stock") as batch:
        batch.drop_column("reorder_quantity")
        batch.drop_column("reorder_point")
        batch.drop_column("allocated")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("ship_quantity")
        batch.drop_column("po_unit_price")
