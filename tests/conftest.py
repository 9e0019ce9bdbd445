"""Shared fixtures: migrated SQLite and PostgreSQL engines, and ``engine`` over both.

PostgreSQL tests use throwaway databases on the server named by ``ORDERGATE_TEST_PG_URL``
(default: the local trust-auth server). Without a server they are skipped locally and fail
in strict mode (tests/kit/strict.py), so a broken CI service cannot turn the PostgreSQL half
of the suite silently green.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

ROOT = Path(__file__).resolve().parent.parent
# Until the package is installed (pip install -e .), make ``import ordergate`` work from a checkout.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ordergate.store.db import make_engine, normalise_url, upgrade  # noqa: E402
from ordergate.store.tables import metadata  # noqa: E402
from tests.kit.strict import require  # noqa: E402

# The real servers' fixtures, for every test that names them: a Dovecot started once per session
# (tests/kit/mailserver.py) and an aiosmtpd server in this process (tests/kit/smtpserver.py).
pytest_plugins = ["tests.kit.mailserver", "tests.kit.smtpserver"]

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SAMPLES = ROOT / "samples"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: needs the PostgreSQL test server")


@pytest.fixture(autouse=True)
def _root_log_handlers_restored() -> Iterator[None]:
    """Take off the root-logger handlers a test left behind. A command run in-process lets
    Prefect configure logging, which hangs a console handler on the root logger writing to that
    test's captured stderr; pytest closes the capture afterwards, and the next record logged in
    a later test would go to a closed file and print a logging error instead."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        # pytest's own capture handlers come and go with each phase; pytest removes them.
        if handler not in before and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)
    root.setLevel(level)


# ---------------------------------------------------------------- SQLite
@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ordergate.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite database in a file under tmp_path (WAL needs a real file)."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


# ---------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="session")
def pg_admin_url() -> URL:
    """The URL of the server's admin connection; skips, or fails in strict mode, without a server."""
    url = normalise_url(os.environ.get("ORDERGATE_TEST_PG_URL", DEFAULT_PG_URL))
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server means the same thing here
        # One line: the driver's own message runs to several, repeated for every skipped test.
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:160]
        message = f"PostgreSQL not reachable at {url.render_as_string(hide_password=True)}: {reason}"
        require(False, message)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def make_pg_database(pg_admin_url: URL) -> Iterator[Callable[[], URL]]:
    """A factory of fresh, empty, uniquely named databases; all are dropped at session end."""
    admin = make_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create() -> URL:
        name = f"ordergate_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return pg_admin_url.set(database=name)

    yield create
    with admin.connect() as conn:
        for name in created:
            # FORCE: a test that failed mid-way may have left a connection open.
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url(make_pg_database: Callable[[], URL]) -> URL:
    """One migrated database for the session; ``pg_engine`` empties it before each test."""
    url = make_pg_database()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def pg_engine(pg_url: URL) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    yield engine
    engine.dispose()


# ---------------------------------------------------------------- both
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database; tests using it run once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{'pg' if request.param == 'postgresql' else 'sqlite'}_engine")
