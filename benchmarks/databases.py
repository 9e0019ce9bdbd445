"""Databases for the benchmarks: a fresh home (SQLite in it) or a fresh PostgreSQL database
on the local server per run, dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class Database:
    """A fresh, migrated, seeded database per call of ``fresh``; dropped by ``close``."""

    name = "SQLite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._made: list[str] = []

    def fresh(self) -> tuple[Path, str | None]:
        """A new home and the database URL to use with it (None: SQLite in the home)."""
        home = Path(tempfile.mkdtemp(dir=self.workdir))
        return home, None

    def close(self) -> None:
        pass


class Postgres(Database):
    name = "PostgreSQL"

    def __init__(self, workdir: Path, admin) -> None:
        super().__init__(workdir)
        self.admin = admin

    def fresh(self) -> tuple[Path, str | None]:
        home, _ = super().fresh()
        name = f"ordergate_bench_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return home, self.admin.url.set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in self._made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


def pg_admin():
    from sqlalchemy import text

    from ordergate.store.db import make_engine

    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server means: no PostgreSQL figures
        admin.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:160]
        print(f"PostgreSQL not reachable at 127.0.0.1:5432 ({reason}): its figures are skipped")
        return None
    return admin


def candidates(workdir: Path, *, pg: bool = True) -> list[Database]:
    """SQLite, and PostgreSQL beside it when ``pg`` and the local server answers."""
    found: list[Database] = [Database(workdir)]
    admin = pg_admin() if pg else None
    if admin is not None:
        found.append(Postgres(workdir, admin))
    return found
