"""Initial schema: master data, documents, interchanges, orders, outbox, control numbers.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written out in full rather than built from ``ordergate.store.tables`` so that later edits to
the tables module cannot change what this revision creates; ``tests/orders/test_db.py``
checks that head still matches the tables module on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine:
    # BIGINT on PostgreSQL; INTEGER on SQLite so the key aliases the rowid and autoincrements.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money() -> sa.Numeric:
    return sa.Numeric(precision=18, scale=4)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    _create_master_data()
    _create_documents()
    _create_orders()
    _create_outbound()


def _create_master_data() -> None:
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("x12_id", sa.String(40)),
        sa.Column("edifact_id", sa.String(60)),
        sa.Column("credit_limit", _money()),
        sa.Column("currency", sa.String(3)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customers"),
        sa.UniqueConstraint("x12_id", name="uq_customers_x12_id"),
        sa.UniqueConstraint("edifact_id", name="uq_customers_edifact_id"),
    )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("description", sa.String(300)),
        sa.Column("gtin", sa.String(14)),
        sa.Column("uom", sa.String(8)),
        sa.Column("list_price", _money()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sku", name="pk_products"),
        sa.UniqueConstraint("gtin", name="uq_products_gtin"),
    )
    op.create_table(
        "stock",
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("on_hand", _money(), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name="fk_stock_sku_products"),
        sa.PrimaryKeyConstraint("sku", name="pk_stock"),
    )
    op.create_table(
        "prices",
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("unit_price", _money(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"],
                                name="fk_prices_customer_id_customers"),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name="fk_prices_sku_products"),
        sa.PrimaryKeyConstraint("customer_id", "sku", name="pk_prices"),
    )
    op.create_table(
        "item_xref",
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("buyer_part", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"],
                                name="fk_item_xref_customer_id_customers"),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name="fk_item_xref_sku_products"),
        sa.PrimaryKeyConstraint("customer_id", "buyer_part", name="pk_item_xref"),
    )


def _create_documents() -> None:
    op.create_table(
        "documents",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("source_ref", sa.String(1000), nullable=False),
        sa.Column("sender", sa.String(320)),
        sa.Column("customer_hint", sa.String(64)),
        sa.Column("received_at", _time(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("format", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("processed_at", _time()),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("content_hash", name="uq_documents_content_hash"),
    )
    op.create_table(
        "interchanges",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("document_id", _id(), nullable=False),
        sa.Column("standard", sa.String(8), nullable=False),
        sa.Column("sender_id", sa.String(64), nullable=False),
        sa.Column("receiver_id", sa.String(64), nullable=False),
        sa.Column("control_number", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_interchanges_document_id_documents"),
        sa.PrimaryKeyConstraint("id", name="pk_interchanges"),
        sa.UniqueConstraint("standard", "sender_id", "control_number",
                            name="uq_interchanges_standard_sender_id_control_number"),
    )


def _create_orders() -> None:
    op.create_table(
        "orders",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("document_id", _id(), nullable=False),
        sa.Column("source_key", sa.String(80), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("partner_id", sa.String(80), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("po_number", sa.String(64), nullable=False),
        sa.Column("po_date", sa.Date()),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("requested_date", sa.Date()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("hold_reasons", sa.Text()),
        sa.Column("total", _money()),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"],
                                name="fk_orders_customer_id_customers"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_orders_document_id_documents"),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("customer_id", "po_number", name="uq_orders_customer_id_po_number"),
        sa.UniqueConstraint("document_id", "source_key", name="uq_orders_document_id_source_key"),
    )
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_table(
        "order_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("buyer_line_id", sa.String(20)),
        sa.Column("buyer_part", sa.String(64)),
        sa.Column("vendor_part", sa.String(64)),
        sa.Column("gtin", sa.String(14)),
        sa.Column("sku", sa.String(64)),
        sa.Column("description", sa.String(300)),
        sa.Column("quantity", _money(), nullable=False),
        sa.Column("uom", sa.String(8)),
        sa.Column("unit_price", _money()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_lines_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_order_lines"),
        sa.UniqueConstraint("order_id", "line_number", name="uq_order_lines_order_id_line_number"),
    )
    op.create_table(
        "order_events",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_events_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_order_events"),
    )
    op.create_index("ix_order_events_order_id", "order_events", ["order_id"])
    op.create_table(
        "order_duplicates",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("document_id", _id(), nullable=False),
        sa.Column("source_key", sa.String(80), nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_order_duplicates_document_id_documents"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_duplicates_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_order_duplicates"),
        sa.UniqueConstraint("document_id", "source_key",
                            name="uq_order_duplicates_document_id_source_key"),
    )


def _create_outbound() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(160), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("partner_id", sa.String(80), nullable=False),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("destination", sa.String(120), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("document_id", _id()),
        sa.Column("order_id", _id()),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("sent_at", _time()),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name="fk_outbox_document_id_documents"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_outbox_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_status", "outbox", ["status"])
    op.create_table(
        "control_numbers",
        sa.Column("partner_id", sa.String(80), nullable=False),
        sa.Column("sequence", sa.String(16), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "sequence", name="pk_control_numbers"),
    )


def downgrade() -> None:
    # Children before parents so foreign keys never dangle.
    for table in ("control_numbers", "outbox", "order_duplicates", "order_events", "order_lines",
                  "orders", "interchanges", "documents", "item_xref", "prices", "stock",
                  "products", "customers"):
        op.drop_table(table)
