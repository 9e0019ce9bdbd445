"""A backup taken while the database is in use restores into a fresh database with the same
orders, outbox and control numbers, on SQLite and PostgreSQL; after the restore the EDI
control numbers move ahead, so an interchange sent after the backup is never numbered again."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from ordergate.errors import ConfigError
from ordergate.outbox.control_numbers import allocate
from ordergate.store import tables as t
from ordergate.store.backup import RESTORE_JUMP, backup, manifest_of, restore
from ordergate.store.db import current_revision, make_engine, upgrade
from tests.kit.x12 import order_file, sku

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)


def snapshot(engine) -> dict:
    with engine.connect() as conn:
        return {
            "orders": conn.execute(select(t.orders.c.id, t.orders.c.po_number, t.orders.c.status)
                                   .order_by(t.orders.c.id)).all(),
            "outbox": conn.execute(select(t.outbox.c.id, t.outbox.c.kind, t.outbox.c.filename,
                                          t.outbox.c.payload).order_by(t.outbox.c.id)).all(),
            "numbers": conn.execute(select(t.control_numbers).order_by(
                t.control_numbers.c.partner_id, t.control_numbers.c.sequence)).all(),
        }


@pytest.fixture
def empty_engine(db, tmp_path, request):
    """An empty database of the same kind as ``db``, to restore into."""
    if db.dialect.name == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    else:
        engine = make_engine(request.getfixturevalue("make_pg_database")())
    yield engine
    engine.dispose()


def test_a_backup_restores_the_same_orders_outbox_and_numbers_and_numbers_move_on(
        db, ingest, tmp_path, empty_engine):
    ingest(order_file("B-1", sku("HW-1001", "2")), order_file("B-2", sku("HW-1001", "3"), control=2))
    before = snapshot(db)
    assert before["orders"] and before["outbox"] and before["numbers"]
    info = backup(db, tmp_path / "backups", now=NOW, revision=current_revision(db))
    assert info.counts["orders"] == 2 and manifest_of(tmp_path / "backups" / info.file).is_file()
    # the database goes on after the backup: an interchange numbered after it is lost below
    with db.begin() as conn:
        sent_after = allocate(conn, before["numbers"][0].partner_id, "isa")[0]

    restored = restore(empty_engine, tmp_path / "backups" / info.file, force=False, upgrade=upgrade)
    assert restored.matches is True and restored.counts == info.counts
    after = snapshot(empty_engine)
    assert after["orders"] == before["orders"] and after["outbox"] == before["outbox"]
    moved = {(r.partner_id, r.sequence): r.last_value for r in after["numbers"]}
    for row in before["numbers"]:
        assert moved[(row.partner_id, row.sequence)] == row.last_value + RESTORE_JUMP
    with empty_engine.begin() as conn:
        next_isa = allocate(conn, before["numbers"][0].partner_id, "isa")[0]
    assert next_isa > sent_after

    # a second restore into a database that holds orders now is refused without --force
    with pytest.raises(ConfigError, match="--force"):
        restore(empty_engine, tmp_path / "backups" / info.file, force=False, upgrade=upgrade)
