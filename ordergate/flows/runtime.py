"""Prefect settings ordergate relies on, applied before Prefect is imported."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager


class _DropFlushNoise(logging.Filter):
    """Shutdown noise of a temporary (in-process) Prefect server, kept off the terminal.

    The event client logs 'Error flushing events' with a traceback when the process exits
    before its last flush; the server's task-run recorder logs 'Error flushing N events' with
    a CancelledError traceback when it is stopped mid-flush. Nothing ops would miss is lost:
    that server and its database end with the command. A recorder failure with any other
    cause (a database error while serving) still shows.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage().lower()
        if "flushing events" in message:
            return False
        cancelled = record.exc_info is not None and isinstance(record.exc_info[1], asyncio.CancelledError)
        return not (cancelled and message.startswith("error flushing"))


def quiet_prefect(*, temporary_server: bool = False) -> None:
    """Prefect as quiet as ordergate's commands need. ``temporary_server``: the command runs
    its flows on the temporary server Prefect starts when no ``PREFECT_API_URL`` is set."""
    # A heartbeat per flow run costs about a second per sync run: ordergate does not need it.
    os.environ.pop("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", None)
    # No internet here (nor, often, in a customer's network): telemetry only logs errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Run loggers at INFO, so every run tells its story in the UI (the API handler sits on
    # them); the terminal's handler at WARNING, so a command prints its own summary alone.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    # The temporary server is a subprocess of its own, out of reach of the filter below: its
    # task-run recorder prints a CancelledError traceback when the command ends while it is
    # flushing. That server and its database end with the command, and a failure while it
    # serves reaches the command as an API error; so only its critical records show.
    temporary = temporary_server and not os.environ.get("PREFECT_API_URL")
    if temporary:
        # Prefect waits 20 s for its temporary server by default; a busy machine (a test run,
        # a backup) can take longer, and the command would fail although nothing is wrong.
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL" if temporary else "WARNING")
    noise = _DropFlushNoise()
    # A logger's filters see only the records logged to that very logger, so each is named.
    for name in ("prefect", "prefect.events", "prefect.events.clients", "prefect.server",
                 "prefect.server.events", "prefect.server.services.task_run_recorder",
                 "prefect._internal", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).addFilter(noise)


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """Flow runs started from this process send no heartbeats.

    Prefect 3.8 turns them on by default (every 180 s; the environment variable cannot switch
    them off, it must be at least 30), and a sync flow run then waits for its heartbeat thread
    at the end: about 1 s per run instead of 0.1 s (measured). ``ordergate poll`` and the
    mailbox watcher run short flows back to back, where that second is most of the latency.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
