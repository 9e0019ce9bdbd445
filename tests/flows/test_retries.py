"""Tasks that talk to servers retry transient errors, and only those, under Prefect's engine."""

from __future__ import annotations

import pytest
from prefect import flow, task

from ordergate.errors import DocumentError, TransientError
from ordergate.flows.mail_flow import fetch_mail_task, file_mail_task, ingest_mail_task
from ordergate.flows.outbox_flow import deliver_outbox_task
from ordergate.flows.retries import (
    NETWORK_RETRIES,
    network_retries,
    retry_only_transient,
)
from ordergate.sources.mailbox import MailboxLoginError, MailboxUnavailable


def _flaky(error: Exception, failures: int):
    """A task (with the network tasks' retry policy, minus the waits) that raises ``error`` on
    its first ``failures`` runs, then succeeds; ``calls`` counts its runs."""
    calls: list[int] = []

    @task(**{**network_retries(), "retry_delay_seconds": 0, "retry_jitter_factor": None})
    def flaky() -> str:
        calls.append(len(calls) + 1)
        if len(calls) <= failures:
            raise error
        return "done"

    @flow
    def run() -> str:
        return flaky()

    return run, calls


def test_a_transient_error_is_retried_until_the_task_succeeds(prefect_harness):
    run, calls = _flaky(MailboxUnavailable("cannot reach IMAP server mail.example:993"), failures=1)

    assert run() == "done"
    assert calls == [1, 2]


def test_retries_stop_after_the_configured_number(prefect_harness):
    run, calls = _flaky(TransientError("still down"), failures=NETWORK_RETRIES + 5)

    with pytest.raises(TransientError, match="still down"):
        run()
    assert len(calls) == NETWORK_RETRIES + 1


@pytest.mark.parametrize("error", [DocumentError("line 3: no such item"),
                                   MailboxLoginError("IMAP server refused the login"),
                                   ValueError("a bug")])
def test_business_and_configuration_failures_are_not_retried(prefect_harness, error):
    run, calls = _flaky(error, failures=1)

    with pytest.raises(type(error)):
        run()
    assert calls == [1]


@pytest.mark.parametrize("network_task", [fetch_mail_task, file_mail_task, deliver_outbox_task])
def test_the_network_tasks_retry_transient_errors_with_growing_waits(network_task):
    assert network_task.retries == NETWORK_RETRIES
    assert network_task.retry_condition_fn is retry_only_transient
    delays = network_task.retry_delay_seconds
    assert len(delays) == NETWORK_RETRIES and all(b == 2 * a for a, b in zip(delays, delays[1:]))


def test_a_mail_is_never_retried_by_prefect():
    """Processing a mail is business: a bad one fails the same way again, and a stored one is
    recognised by its mailbox identity, so Prefect has nothing to retry."""
    assert ingest_mail_task.retries == 0
