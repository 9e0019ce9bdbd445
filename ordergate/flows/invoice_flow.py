"""The invoicing flow: every shipment not invoiced yet becomes an invoice, sent the way its
customer ordered (``processing.invoices``). Served daily as ``invoice-run``; the commands that
ship invoice their own shipments at once, so the run catches what they could not (no company
profile yet, a customer invoiced daily)."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from ordergate.app import open_engine
from ordergate.clock import utcnow
from ordergate.printable import printable
from ordergate.processing.invoices import InvoiceRun, run_invoicing
from ordergate.settings import Settings


@task(name="invoice-shipments")
def invoice_shipments_task() -> InvoiceRun:
    from prefect.runtime import flow_run

    from ordergate.flows.events import emit_work_events

    settings = Settings()
    engine = open_engine(settings)
    # The run's own actor, so its events are of the invoices this run made
    actor = f"flow:invoice-run/{flow_run.get_name() or flow_run.get_id()}"
    run = run_invoicing(engine, settings, actor=actor, now=utcnow())
    emit_work_events(engine, actor)
    return run


@flow(name="invoice-run")
def invoice_run() -> int:
    run = invoice_shipments_task()
    rows = [f"| {printable(i.invoiced.invoice.invoice_number)} | {printable(i.invoiced.invoice.customer_id)} "
            f"| {i.invoiced.invoice.total} {i.invoiced.invoice.currency} | {i.channel} | "
            f"{', '.join(q.kind for q in i.outbound) or printable(i.problem or '')} |"
            for i in run.invoices]
    refused = [f"- shipment {n.shipment_id} (order {n.order_id}): {printable(n.reason)}"
               for n in run.not_invoiced]
    create_markdown_artifact(
        key="invoice-run",
        markdown="\n".join(["| invoice | customer | total | channel | sent as |",
                            "|---|---|---|---|---|", *rows, "", *refused]),
        description=f"{len(run.invoices)} invoices made, {len(run.not_invoiced)} shipments not invoiced")
    if refused:
        get_run_logger().warning("%d shipments could not be invoiced", len(refused))
        raise RuntimeError(f"{len(refused)} shipments could not be invoiced; see the artifact")
    return len(run.invoices)


@task(name="send-invoice-reminders")
def send_reminders_task() -> list:
    from ordergate.processing.reminders import send_reminders

    settings = Settings()
    return send_reminders(open_engine(settings), settings, actor="flow:invoice-reminders",
                          now=utcnow())


@flow(name="invoice-reminders")
def invoice_reminders() -> int:
    done = send_reminders_task()
    sent = [r for r in done if r.outbound]
    create_markdown_artifact(
        key="invoice-reminders",
        markdown="\n".join(["| invoice | customer | days overdue | sent |", "|---|---|---|---|"] +
                           [f"| {printable(r.invoice_number)} | {printable(r.customer_id)} | "
                            f"{r.days_overdue} | {'yes' if r.outbound else printable(r.problem or '')} |"
                            for r in done]),
        description=f"{len(sent)} reminders sent")
    return len(sent)

