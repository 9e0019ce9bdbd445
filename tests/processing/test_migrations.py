"""Data migrations run against data the pipeline really wrote (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import time

import pytest
from alembic import command
from sqlalchemy import delete, inspect, text, update

from ordergate.masterdata.seed import seed_masterdata
from ordergate.processing.ingest import ingest_documents
from ordergate.store import tables as t
from ordergate.store.db import (
    alembic_config,
    current_revision,
    free_bytes,
    make_engine,
    shipped_head,
    upgrade,
    vacuum,
)
from tests.kit.x12 import acks_855, bak, order_file, rows, stored_content

from .conftest import MASTERDATA, as_raw


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("make_pg_database")()
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_0003_links_855s_queued_before_order_acknowledgements_existed(fresh_engine, settings):
    engine = fresh_engine
    seed_masterdata(engine, MASTERDATA)
    settings.store_batch_size = 1  # one 855 interchange per order, as before 0002
    ingest_documents(engine, settings, [as_raw(order_file("OLD-1", control=1), "a.edi"),
                                        as_raw(order_file("OLD-2", control=2), "b.edi")],
                     actor="test")
    expected = {(link.order_id, link.outbox_id, link.reference)
                for link in rows(engine, t.order_acknowledgements)}
    with engine.begin() as conn:  # what a database written before 0002 held
        for order_id, outbox_id, _ in expected:
            conn.execute(update(t.outbox).where(t.outbox.c.id == outbox_id)
                         .values(order_id=order_id))
        conn.execute(delete(t.order_acknowledgements))
        command.downgrade(alembic_config(conn), "0002")

    upgrade(engine)

    links = rows(engine, t.order_acknowledgements)
    assert {(link.order_id, link.outbox_id, link.reference) for link in links} == expected
    assert len(expected) == 2 and {link.kind for link in links} == {"855"}
    assert sorted(bak(ts)[3] for ts in acks_855(engine)) == ["OLD-1", "OLD-2"]


def test_0007_moves_document_bytes_out_of_the_document_row_and_back(fresh_engine, settings):
    engine = fresh_engine
    seed_masterdata(engine, MASTERDATA)
    files = [order_file("MOVE-1", control=1), b"not EDI at all\n"]
    report = ingest_documents(engine, settings, [as_raw(files[0], "a.edi"), as_raw(files[1], "b.txt")],
                              actor="test")
    ids = [d.document_id for d in report.documents]
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0006")
        before = dict(conn.execute(text("SELECT id, content FROM documents")).all())
    assert {i: bytes(c) for i, c in before.items()} == dict(zip(ids, files))

    upgrade(engine)

    assert [stored_content(engine, i) for i in ids] == files
    with engine.connect() as conn:
        assert "content" not in {c["name"] for c in inspect(conn).get_columns("documents")}


def test_db_vacuum_gives_back_the_space_a_large_document_left(tmp_path, monkeypatch, capsys):
    from ordergate.cli import main

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'home' / 'ordergate.db'}")
    with engine.begin() as conn:  # what 0007 leaves behind: pages of bytes that moved away
        conn.execute(text("CREATE TABLE ballast (data BLOB)"))
        conn.execute(text("INSERT INTO ballast VALUES (randomblob(80000000))"))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE ballast"))
    assert free_bytes(engine) > 79_000_000
    capsys.readouterr()

    assert main(["db", "upgrade"]) == 0
    assert "MB of the database file is free space: `ordergate db vacuum`" in capsys.readouterr().out
    assert main(["db", "vacuum"]) == 0
    assert re.search(r"vacuumed: 80\.\d MB given back", capsys.readouterr().out)
    assert free_bytes(engine) == 0 and (tmp_path / "home" / "ordergate.db").stat().st_size < 5_000_000
    engine.dispose()


def test_db_vacuum_says_when_a_reader_keeps_the_file_from_shrinking_yet(tmp_path, monkeypatch, capsys):
    import sqlite3

    from ordergate.cli import main

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    path = tmp_path / "home" / "ordergate.db"
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM documents").fetchone()  # holds its snapshot
    capsys.readouterr()
    try:
        started = time.monotonic()
        assert main(["db", "vacuum"]) == 0
        assert "given back to the disk once the other connections reading it are done" in \
            capsys.readouterr().out
        assert time.monotonic() - started < 10  # not the 30 s busy timeout
    finally:
        reader.close()
    assert main(["db", "vacuum"]) == 0
    assert re.search(r"vacuumed: \d+ bytes given back\n", capsys.readouterr().out)
    assert path.with_name("ordergate.db-wal").stat().st_size == 0  # the log was truncated


def test_db_vacuum_leaves_the_schema_where_it_is(tmp_path, monkeypatch, capsys):
    from ordergate.cli import main

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    (tmp_path / "home").mkdir()
    engine = make_engine(f"sqlite:///{tmp_path / 'home' / 'ordergate.db'}")
    upgrade(engine, "0006")

    assert main(["db", "vacuum"]) == 0
    assert re.search(r"vacuumed: \d+ bytes given back", capsys.readouterr().out)
    assert current_revision(engine) == "0006"  # upgrading is for `ordergate db upgrade` to say
    engine.dispose()


def test_db_vacuum_on_a_database_that_does_not_answer_says_so(monkeypatch, capsys):
    from ordergate.cli import main

    monkeypatch.setenv("ORDERGATE_DATABASE_URL", "postgresql://root@127.0.0.1:1/test")
    assert main(["db", "vacuum"]) == 2
    err = capsys.readouterr().err
    assert "cannot use the database at postgresql" in err and "Traceback" not in err


@pytest.mark.postgresql
def test_db_vacuum_runs_on_postgresql(make_pg_database):
    engine = make_engine(make_pg_database())
    upgrade(engine)
    assert free_bytes(engine) is None
    assert vacuum(engine) is True  # outside a transaction, or PostgreSQL refuses
    engine.dispose()


def _old_documents(engine, count: int, size: int) -> list[bytes]:
    """Documents as a database at 0006 holds them, bytes in the row; ``size`` is what each
    row says it weighs (the copy batches by it)."""
    contents = [f"ISA*document {n}~".encode() * (n + 1) for n in range(count)]
    with engine.begin() as conn:
        for n, content in enumerate(contents):
            conn.execute(text(
                "INSERT INTO documents (content_hash, channel, source_ref, received_at, size, "
                "status, content) VALUES (:hash, 'test', :ref, now(), :size, 'received', :content)"),
                {"hash": f"{n:064d}", "ref": f"doc{n}", "size": size, "content": content})
    return contents


def test_0007_on_postgresql_commits_the_copy_in_batches(make_pg_database):
    """Each batch of about 64 MB is committed on its own: another connection sees it while the
    copy goes on, and the bytes all arrive."""
    from sqlalchemy import event

    engine = make_engine(make_pg_database())
    upgrade(engine, "0006")
    contents = _old_documents(engine, 5, size=40 * 1024 * 1024)  # batches: 1-2, 3-4, 5
    onlooker = make_engine(engine.url)
    seen: list[int] = []

    @event.listens_for(engine, "after_cursor_execute")
    def look(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO document_contents"):
            with onlooker.connect() as other:
                seen.append(other.execute(text("SELECT count(*) FROM document_contents")).scalar_one())

    upgrade(engine)
    assert seen == [2, 4, 5, 5]  # three batches, then the catch-up in the last transaction
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT document_id, content FROM document_contents")).all())
    assert [bytes(stored[i]) for i in sorted(stored)] == contents
    assert current_revision(engine) == shipped_head()
    onlooker.dispose()
    engine.dispose()


def test_0007_on_postgresql_goes_on_from_where_a_stopped_upgrade_left(make_pg_database):
    engine = make_engine(make_pg_database())
    upgrade(engine, "0006")
    contents = _old_documents(engine, 4, size=1000)
    with engine.begin() as conn:  # what an attempt stopped after its first batch left behind
        conn.exec_driver_sql("CREATE TABLE document_contents (document_id BIGINT PRIMARY KEY "
                             "REFERENCES documents (id), content BYTEA NOT NULL)")
        conn.exec_driver_sql("INSERT INTO document_contents SELECT id, content FROM documents "
                             "WHERE id <= 2")

    upgrade(engine)

    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT document_id, content FROM document_contents")).all())
        assert "content" not in {c["name"] for c in inspect(conn).get_columns("documents")}
    assert [bytes(stored[i]) for i in sorted(stored)] == contents
    engine.dispose()
