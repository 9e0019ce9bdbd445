"""What a temporary Prefect server may print when it stops: nothing a user has to read."""

from __future__ import annotations

import asyncio
import logging

import pytest

from ordergate.flows.runtime import quiet_prefect

RECORDER = "prefect.server.services.task_run_recorder"


def _log_with(caplog: pytest.LogCaptureFixture, error: BaseException) -> list[str]:
    quiet_prefect()
    logger = logging.getLogger(RECORDER)
    with caplog.at_level(logging.ERROR, logger=RECORDER):
        try:
            raise error
        except BaseException:
            logger.error("Error flushing 1 events (1 to retry, 0 dropped)", exc_info=True)
    return [record.getMessage() for record in caplog.records if record.name == RECORDER]


def test_the_recorder_cancelled_at_shutdown_prints_nothing(caplog) -> None:
    assert _log_with(caplog, asyncio.CancelledError("Cancelled via cancel scope")) == []


def test_a_recorder_failure_with_another_cause_still_shows(caplog) -> None:
    assert _log_with(caplog, ConnectionError("database is locked")) == [
        "Error flushing 1 events (1 to retry, 0 dropped)"]
