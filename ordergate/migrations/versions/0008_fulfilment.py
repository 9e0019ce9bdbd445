"""Fulfilment: bins, picked and shipped quantities per order line, shipments, receipts, pick lists.

Existing order lines start with nothing picked or shipped; existing stock has no bin.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_QTY = sa.Numeric(18, 4, asdecimal=True)
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce lengths (tables.py)
        for table, column, nullable in (("orders", "status", False),
                                        ("order_events", "from_status", True),
                                        ("order_events", "to_status", False)):
            op.alter_column(table, column, type_=sa.String(20), existing_type=sa.String(16),
                            existing_nullable=nullable)
    op.add_column("stock", sa.Column("location", sa.String(40)))
    op.add_column("order_lines", sa.Column("picked_quantity", _QTY, nullable=False,
                                           server_default="0"))
    op.add_column("order_lines", sa.Column("shipped_quantity", _QTY, nullable=False,
                                           server_default="0"))
    op.create_table(
        "shipments",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("order_id", _ID, sa.ForeignKey("orders.id", name="fk_shipments_order_id_orders"),
                  nullable=False),
        sa.Column("carrier", sa.String(40), nullable=False),
        sa.Column("tracking_number", sa.String(60), nullable=False),
        sa.Column("ship_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shipments"),
        sa.UniqueConstraint("order_id", "tracking_number",
                            name="uq_shipments_order_id_tracking_number"),
    )
    op.create_table(
        "shipment_lines",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("shipment_id", _ID, sa.ForeignKey(
            "shipments.id", name="fk_shipment_lines_shipment_id_shipments"), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", _QTY, nullable=False),
        sa.Column("package_id", sa.String(18)),
        sa.PrimaryKeyConstraint("id", name="pk_shipment_lines"),
    )
    op.create_index("ix_shipment_lines_shipment_id", "shipment_lines", ["shipment_id"])
    op.create_table(
        "stock_receipts",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("sku", sa.String(64), sa.ForeignKey(
            "products.sku", name="fk_stock_receipts_sku_products"), nullable=False),
        sa.Column("quantity", _QTY, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stock_receipts"),
        sa.UniqueConstraint("reference", name="uq_stock_receipts_reference"),
    )
    op.create_table(
        "pick_lists",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pick_lists"),
    )
    op.create_table(
        "pick_list_lines",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("pick_list_id", _ID, sa.ForeignKey(
            "pick_lists.id", name="fk_pick_list_lines_pick_list_id_pick_lists"), nullable=False),
        sa.Column("order_id", _ID, sa.ForeignKey(
            "orders.id", name="fk_pick_list_lines_order_id_orders"), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", _QTY, nullable=False),
        sa.Column("location", sa.String(40)),
        sa.PrimaryKeyConstraint("id", name="pk_pick_list_lines"),
    )
    op.create_index("ix_pick_list_lines_pick_list_id", "pick_list_lines", ["pick_list_id"])


def downgrade() -> None:
    op.drop_index("ix_pick_list_lines_pick_list_id", "pick_list_lines")
    op.drop_table("pick_list_lines")
    op.drop_table("pick_lists")
    op.drop_table("stock_receipts")
    op.drop_index("ix_shipment_lines_shipment_id", "shipment_lines")
    op.drop_table("shipment_lines")
    op.drop_table("shipments")
    op.drop_column("order_lines", "shipped_quantity")
    op.drop_column("order_lines", "picked_quantity")
    op.drop_column("stock", "location")
    if op.get_bind().dialect.name != "sqlite":
        for table, column, nullable in (("orders", "status", False),
                                        ("order_events", "from_status", True),
                                        ("order_events", "to_status", False)):
            op.alter_column(table, column, type_=sa.String(16), existing_type=sa.String(20),
                            existing_nullable=nullable)
