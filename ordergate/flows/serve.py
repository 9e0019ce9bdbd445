"""``ordergate serve``: the deployments on a schedule, served from this process.

Schedules are turned into runs by a Prefect server's scheduler, which the temporary
in-process server does not run; so without ``PREFECT_API_URL`` this starts a local server
(UI included) for as long as it serves, and stops it on exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ordergate.errors import ConfigError
from ordergate.settings import Settings

SERVER_START_TIMEOUT_SECONDS = 90


def serve(settings: Settings) -> None:
    if settings.prefect_api_url:
        _serve(settings)
        return
    with local_prefect_server(settings.prefect_port) as api_url:
        # For Prefect, in this process and the flow-run processes it starts.
        os.environ["PREFECT_API_URL"] = api_url
        print(f"Prefect UI: {api_url.removesuffix('/api')}  (set PREFECT_API_URL to use your own server)",
              flush=True)
        _serve(settings)


def _serve(settings: Settings) -> None:
    from prefect import serve as prefect_serve

    from ordergate.flows.ingest_flow import ingest_drop_folder
    from ordergate.flows.invoice_flow import invoice_reminders, invoice_run
    from ordergate.flows.mail_flow import ingest_mailbox
    from ordergate.flows.outbox_flow import deliver_outbox

    prefect_serve(
        ingest_drop_folder.to_deployment(name="drop-folder-poll",
                                         interval=settings.poll_interval_seconds),
        ingest_mailbox.to_deployment(name="mailbox-poll", interval=settings.poll_interval_seconds),
        deliver_outbox.to_deployment(name="outbox-delivery",
                                     interval=max(10, settings.poll_interval_seconds // 2)),
        # Daily at 18:00 UTC: the daily-invoiced customers' shipments, and any left behind.
        invoice_run.to_deployment(name="invoice-run", cron="0 18 * * *"),
        invoice_reminders.to_deployment(name="invoice-reminders", cron="0 7 * * *"),
    )


@contextmanager
def local_prefect_server(port: int) -> Iterator[str]:
    import httpx

    api_url = f"http://127.0.0.1:{port}/api"
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise ConfigError(f"the local Prefect server did not start (exit code {process.returncode}); "
                                  f"is port {port} free? Set ORDERGATE_PREFECT_PORT or PREFECT_API_URL")
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
