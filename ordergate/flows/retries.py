"""How a task that talks to a server retries: transient errors only, with growing waits.

A ``TransientError`` (a mail server that cannot be reached or hung up, a locked database) may
pass on another try; anything else (a refused login, a bad setting, a bad document, a bug)
would fail the same way again, so the task fails at once and says why.
"""

from __future__ import annotations

from typing import Any

from prefect.tasks import exponential_backoff

from ordergate.errors import TransientError

NETWORK_RETRIES = 3
# 10 s, 20 s, 40 s: a restarting server is usually back within a minute. The jitter keeps
# workers that failed together from knocking again at the same moment.
NETWORK_RETRY_BACKOFF_SECONDS = 10
NETWORK_RETRY_JITTER = 0.5


def retry_only_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's ``retry_condition_fn``: retry when the run failed with a TransientError."""
    try:
        state.result()  # raises the exception the task run failed with
    except TransientError:
        return True
    except BaseException:  # noqa: BLE001 - any other failure is not worth another try
        return False
    return False


def network_retries() -> dict[str, Any]:
    """The ``@task`` options of a task doing network I/O."""
    return dict(retries=NETWORK_RETRIES,
                retry_delay_seconds=exponential_backoff(backoff_factor=NETWORK_RETRY_BACKOFF_SECONDS),
                retry_jitter_factor=NETWORK_RETRY_JITTER,
                retry_condition_fn=retry_only_transient)
