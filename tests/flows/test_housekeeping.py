"""Old flow runs and their artifacts are pruned; each artifact key keeps its latest version."""

from datetime import datetime, timedelta, timezone


def test_old_runs_and_their_artifacts_go_and_each_keys_latest_stays(prefect_harness):
    from prefect import flow
    from prefect.artifacts import Artifact, create_markdown_artifact
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from ordergate.flows.housekeeping import prune_before, prune_history

    @flow
    def publishing(text: str) -> None:
        create_markdown_artifact(key="prune-test", markdown=text)
        create_markdown_artifact(markdown=f"unkeyed {text}")

    first = publishing("one", return_state=True)
    second = publishing("two", return_state=True)
    assert prune_history(retention_days=30) == 0  # nothing that old yet
    deleted = prune_before(datetime.now(timezone.utc) + timedelta(seconds=1))
    assert deleted >= 2
    with get_client(sync_client=True) as client:
        left = {run.id for run in client.read_flow_runs(limit=200)}
        assert not left & {first.state_details.flow_run_id, second.state_details.flow_run_id}
        kept = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["prune-test"])))
    assert [artifact.id for artifact in kept] == [Artifact.get("prune-test").id]
