"""Document bytes in a table of their own, so that marking a document done stays small.

SQLite rewrites a whole row on every UPDATE: with the bytes in ``documents``, recording a
10 MB interchange's outcome wrote its 10 MB again. Dropping the old column frees its pages
but does not shrink the database: SQLite keeps them for reuse (``ordergate db upgrade`` says
how much, ``ordergate db vacuum`` gives it back to the disk); PostgreSQL too, until a
``VACUUM FULL documents``, which locks the table while it runs.

On PostgreSQL the bytes are copied in batches of about ``COPY_BATCH_BYTES``, each committed on
its own (``db.upgrade`` runs each migration in a transaction of its own there): no transaction
holds the whole database's documents, and an upgrade stopped half-way goes on from the last
batch it copied. Documents a worker of the old version stored meanwhile are copied in the
migration's last transaction, with the column dropped. SQLite copies in one statement.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ordergate.store.db import PER_MIGRATION

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


COPY_BATCH_BYTES = 64 * 1024 * 1024
_COPY = ("INSERT INTO document_contents (document_id, content) SELECT id, content FROM documents "
         "WHERE id > :after AND id <= :upto ORDER BY id")


def upgrade() -> None:
    bind = op.get_bind()
    # An earlier attempt that stopped half-way may have made the table and copied some.
    if not sa.inspect(bind).has_table("document_contents"):
        op.create_table(
            "document_contents",
            sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                      nullable=False),
            sa.Column("content", sa.LargeBinary(), nullable=False),
            sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                    name="fk_document_contents_document_id_documents"),
            sa.PrimaryKeyConstraint("document_id", name="pk_document_contents"),
        )
    context = op.get_context()
    if bind.dialect.name == "postgresql" and context.config.attributes.get(PER_MIGRATION):
        with context.autocommit_block():  # each batch below commits on its own
            _copy_in_batches(context.connection)
    bind.execute(sa.text(_COPY), {"after": _copied_up_to(bind), "upto": 2**62})
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch rebuild: every order,
    # interchange and outbox row refers to documents, which SQLite would have to re-create.
    op.drop_column("documents", "content")


def _copied_up_to(conn) -> int:
    return conn.execute(sa.text("SELECT coalesce(max(document_id), 0) FROM document_contents")
                        ).scalar_one()


def _copy_in_batches(conn) -> None:
    """Copy in id order, about COPY_BATCH_BYTES at a time, from where the last attempt left."""
    after = _copied_up_to(conn)
    while True:
        sizes = conn.execute(sa.text("SELECT id, size FROM documents WHERE id > :after "
                                     "ORDER BY id LIMIT 10000"), {"after": after}).all()
        if not sizes:
            return
        upto, total = sizes[-1].id, 0
        for row in sizes:
            total += row.size
            if total >= COPY_BATCH_BYTES:
                upto = row.id
                break
        conn.execute(sa.text(_COPY), {"after": after, "upto": upto})
        after = upto


def downgrade() -> None:
    # SQLite adds a NOT NULL column only with a default; every row gets its bytes right after.
    op.add_column("documents", sa.Column("content", sa.LargeBinary(), nullable=False,
                                         server_default=sa.text("''")))
    op.execute("UPDATE documents SET content = (SELECT content FROM document_contents "
               "WHERE document_contents.document_id = documents.id)")
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot drop a default in place
        op.alter_column("documents", "content", server_default=None)
    op.drop_table("document_contents")
