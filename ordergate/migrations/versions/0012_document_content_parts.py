"""A large document's bytes in parts: the first stays in ``document_contents``, the rest go
into ``document_content_parts`` in pieces, so that storing or reading a 100 MB interchange
never holds it whole in memory (one statement parameter of 100 MB is 100 MB in the driver and
again in the database library). Existing rows are a document whose first part is all of it:
nothing is copied.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_content_parts",
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_document_content_parts_document_id_documents"),
        sa.PrimaryKeyConstraint("document_id", "part", name="pk_document_content_parts"),
    )


def downgrade() -> None:
    # Each document's parts join its first one again before the table goes.
    bind = op.get_bind()
    parts = sa.table("document_content_parts", sa.column("document_id"), sa.column("part"),
                     sa.column("content", sa.LargeBinary()))
    contents = sa.table("document_contents", sa.column("document_id"),
                        sa.column("content", sa.LargeBinary()))
    ids = [row[0] for row in bind.execute(sa.select(parts.c.document_id).distinct())]
    for document_id in ids:
        first = bind.execute(sa.select(contents.c.content)
                             .where(contents.c.document_id == document_id)).scalar_one()
        rest = b"".join(bytes(row[0]) for row in bind.execute(
            sa.select(parts.c.content).where(parts.c.document_id == document_id)
            .order_by(parts.c.part)))
        bind.execute(sa.update(contents).where(contents.c.document_id == document_id)
                     .values(content=bytes(first) + rest))
    op.drop_table("document_content_parts")
