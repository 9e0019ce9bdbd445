"""Billing: customers' terms and tax, our company, invoices with their lines and shipments,
payments, returns, reminders and the unapplied credit customers hold; and the partners'
acknowledgements of what we send, on the outbox rows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MONEY = sa.Numeric(18, 4, asdecimal=True)
_RATE = sa.Numeric(7, 4, asdecimal=True)
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    for name, type_ in (("interchange_control", sa.String(20)), ("group_control", sa.String(20)),
                        ("ack_status", sa.String(16)), ("ack_detail", sa.Text()),
                        ("acked_at", _TIME), ("ack_announced", sa.String(16))):
        op.add_column("outbox", sa.Column(name, type_))
    op.create_index("ix_outbox_partner_id_interchange_control", "outbox",
                    ["partner_id", "interchange_control"])
    op.add_column("customers", sa.Column("payment_terms", sa.String(40)))
    op.add_column("customers", sa.Column("tax_rate", _RATE))
    op.add_column("customers", sa.Column("tax_id", sa.String(40)))
    op.add_column("customers", sa.Column("invoice_email", sa.String(320)))
    op.add_column("customer_exposure", sa.Column("unapplied_credit", _MONEY, nullable=False,
                                                 server_default="0"))
    op.create_table(
        "company_profile",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_company_profile"),
    )
    op.create_table(
        "invoices",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("invoice_number", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("order_id", _ID),
        sa.Column("corrects_invoice_id", _ID),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("discount_date", sa.Date()),
        sa.Column("discount_percent", _RATE),
        sa.Column("terms", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("subtotal", _MONEY, nullable=False),
        sa.Column("tax", _MONEY, nullable=False),
        sa.Column("total", _MONEY, nullable=False),
        sa.Column("paid", _MONEY, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"],
                                name="fk_invoices_customer_id_customers"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_invoices_order_id_orders"),
        sa.ForeignKeyConstraint(["corrects_invoice_id"], ["invoices.id"],
                                name="fk_invoices_corrects_invoice_id_invoices"),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        sa.UniqueConstraint("invoice_number", name="uq_invoices_invoice_number"),
    )
    op.create_index("ix_invoices_customer_id_status", "invoices", ["customer_id", "status"])
    op.create_table(
        "invoice_lines",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("invoice_id", _ID, nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", _MONEY, nullable=False),
        sa.Column("unit_price", _MONEY, nullable=False),
        sa.Column("tax_rate", _RATE, nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("tax", _MONEY, nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name="fk_invoice_lines_invoice_id_invoices"),
        sa.PrimaryKeyConstraint("id", name="pk_invoice_lines"),
    )
    op.create_index("ix_invoice_lines_invoice_id", "invoice_lines", ["invoice_id"])
    op.create_table(
        "invoice_shipments",
        sa.Column("shipment_id", _ID, autoincrement=False, nullable=False),
        sa.Column("invoice_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"],
                                name="fk_invoice_shipments_shipment_id_shipments"),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name="fk_invoice_shipments_invoice_id_invoices"),
        sa.PrimaryKeyConstraint("shipment_id", name="pk_invoice_shipments"),
    )
    op.create_table(
        "invoice_reminders",
        sa.Column("invoice_id", _ID, autoincrement=False, nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name="fk_invoice_reminders_invoice_id_invoices"),
        sa.PrimaryKeyConstraint("invoice_id", "sent_on", name="pk_invoice_reminders"),
    )
    op.create_table(
        "returns",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.Column("credit_note_id", _ID),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_returns_order_id_orders"),
        sa.ForeignKeyConstraint(["credit_note_id"], ["invoices.id"],
                                name="fk_returns_credit_note_id_invoices"),
        sa.PrimaryKeyConstraint("id", name="pk_returns"),
    )
    op.create_table(
        "return_lines",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("return_id", _ID, nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", _MONEY, nullable=False),
        sa.ForeignKeyConstraint(["return_id"], ["returns.id"],
                                name="fk_return_lines_return_id_returns"),
        sa.PrimaryKeyConstraint("id", name="pk_return_lines"),
    )
    op.create_index("ix_return_lines_return_id", "return_lines", ["return_id"])
    op.create_table(
        "payments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("invoice_id", _ID),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("applied", _MONEY, nullable=False),
        sa.Column("unapplied", _MONEY, nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"],
                                name="fk_payments_customer_id_customers"),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name="fk_payments_invoice_id_invoices"),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        sa.UniqueConstraint("reference", name="uq_payments_reference"),
    )


def downgrade() -> None:
    op.drop_table("payments")
    op.drop_table("invoice_reminders")
    op.drop_index("ix_return_lines_return_id", "return_lines")
    op.drop_table("return_lines")
    op.drop_table("returns")
    op.drop_table("invoice_shipments")
    op.drop_index("ix_invoice_lines_invoice_id", "invoice_lines")
    op.drop_table("invoice_lines")
    op.drop_index("ix_invoices_customer_id_status", "invoices")
    op.drop_table("invoices")
    op.drop_table("company_profile")
    op.drop_column("customer_exposure", "unapplied_credit")
    for column in ("invoice_email", "tax_id", "tax_rate", "payment_terms"):
        op.drop_column("customers", column)
    op.drop_index("ix_outbox_partner_id_interchange_control", "outbox")
    for column in ("ack_announced", "acked_at", "ack_detail", "ack_status", "group_control",
                   "interchange_control"):
        op.drop_column("outbox", column)
