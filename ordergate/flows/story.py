"""What a run tells ops in the Prefect UI: a document that failed ends its task run Failed with
the reason as the state message, a run with a failed document ends Failed, held orders give a
named state ("Held") and the run a name that counts what happened; every document is logged
at INFO with what came in, what it became and what went out.

A business failure is told by the state, never raised: nothing here makes Prefect retry a
document that would fail the same way again. Everything shown comes through ``printable``,
since file names, PO numbers and reasons are the sender's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ordergate.printable import printable
from ordergate.processing.report import DocumentReport, IngestReport
from ordergate.statuses import DocumentStatus, OrderStatus

HELD_STATE = "Held"  # a Completed state's name: the run did its work, and people have some
MAX_MESSAGE = 500  # a state message is a line in the UI, not a report
MAX_TAGS = 12  # customers per run beyond this are counted, not tagged


class DocumentsFailed(Exception):
    """A run's failed documents, as the result of its Failed state: Prefect expects a failed
    run's result to be an exception (a served run's process raises it, and logs it, on the
    way out). It carries the run's report for whoever called the flow."""

    def __init__(self, message: str, report: IngestReport) -> None:
        super().__init__(message)
        self.report = report


def _failed(document: DocumentReport) -> bool:
    return document.status == DocumentStatus.FAILED


def _held(document: DocumentReport) -> list:
    """The held orders the report kept (all of them, up to ``report.KEPT_ORDERS``)."""
    return [order for order in document.orders if order.status == OrderStatus.HELD]


def _held_count(document: DocumentReport) -> int:
    return document.orders.count(OrderStatus.HELD.value)


def document_state(document: DocumentReport):
    """The task run's final state for ``document`` (its report as the result)."""
    from prefect.states import Completed, Failed

    if _failed(document):
        return Failed(message=_clip(f"{_name(document)}: {document.error or 'failed'}"),
                      data=document)
    held, count = _held(document), _held_count(document)
    if count:
        return Completed(name=HELD_STATE, data=document, message=_clip(
            f"{count} order{'s' * (count != 1)} held: " + "; ".join(
                f"PO {order.po_number} ({'; '.join(order.hold_reasons) or 'no reason'})"
                for order in held)))
    return Completed(data=document, message=_clip(describe(document)))


def run_state(report: IngestReport, what: str):
    """The flow run's final state: Failed when a document failed, "Held" when orders wait for
    people, else Completed; the report is the result either way."""
    from prefect.states import Completed, Failed

    failed = [document for document in report.documents if _failed(document)]
    summary = run_name(report, what)
    if failed:
        message = _clip(f"{summary}: " + "; ".join(
            f"{_name(document)}: {document.error or 'failed'}" for document in failed))
        return Failed(data=DocumentsFailed(message, report), message=message)
    if any(_held_count(document) for document in report.documents):
        return Completed(name=HELD_STATE, data=report, message=_clip(summary))
    return Completed(data=report, message=_clip(summary))


def run_name(report: IngestReport, what: str = "docs") -> str:
    """``12 docs · 2 held · 1 failed``: what the run did, for its name in the UI."""
    documents = report.documents
    parts = [f"{len(documents)} {what}"]
    orders = sum(len(document.orders) for document in documents)
    if orders:
        parts.append(f"{orders} order{'s' * (orders != 1)}")
    held = sum(_held_count(document) for document in documents)
    if held:
        parts.append(f"{held} held")
    failed = sum(1 for document in documents if _failed(document))
    if failed:
        parts.append(f"{failed} failed")
    return " · ".join(parts)


def run_tags(report: IngestReport, channel: str) -> list[str]:
    """Tags for the run: its channel, the formats and customers it saw."""
    formats = sorted({document.format for document in report.documents if document.format})
    customers = sorted({order.customer_id for document in report.documents
                        for order in document.orders if order.customer_id})
    tags = [f"channel:{channel}", *(f"format:{name}" for name in formats)]
    tags += [f"customer:{printable(customer)[:60]}" for customer in customers[:MAX_TAGS]]
    if len(customers) > MAX_TAGS:
        tags.append(f"customers:{len(customers)}")
    return tags


def tell(document: DocumentReport, logger: logging.Logger | logging.LoggerAdapter) -> None:
    """One INFO line per document (WARNING when it failed): what came in, what it became, what
    went out."""
    if _failed(document):
        logger.warning("%s", _clip(f"{_name(document)}: failed: {document.error or '?'}", 2000))
    else:
        logger.info("%s", _clip(describe(document), 2000))


def describe(document: DocumentReport) -> str:
    came = f"{_name(document)} ({document.format or 'unknown format'}, document " \
           f"{document.document_id or '-'}): {document.status}"
    became = [f"order {order.order_id or '-'} PO {printable(order.po_number or '?')} "
              f"({printable(order.customer_id or '?')}) {order.status}"
              + (f" — {printable('; '.join(order.hold_reasons))}" if order.hold_reasons else "")
              for order in document.orders]
    went = [f"{item.kind} {printable(item.path.rsplit('/', 1)[-1])}" for item in document.outbound]
    text = came
    if became:
        text += "; " + ", ".join(became)
    if went:
        text += "; sent " + ", ".join(went)
    return text


def name_run(report: IngestReport, what: str, channel: str) -> None:
    """Rename the current flow run by what it did and tag it; the UI's run list then reads as
    a log of the day. A server that cannot be told keeps the random name: nothing fails."""
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    run_id = flow_run.get_id()
    if not run_id:
        return
    try:
        with get_client(sync_client=True) as client:
            existing = list(client.read_flow_run(run_id).tags or [])
            tags = list(dict.fromkeys(existing + run_tags(report, channel)))
            client.update_flow_run(run_id, name=run_name(report, what), tags=tags)
    except Exception as exc:  # noqa: BLE001 - the run's own work is done and stored
        logging.getLogger("ordergate.flows").warning("could not rename the flow run: %s", exc)


def _name(document: DocumentReport) -> str:
    return printable(document_name(document))


def document_name(document: DocumentReport) -> str:
    """How ops name a document: a mail by sender and subject, a file by its name."""
    return document.title or document.path.rsplit("/", 1)[-1] or document.path


def _clip(text: str, size: int = MAX_MESSAGE) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


def report_of(state) -> IngestReport:
    """A flow run's report from its final state (``run_state``); a run that failed with an
    error raises it."""
    return outcomes([state])[0]


def outcomes(states: Iterable) -> list[DocumentReport]:
    """The reports of task runs that ended in ``document_state``'s states; a task that failed
    with an error (a bug, a lost database) raises it here, as a plain call would."""
    reports = []
    for state in states:
        value = state.result(raise_on_failure=False)
        if isinstance(value, DocumentsFailed):
            value = value.report
        elif isinstance(value, BaseException):
            raise value
        reports.append(value)
    return reports
