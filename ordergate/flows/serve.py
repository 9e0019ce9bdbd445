"""``ordergate serve``: the deployments on a schedule, served from this process.

Schedules are turned into runs by a Prefect server's scheduler, which the temporary
in-process server does not run; so without ``PREFECT_API_URL`` this starts a local server
(UI included, its log in ``ORDERGATE_HOME/logs/prefect-server.log``) for as long as it
serves, and stops it on exit. Each deployment runs one flow run at a time: a poll that takes
longer than its interval is not overlapped by the next one, whose run waits instead of
piling up.
"""

from __future__ import annotations

import os
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
    with local_prefect_server(settings.prefect_port, log_dir=settings.logs) as api_url:
        # For Prefect, in this process and the flow-run processes it starts.
        os.environ["PREFECT_API_URL"] = api_url
        print(f"Prefect UI: {api_url.removesuffix('/api')}  (set PREFECT_API_URL to use your own "
              f"server; its log: {settings.logs / SERVER_LOG})", flush=True)
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


@contextmanager
def local_prefect_server(port: int, *, log_dir: Path | None = None) -> Iterator[str]:
    """A Prefect server on 127.0.0.1:``port`` for as long as the block runs. Its UI is told
    where its API is (``PREFECT_UI_API_URL``), or on any port but 4200 it would call 4200."""
    import httpx

    api_url = f"http://127.0.0.1:{port}/api"
    env = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", **os.environ,
           "PREFECT_UI_API_URL": api_url, "PREFECT_SERVER_API_HOST": "127.0.0.1",
           "PREFECT_SERVER_API_PORT": str(port)}
    log = subprocess.DEVNULL
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / SERVER_LOG, "ab")  # noqa: SIM115 - open while the server runs
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
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
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
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
