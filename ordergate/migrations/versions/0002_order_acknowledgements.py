"""Order acknowledgements: which outbound message (and which set inside it) answered an order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

855s are now batched, one interchange per partner per stored batch, so ``outbox.order_id``
can no longer name the order; this table links each order to the message and the ST02 (or
UNH reference) that carries its acknowledgement.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "order_acknowledgements",
        sa.Column("id", id_type, autoincrement=True, nullable=False),
        sa.Column("order_id", id_type, nullable=False),
        sa.Column("outbox_id", id_type, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name="fk_order_acknowledgements_order_id_orders"),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"],
                                name="fk_order_acknowledgements_outbox_id_outbox"),
        sa.PrimaryKeyConstraint("id", name="pk_order_acknowledgements"),
        sa.UniqueConstraint("outbox_id", "reference",
                            name="uq_order_acknowledgements_outbox_id_reference"),
    )
    op.create_index("ix_order_acknowledgements_order_id", "order_acknowledgements", ["order_id"])


def downgrade() -> None:
    op.drop_table("order_acknowledgements")
