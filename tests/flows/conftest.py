"""Prefect's test harness, started once per session (it takes seconds to start)."""

import pytest

from ordergate.flows.runtime import quiet_prefect


@pytest.fixture(scope="session")
def prefect_harness():
    quiet_prefect()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def ordergate_home(tmp_path, monkeypatch):
    """An ORDERGATE_HOME with the schema and the sample master data."""
    from pathlib import Path

    from ordergate.app import open_engine
    from ordergate.masterdata.seed import seed_masterdata
    from ordergate.settings import Settings
    from ordergate.store.db import upgrade

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    from tests.kit.mailserver import TRUSTED_AUTHSERV_ID

    monkeypatch.setenv("ORDERGATE_MAIL_TRUSTED_AUTHSERV_IDS", TRUSTED_AUTHSERV_ID)
    settings = Settings()
    engine = open_engine(settings)
    upgrade(engine)
    seed_masterdata(engine, Path(__file__).resolve().parents[2] / "samples" / "masterdata")
    yield settings, engine
    engine.dispose()
