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


WORKER_SUFFIX = "-worker"


def deployments(settings: Settings, *, worker: bool = False) -> list:
    """What ``serve`` serves, or with ``worker`` what ``ordergate deploy`` puts on a work pool:
    the same flows and schedules, under names ending ``-worker`` (deploying never takes over
    a served deployment on the same server), loaded by the worker from this installation's
    folder. Each runs at most one run at a time, except the drop-folder poll: up to
    ``drop_folder_runs`` of it at once, one per worker sharing the inbox (document claims
    keep each file to one of them). A poll that comes due while that many still run is
    cancelled, not queued: the running ones take what arrived, and a slow hour never leaves a
    backlog of queued polls behind it."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from ordergate.flows.housekeeping import prune_history
    from ordergate.flows.ingest_flow import ingest_drop_folder
    from ordergate.flows.invoice_flow import invoice_reminders, invoice_run
    from ordergate.flows.mail_flow import ingest_mailbox
    from ordergate.flows.outbox_flow import deliver_outbox
    from ordergate.flows.report_flow import daily_report

    def polls(limit: int = 1) -> dict:
        return {"concurrency_limit": ConcurrencyLimitConfig(
            limit=limit, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)}

    def made(flow, name: str, **options):
        if worker:
            flow = flow.from_source(source=str(INSTALLATION), entrypoint=_entrypoint(flow))
            name += WORKER_SUFFIX
        return flow.to_deployment(name=name, **options)

    one = {"concurrency_limit": 1}
    interval = settings.poll_interval_seconds
    return [
        made(ingest_drop_folder, "drop-folder-poll", interval=interval,
             **polls(settings.drop_folder_runs)),
        made(ingest_mailbox, "mailbox-poll", interval=interval, **polls()),
        made(deliver_outbox, "outbox-delivery", interval=settings.delivery_interval, **polls()),
        # Daily at 18:00 UTC: the daily-invoiced customers' shipments, and any left behind.
        made(invoice_run, "invoice-run", cron="0 18 * * *", **one),
        made(invoice_reminders, "invoice-reminders", cron="0 7 * * *", **one),
        made(prune_history, "prune-history", cron="30 3 * * *", **one),
        made(daily_report, "daily-report", cron="0 6 * * *", **one),
    ]


# The folder that holds the ``ordergate`` package (the checkout, or site-packages): a process
# worker runs each flow from there, with the entry point relative to it.
INSTALLATION = Path(__file__).resolve().parents[2]


def _entrypoint(flow) -> str:
    module = flow.fn.__module__
    return f"{module.replace('.', '/')}.py:{flow.fn.__name__}"


def deploy(settings: Settings, pool: str) -> list[str]:
    """Create or update the worker deployments on the Prefect server at ``PREFECT_API_URL``,
    for the process workers of ``pool``; their names (flow/deployment)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            found = client.read_work_pool(pool)
        except ObjectNotFound:
            raise ConfigError(f"the Prefect server has no work pool {pool!r}: create it with "
                              f"`prefect work-pool create {pool} --type process`") from None
    if found.type != "process":
        raise ConfigError(f"work pool {pool!r} is of type {found.type!r}: ordergate's deployments "
                          f"run in process workers (`prefect work-pool create NAME --type "
                          f"process`)")
    made = deployments(settings, worker=True)
    for deployment in made:
        deployment.apply(work_pool_name=pool)
    return [f"{deployment.flow_name}/{deployment.name}" for deployment in made]


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
