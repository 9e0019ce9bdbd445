"""Document bytes in a table of their own, so that marking a document done stays small.

SQLite rewrites a whole row on every UPDATE: with the bytes in ``documents``, recording a
10 MB interchange's outcome wrote its 10 MB again. Dropping the old column frees its pages
but does not shrink the database: SQLite keeps them for reuse (``ordergate db upgrade`` says
how much, ``ordergate db vacuum`` gives it back to the disk); PostgreSQL too, until a
``VACUUM FULL documents``, which locks the table while it runs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_contents",
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_document_contents_document_id_documents"),
        sa.PrimaryKeyConstraint("document_id", name="pk_document_contents"),
    )
    op.execute("INSERT INTO document_contents (document_id, content) SELECT id, content FROM documents")
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch rebuild: every order,
    # interchange and outbox row refers to documents, which SQLite would have to re-create.
    op.drop_column("documents", "content")


def downgrade() -> None:
    # SQLite adds a NOT NULL column only with a default; every row gets its bytes right after.
    op.add_column("documents", sa.Column("content", sa.LargeBinary(), nullable=False,
                                         server_default=sa.text("''")))
    op.execute("UPDATE documents SET content = (SELECT content FROM document_contents "
               "WHERE document_contents.document_id = documents.id)")
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot drop a default in place
        op.alter_column("documents", "content", server_default=None)
    op.drop_table("document_contents")
