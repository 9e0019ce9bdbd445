"""Reading back what a flow run told the Prefect API: its task runs, the run, its logs."""

import asyncio


def task_runs(flow_run_id):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            return await client.read_task_runs(flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[flow_run_id])))

    return asyncio.run(read())


def flow_run(flow_run_id):
    from prefect.client.orchestration import get_client

    async def read():
        async with get_client() as client:
            return await client.read_flow_run(flow_run_id)

    return asyncio.run(read())


def logs(flow_run_id, timeout: float = 20.0) -> list[str]:
    """The run's log messages (they reach the server in batches: ask until some are there)."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    async def read():
        async with get_client() as client:
            return await client.read_logs(log_filter=LogFilter(
                flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))

    deadline = time.monotonic() + timeout
    while True:
        messages = [log.message for log in asyncio.run(read())]
        if any("failed" in message for message in messages) or time.monotonic() > deadline:
            return messages
        time.sleep(0.3)
