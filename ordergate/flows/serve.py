"""``ordergate serve``: the deployments on a schedule, served from this process.

Schedules are turned into runs by a Prefect server's scheduler, which the temporary
in-process server does not run; so without ``PREFECT_API_URL`` this starts a local server
(UI included, its log in ``ORDERGATE_HOME/logs/prefect-server.log``) for as long as it
serves, and stops it on exit. Each deployment runs one flow run at a time: a poll that takes
longer than its interval is not overlapped by the next one, whose run waits instead of
piling up.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ordergate.errors import ConfigError
from ordergate.settings import Settings

SERVER_START_TIMEOUT_SECONDS = 90
SERVER_LOG = "prefect-server.log"


def serve(settings: Settings) -> None:
    if settings.prefect_api_url:
        _serve(settings)
        return
    with local_prefect_server(settings.prefect_port, host=settings.prefect_host,
                              log_dir=settings.logs) as api_url:
        # For Prefect, in this process and the flow-run processes it starts.
        os.environ["PREFECT_API_URL"] = api_url
        print(f"Prefect UI: {ui_url(settings.prefect_host, settings.prefect_port)}  (set "
              f"PREFECT_API_URL to use your own server; its log: {settings.logs / SERVER_LOG})",
              flush=True)
        _serve(settings)


def deployments(settings: Settings) -> list:
    """What ``serve`` serves: each at most one run at a time. A poll that comes due while the
    last one still runs is cancelled, not queued: the running one takes what arrived, and a
    slow hour never leaves a backlog of queued polls behind it."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from ordergate.flows.housekeeping import prune_history
    from ordergate.flows.ingest_flow import ingest_drop_folder
    from ordergate.flows.invoice_flow import invoice_reminders, invoice_run
    from ordergate.flows.mail_flow import ingest_mailbox
    from ordergate.flows.outbox_flow import deliver_outbox
    from ordergate.flows.report_flow import daily_report

    one = {"concurrency_limit": 1}
    poll = {"concurrency_limit": ConcurrencyLimitConfig(
        limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)}
    interval = settings.poll_interval_seconds
    return [
        ingest_drop_folder.to_deployment(name="drop-folder-poll", interval=interval, **poll),
        ingest_mailbox.to_deployment(name="mailbox-poll", interval=interval, **poll),
        deliver_outbox.to_deployment(name="outbox-delivery", interval=settings.delivery_interval,
                                     **poll),
        # Daily at 18:00 UTC: the daily-invoiced customers' shipments, and any left behind.
        invoice_run.to_deployment(name="invoice-run", cron="0 18 * * *", **one),
        invoice_reminders.to_deployment(name="invoice-reminders", cron="0 7 * * *", **one),
        prune_history.to_deployment(name="prune-history", cron="30 3 * * *", **one),
        daily_report.to_deployment(name="daily-report", cron="0 6 * * *", **one),
    ]


def _serve(settings: Settings) -> None:
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(settings))


AUTH_VARIABLE = "PREFECT_SERVER_API_AUTH_STRING"


def is_local(host: str) -> bool:
    """Whether ``host`` is an address only this machine reaches (loopback)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ui_url(host: str, port: int) -> str:
    """Where a browser finds the UI: the address served on, or for every address (0.0.0.0,
    ::) this machine's name."""
    if host in ("0.0.0.0", "::"):
        host = socket.gethostname()
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


@contextmanager
def local_prefect_server(port: int, *, host: str = "127.0.0.1",
                         log_dir: Path | None = None) -> Iterator[str]:
    """A Prefect server on ``host``:``port`` for as long as the block runs; its API URL for
    this machine's clients. Its UI is told where its API is (``PREFECT_UI_API_URL``, unless
    set), or on any port but 4200 it would call 4200.

    The UI and API let anyone who reaches them see every order's PO number and customer, and
    run or cancel flows: on an address other machines reach they must ask for a password.
    So another address than loopback is refused unless Prefect's own basic authentication
    is set (``PREFECT_SERVER_API_AUTH_STRING``, "user:password"); this process then uses the
    same string as a client (``PREFECT_API_AUTH_STRING``), and so do its flow runs."""
    import httpx

    auth = os.environ.get(AUTH_VARIABLE)
    if not is_local(host) and not auth:
        raise ConfigError(
            f"not serving the Prefect UI and API on {host}: anyone who reaches that address "
            f"could read every order and run flows. Set {AUTH_VARIABLE}=user:password (a "
            f"browser then asks for it) and reach it over TLS through a reverse proxy or an SSH "
            f"tunnel, or leave ORDERGATE_PREFECT_HOST at 127.0.0.1 and tunnel to it")
    # This machine's clients go to loopback when the server listens on every address.
    client_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    client_host = f"[{client_host}]" if ":" in client_host else client_host
    api_url = f"http://{client_host}:{port}/api"
    env = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_API_URL": f"{ui_url(host, port)}/api", **os.environ,
           "PREFECT_SERVER_API_HOST": host, "PREFECT_SERVER_API_PORT": str(port)}
    headers = {}
    if auth:
        os.environ.setdefault("PREFECT_API_AUTH_STRING", auth)
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    log = subprocess.DEVNULL
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / SERVER_LOG, "ab")  # noqa: SIM115 - open while the server runs
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                where = f"; see {log_dir / SERVER_LOG}" if log_dir is not None else ""
                raise ConfigError(f"the local Prefect server did not start (exit code {process.returncode}); "
                                  f"is port {port} free? Set ORDERGATE_PREFECT_PORT or "
                                  f"PREFECT_API_URL{where}")
            try:
                if httpx.get(f"{api_url}/health", timeout=2, headers=headers).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ConfigError(f"the local Prefect server did not answer on port {port} within "
                                  f"{SERVER_START_TIMEOUT_SECONDS} s")
            time.sleep(0.5)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if log is not subprocess.DEVNULL:
            log.close()
