"""Backing the database up while workers run, and restoring it.

SQLite: the online backup API copies the database page by page in steps, so writers wait a
moment at a time, never for the whole copy, and the copy is one consistent state. PostgreSQL:
``pg_dump`` in the custom format, taken from a snapshot exported by the transaction that
counts the rows, so the counts in the manifest are exactly what the dump holds.

Each backup is a file plus a manifest beside it (``.json``: kind, revision, time, row counts).
A restore goes into an empty database of the same kind (``--force`` replaces what is there),
upgrades it to the current revision, checks the counts against the manifest, and moves every
EDI control-number sequence ahead by ``RESTORE_JUMP``: interchanges sent after the backup
used numbers the restored database no longer knows, and a partner refuses a number it has
seen. (Invoice numbers must stay without gaps, so they are not moved: the restore reports
the last one it holds, and invoices issued after the backup have to be re-entered.)
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.engine import make_url

from ordergate.errors import ConfigError
from ordergate.store import tables as t

# What a manifest counts, and a restore compares.
COUNTED = ("documents", "orders", "order_lines", "outbox", "shipments", "invoices",
           "control_numbers")
EDI_SEQUENCES = ("isa", "gs", "st", "unb", "unh")
RESTORE_JUMP = 1_000_000
MAX_CONTROL_NUMBER = 999_999_999
SQLITE_STEP_PAGES = 1024  # pages per step of the online backup: about 4 MB, a few ms of lock


@dataclass
class BackupInfo:
    file: str
    database: str  # "sqlite" | "postgresql"
    revision: str | None
    created_at: str
    bytes: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class RestoreInfo:
    file: str
    database: str
    revision: str | None
    counts: dict[str, int]
    expected: dict[str, int] | None
    matches: bool | None  # None: the backup had no manifest
    sequences_moved: int
    last_invoice_numbers: list[str]


def backup(engine: Engine, folder: Path, *, now: datetime, revision: str | None) -> BackupInfo:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    kind = engine.dialect.name
    if kind == "sqlite":
        target = folder / f"ordergate-{stamp}.sqlite"
        _sqlite_backup(engine, target)
        copy = sqlite3.connect(target)
        try:
            counts = {name: copy.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                      for name in COUNTED}
        finally:
            copy.close()
    elif kind == "postgresql":
        target = folder / f"ordergate-{stamp}.pgdump"
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                counts = _counts(conn)
                _pg("pg_dump", engine, ["--format=custom", f"--snapshot={snapshot}",
                                        f"--file={target}"])
    else:
        raise ConfigError(f"backups are made for SQLite and PostgreSQL, not {kind}")
    info = BackupInfo(file=str(target), database=kind, revision=revision,
                      created_at=now.isoformat(), bytes=target.stat().st_size, counts=counts)
    manifest_of(target).write_text(json.dumps(asdict(info), indent=2) + "\n")
    return info


def restore(engine: Engine, source: Path, *, force: bool, upgrade) -> RestoreInfo:
    """Restore ``source`` into the database of ``engine``; ``upgrade(engine)`` brings it to
    the current revision afterwards."""
    if not source.is_file():
        raise ConfigError(f"no backup file {source}")
    manifest = manifest_of(source)
    expected = json.loads(manifest.read_text()) if manifest.is_file() else None
    kind = engine.dialect.name
    if expected is not None and expected["database"] != kind:
        raise ConfigError(f"{source} is a {expected['database']} backup; this database is {kind}")
    if not force and _has_data(engine):
        raise ConfigError("the database already holds documents or orders: restore into an "
                          "empty one (a new ORDERGATE_HOME or database), or pass --force to "
                          "replace what it holds")
    if kind == "sqlite":
        engine.dispose()
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(make_url(str(engine.url)).database)
        try:
            backup_file.backup(target)
        finally:
            target.close()
            backup_file.close()
    elif kind == "postgresql":
        _pg("pg_restore", engine, ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                                   str(source)])
    else:
        raise ConfigError(f"restores are made for SQLite and PostgreSQL, not {kind}")
    with engine.connect() as conn:
        counts = _counts(conn)
    upgrade(engine)
    with engine.begin() as conn:
        moved = _move_sequences(conn)
        last_invoices = [f"{row.partner_id.removeprefix('invoice:')}-{row.sequence}-{row.last_value:06d}"
                         for row in conn.execute(select(t.control_numbers).where(
                             t.control_numbers.c.partner_id.like("invoice:%"))
                             .order_by(t.control_numbers.c.partner_id, t.control_numbers.c.sequence))]
    from ordergate.store.db import current_revision

    wanted = expected["counts"] if expected else None
    return RestoreInfo(file=str(source), database=kind, revision=current_revision(engine),
                       counts=counts, expected=wanted,
                       matches=None if wanted is None else wanted == counts,
                       sequences_moved=moved, last_invoice_numbers=last_invoices)


def manifest_of(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _sqlite_backup(engine: Engine, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(destination, pages=SQLITE_STEP_PAGES)
        finally:
            destination.close()
    finally:
        raw.close()
    os.replace(partial, target)


def _counts(conn: Connection) -> dict[str, int]:
    return {name: conn.execute(select(func.count()).select_from(t.metadata.tables[name]))
            .scalar_one() for name in COUNTED}


def _has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        try:
            return any(conn.execute(select(func.count()).select_from(table)).scalar_one()
                       for table in (t.documents, t.orders))
        except Exception:  # no schema yet: nothing to lose
            return False


def _move_sequences(conn: Connection) -> int:
    """Every EDI control-number sequence ahead by ``RESTORE_JUMP`` (wrapping as ``allocate``
    does): numbers sent after the backup are never used again."""
    value = t.control_numbers.c.last_value
    return conn.execute(update(t.control_numbers)
                        .where(t.control_numbers.c.sequence.in_(EDI_SEQUENCES))
                        .values(last_value=(value + RESTORE_JUMP) % MAX_CONTROL_NUMBER)).rowcount


def _pg(program: str, engine: Engine, arguments: list[str]) -> None:
    """Run ``pg_dump``/``pg_restore`` against the engine's database; its password goes in the
    environment (PGPASSWORD), never on the command line."""
    if shutil.which(program) is None:
        raise ConfigError(f"{program} is not installed (Debian: apt-get install postgresql-client)")
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    connection = [f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}",
                  f"--dbname={url.database}"]
    if url.username:
        connection.append(f"--username={url.username}")
    done = subprocess.run([program, *connection, *arguments], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise ConfigError(f"{program} failed (exit code {done.returncode}): "
                          f"{done.stderr.strip()[-500:]}")
