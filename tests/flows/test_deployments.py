"""The served deployments and those `ordergate deploy` makes for process workers: the same flows,
one run at a time each (the drop-folder poll one per worker), the schedules from the settings,
names that never collide on one server; and a real process worker running a deployed poll."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_served_deployments_run_one_at_a_time_on_the_configured_schedule(monkeypatch, tmp_path):
    from ordergate.flows.serve import deployments
    from ordergate.settings import Settings

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path))
    monkeypatch.setenv("ORDERGATE_POLL_INTERVAL_SECONDS", "15")
    served = {d.name: d for d in deployments(Settings())}
    assert set(served) == {"drop-folder-poll", "mailbox-poll", "outbox-delivery", "invoice-run",
                           "invoice-reminders", "prune-history", "daily-report"}
    assert {d.concurrency_limit for d in served.values()} == {1}
    polls = ("drop-folder-poll", "mailbox-poll", "outbox-delivery")
    assert {served[name].concurrency_options.collision_strategy for name in polls} == {
        "CANCEL_NEW"}
    intervals = {name: d.schedules[0].schedule.interval for name, d in served.items()
                 if hasattr(d.schedules[0].schedule, "interval")}
    assert intervals == {"drop-folder-poll": timedelta(seconds=15),
                         "mailbox-poll": timedelta(seconds=15),
                         "outbox-delivery": timedelta(seconds=10)}


def test_worker_deployments_are_the_served_ones_under_names_of_their_own(monkeypatch, tmp_path):
    from ordergate.flows.serve import INSTALLATION, deployments
    from ordergate.settings import Settings

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path))
    monkeypatch.setenv("ORDERGATE_POLL_INTERVAL_SECONDS", "20")
    monkeypatch.setenv("ORDERGATE_DROP_FOLDER_RUNS", "3")
    served = {d.name: d for d in deployments(Settings())}
    workers = {d.name: d for d in deployments(Settings(), worker=True)}
    assert set(workers) == {f"{name}-worker" for name in served}
    for name, mine in served.items():
        theirs = workers[f"{name}-worker"]
        assert theirs.entrypoint.endswith(mine.entrypoint.rsplit("/ordergate/", 1)[-1])
        assert Path(theirs.storage.destination) == INSTALLATION
        for part in ("interval", "cron"):  # the anchor dates differ: made a moment apart
            assert (getattr(theirs.schedules[0].schedule, part, None)
                    == getattr(mine.schedules[0].schedule, part, None))
        assert theirs.concurrency_limit == mine.concurrency_limit
    # One drop-folder poll per worker; everything else one run at a time.
    assert served["drop-folder-poll"].concurrency_limit == 3
    assert {d.concurrency_limit for n, d in served.items() if n != "drop-folder-poll"} == {1}


def test_the_local_server_tells_its_ui_its_own_port_and_logs_to_the_home(tmp_path):
    """On a port other than 4200 the UI must still find the API; the server's output is kept
    where ops can read it."""
    import socket

    import httpx

    from ordergate.flows.serve import SERVER_LOG, local_prefect_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with local_prefect_server(port, log_dir=tmp_path / "logs") as api_url:
        assert api_url == f"http://127.0.0.1:{port}/api"
        settings = httpx.get(f"http://127.0.0.1:{port}/ui-settings", timeout=10).json()
        assert settings["api_url"] == api_url
    log = (tmp_path / "logs" / SERVER_LOG).read_text()
    assert f"dashboard at http://127.0.0.1:{port}" in log
    assert "telemetry" not in log  # no internet here: nothing tries to phone home


def test_serving_on_another_address_is_refused_without_authentication(monkeypatch):
    from ordergate.errors import ConfigError
    from ordergate.flows.serve import is_local, local_prefect_server

    monkeypatch.delenv("PREFECT_SERVER_API_AUTH_STRING", raising=False)
    assert is_local("127.0.0.1") and is_local("::1") and is_local("localhost")
    assert not is_local("0.0.0.0") and not is_local("10.1.2.3") and not is_local("ops.example")
    with pytest.raises(ConfigError, match="PREFECT_SERVER_API_AUTH_STRING"):
        with local_prefect_server(4999, host="0.0.0.0"):
            raise AssertionError("a server started")


def test_on_every_address_the_server_asks_for_the_password(tmp_path, monkeypatch):
    """Bound to 0.0.0.0 with Prefect's basic authentication: the API refuses a caller without
    the password, answers one with it, and this process is given it as a client."""
    import socket

    import httpx

    from ordergate.flows.serve import local_prefect_server

    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "ops:s3cret-for-the-test")
    monkeypatch.delenv("PREFECT_API_AUTH_STRING", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with local_prefect_server(port, host="0.0.0.0", log_dir=tmp_path / "logs") as api_url:
        assert api_url == f"http://127.0.0.1:{port}/api"
        assert httpx.post(f"{api_url}/flows/filter", json={}, timeout=10).status_code == 401
        assert httpx.post(f"{api_url}/flows/filter", json={}, timeout=10,
                          auth=("ops", "s3cret-for-the-test")).status_code == 200
        assert os.environ["PREFECT_API_AUTH_STRING"] == "ops:s3cret-for-the-test"
    log = (tmp_path / "logs" / "prefect-server.log").read_text()
    assert "s3cret" not in log


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ordergate(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ordergate", *args], env=env,
                          capture_output=True, text=True, timeout=180)


def test_a_process_worker_runs_the_deployed_drop_folder_poll(ordergate_home, tmp_path,
                                                             monkeypatch):
    """As the README deploys it: a Prefect server, a process work pool, `ordergate deploy`, a
    worker started where ORDERGATE_HOME is set. The worker loads the flow from this
    installation, takes the file from the inbox and stores its order."""
    from sqlalchemy import select

    from ordergate.flows.serve import INSTALLATION, SERVER_LOG, local_prefect_server
    from ordergate.store import tables as t

    settings, engine = ordergate_home
    settings.inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "samples" / "x12" / "acme_4500012345.edi", settings.inbox / "acme_4500012345.edi")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with local_prefect_server(_free_port(), log_dir=tmp_path / "logs") as api_url:
        env = dict(os.environ, PREFECT_API_URL=api_url, ORDERGATE_DROP_FOLDER_RUNS="2",
                   ORDERGATE_POLL_INTERVAL_SECONDS="3600", PREFECT_WORKER_QUERY_SECONDS="1")
        refused = _ordergate("deploy", "--pool", "intake", env=env)
        assert refused.returncode == 2
        assert "no work pool 'intake'" in refused.stderr
        assert "prefect work-pool create intake --type process" in refused.stderr
        created = subprocess.run([sys.executable, "-m", "prefect", "work-pool", "create",
                                  "intake", "--type", "process"], env=env, capture_output=True,
                                 text=True, timeout=120)
        assert created.returncode == 0, created.stderr

        deployed = _ordergate("deploy", "--pool", "intake", "--json", env=env)
        assert deployed.returncode == 0, deployed.stderr
        made = json.loads(deployed.stdout)
        assert made["pool"] == "intake"
        assert "ingest-drop-folder/drop-folder-poll-worker" in made["deployments"]
        assert len(made["deployments"]) == 7
        assert all(name.endswith("-worker") for name in made["deployments"])

        api = httpx.Client(base_url=api_url, timeout=30)
        deployment = api.get("/deployments/name/ingest-drop-folder/drop-folder-poll-worker").json()
        assert deployment["work_pool_name"] == "intake"
        assert deployment["global_concurrency_limit"]["limit"] == 2
        assert deployment["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
        assert deployment["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {
            "directory": str(INSTALLATION)}}]
        assert deployment["entrypoint"] == "ordergate/flows/ingest_flow.py:ingest_drop_folder"
        assert deployment["schedules"][0]["schedule"]["interval"] == 3600
        run = api.post(f"/deployments/{deployment['id']}/create_flow_run", json={}).json()

        worker = subprocess.run([sys.executable, "-m", "prefect", "worker", "start", "--pool",
                                 "intake", "--run-once"], env=env, capture_output=True,
                                text=True, timeout=240)
        assert worker.returncode == 0, worker.stdout[-2000:] + worker.stderr[-2000:]
        deadline = time.monotonic() + 60
        while (state := api.get(f"/flow_runs/{run['id']}").json()["state"])["type"] in (
                "SCHEDULED", "PENDING", "RUNNING") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert state["type"] == "COMPLETED", state
        assert "1 files" in api.get(f"/flow_runs/{run['id']}").json()["name"]
    with engine.connect() as conn:
        assert conn.execute(select(t.orders.c.po_number)).scalars().all() == ["4500012345"]
    assert not (settings.inbox / "acme_4500012345.edi").exists()
    assert [p.name for p in settings.archive.rglob("*.edi")] == ["1_acme_4500012345.edi"]
    assert "Traceback" not in (tmp_path / "logs" / SERVER_LOG).read_text().split(
        "Application shutdown")[0]


def test_deploy_needs_a_running_prefect_server(tmp_path):
    env = dict(os.environ, ORDERGATE_HOME=str(tmp_path))
    env.pop("PREFECT_API_URL", None)
    refused = _ordergate("deploy", env=env)
    assert refused.returncode == 2
    assert "set PREFECT_API_URL" in refused.stderr
