"""Keeping the Prefect server's history bounded: flow runs (with their task runs and logs)
older than ``ORDERGATE_RUN_RETENTION_DAYS`` are deleted, with the artifacts they published,
except the latest version of each artifact key (a standing page that has not changed for a
month is still the current one). Served daily as ``prune-history``.

A server that keeps every poll forever grows by thousands of runs a day at a 15 s poll, and
its UI and API slow down with it. Ordergate's own records (documents, orders, outbox) live
in its database and are not touched.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from prefect import flow, get_run_logger

from ordergate.settings import Settings

PAGE = 200  # runs read and deleted per request
MAX_RUNS_PER_PRUNE = 5_000  # a first prune of a large history finishes over several days


@flow(name="prune-history")
def prune_history(retention_days: int | None = None) -> int:
    """Delete flow runs older than the retention and their artifacts; how many runs."""
    days = retention_days or Settings().run_retention_days
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    deleted = prune_before(cutoff)
    get_run_logger().info("deleted %d flow runs older than %d days (before %s)", deleted, days,
                          f"{cutoff:%Y-%m-%d %H:%M} UTC")
    return deleted


def prune_before(cutoff: datetime, *, limit: int = MAX_RUNS_PER_PRUNE) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.runtime import flow_run

    me = flow_run.get_id()
    finished = [StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED]
    deleted = 0
    with get_client(sync_client=True) as client:
        latest: dict[str, object] = {}  # artifact key: the id of its latest version
        while deleted < limit:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    expected_start_time=FlowRunFilterExpectedStartTime(before_=cutoff),
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=finished)),
                    **({"id": FlowRunFilterId(not_any_=[me])} if me else {})),
                limit=min(PAGE, limit - deleted))
            if not runs:
                break
            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id for run in runs])))
            for artifact in artifacts:
                if artifact.key and artifact.key not in latest:
                    from prefect.artifacts import Artifact

                    found = Artifact.get(artifact.key, client=None)
                    latest[artifact.key] = found.id if found else None
                if not artifact.key or latest.get(artifact.key) != artifact.id:
                    client.delete_artifact(artifact.id)
            for run in runs:
                client.delete_flow_run(run.id)
            deleted += len(runs)
    return deleted
