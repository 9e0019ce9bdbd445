"""The served deployments and `prefect.yaml`'s: the same flows, one run at a time each, the
schedules from the settings, and names that never collide on one server."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

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


def test_prefect_yaml_deploys_the_same_flows_under_names_of_their_own(monkeypatch, tmp_path):
    from prefect.cli.deploy._schedules import _schedule_config_to_deployment_schedule
    from prefect.utilities.templating import apply_values

    from ordergate.flows.serve import deployments
    from ordergate.settings import Settings

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path))
    monkeypatch.setenv("ORDERGATE_POLL_INTERVAL_SECONDS", "20")
    monkeypatch.setenv("ORDERGATE_DELIVERY_INTERVAL_SECONDS", "12")
    served = {d.name: d for d in deployments(Settings())}
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    deployed = {d["name"]: d for d in project["deployments"]}
    assert not set(deployed) & set(served)  # `prefect deploy` never takes a served one over
    assert set(deployed) == {f"{name}-worker" for name in served}
    for name, served_one in served.items():
        mine = deployed[f"{name}-worker"]
        path, function = mine["entrypoint"].split(":")
        assert served_one.entrypoint.endswith(f"{path}:{function}")
        limit = mine["concurrency_limit"]
        assert mine["work_pool"]["name"] == "ordergate"
        if name in ("drop-folder-poll", "mailbox-poll", "outbox-delivery"):
            assert limit == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
        else:
            assert limit == 1
    schedules = {name: _schedule_config_to_deployment_schedule(
        apply_values(d["schedules"], {})[0])["schedule"] for name, d in deployed.items()}
    assert schedules["drop-folder-poll-worker"].interval == timedelta(seconds=20)
    assert schedules["mailbox-poll-worker"].interval == timedelta(seconds=20)
    assert schedules["outbox-delivery-worker"].interval == timedelta(seconds=12)
    assert schedules["invoice-run-worker"].cron == "0 18 * * *"


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
