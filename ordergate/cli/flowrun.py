"""Running a Prefect flow from a command: its failure is told once, by the command.

A flow run that fails re-raises its error in the command, which reports it in one line with
its exit code (``ordergate.cli.EXIT_CODES``). Prefect logs the same failure on its run
loggers, tracebacks included; those records are kept off the terminal here. They still
reach the Prefect API: its handler sits on the run loggers themselves, not on the root
logger's handlers that this filter is added to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
_TOLD_BY_THE_COMMAND = ("Finished in state", "Task run failed with state",
                        "Flow run failed with state")


class _FailureToldByTheCommand(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_RUN_LOGGERS) and record.levelno >= logging.ERROR:
            # the traceback of the failure, Prefect's "Finished in state Failed(...)", and a
            # document's failed task run: the command's report tells each
            message = record.getMessage()
            return not (record.exc_info or message.startswith(_TOLD_BY_THE_COMMAND))
        # At exit, the events client of the temporary server that ends with the command
        # says it still had events to send: nothing a person can act on.
        return not record.getMessage().startswith("Still processing items")


def quiet_run_failures() -> None:
    """Add the filter to the terminal's handlers (those of the root logger), once."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _FailureToldByTheCommand) for f in handler.filters):
            handler.addFilter(_FailureToldByTheCommand())


def report_of_flow(args, settings, start: Callable[[], object]) -> int:
    """Run an ingest flow as the poll commands do (Prefect quiet, the schema ready, no
    heartbeats), print its report and exit by it. ``start`` imports and runs the flow and
    returns its final state (a run with a failed document ends Failed, its report the
    result), so the command's module does not import Prefect."""
    from ordergate.cli.command import ready_engine, report_exit
    from ordergate.cli.output import print_report
    from ordergate.flows.runtime import quiet_prefect, without_heartbeats

    quiet_prefect(temporary_server=True)
    quiet_run_failures()
    ready_engine(settings)
    from ordergate.flows.story import report_of

    with without_heartbeats():
        report = report_of(start())
    print_report(args, report)
    return report_exit(report)
