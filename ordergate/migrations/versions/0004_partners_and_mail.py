"""Partner profiles, mailbox messages and Message-ID claims for the email channel.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "partner_profiles",
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"],
                                name="fk_partner_profiles_customer_id_customers"),
        sa.PrimaryKeyConstraint("customer_id", name="pk_partner_profiles"),
    )
    op.create_table(
        "mailbox_messages",
        sa.Column("id", id_type, autoincrement=True, nullable=False),
        sa.Column("mailbox", sa.String(300), nullable=False),
        sa.Column("uidvalidity", sa.String(40), nullable=False),
        sa.Column("uid", sa.String(200), nullable=False),
        sa.Column("document_id", id_type, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_mailbox_messages_document_id_documents"),
        sa.PrimaryKeyConstraint("id", name="pk_mailbox_messages"),
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid",
                            name="uq_mailbox_messages_mailbox_uidvalidity_uid"),
    )
    op.create_table(
        "mail_claims",
        sa.Column("id", id_type, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(400), nullable=False),
        sa.Column("document_id", id_type, nullable=False),
        sa.Column("from_address", sa.String(320)),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_mail_claims_document_id_documents"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_claims"),
        sa.UniqueConstraint("message_id", name="uq_mail_claims_message_id"),
    )


def downgrade() -> None:
    op.drop_table("mail_claims")
    op.drop_table("mailbox_messages")
    op.drop_table("partner_profiles")
