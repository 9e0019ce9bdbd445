"""Prefect settings ordergate relies on, applied before Prefect is imported."""

from __future__ import annotations

import logging
import os


class _DropFlushNoise(logging.Filter):
    """The ephemeral API server's event client logs 'Error flushing events' with a traceback
    when the process exits before its last flush; nothing is lost that ops would miss (flow and
    task runs are already recorded), so keep it out of the demo's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "flushing events" not in record.getMessage().lower()


def quiet_prefect() -> None:
    # A heartbeat per flow run costs about a second per sync run: ordergate does not need it.
    os.environ.pop("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", None)
    # No internet here (nor, often, in a customer's network): telemetry only logs errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    noise = _DropFlushNoise()
    for name in ("prefect", "prefect.events", "prefect.events.clients", "prefect.server",
                 "prefect.server.events", "prefect._internal", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).addFilter(noise)
