"""End to end under Prefect's harness: drop files → flow → orders stored → 997/855 delivered."""

import asyncio
import shutil
from pathlib import Path

from sqlalchemy import func, select

from ordergate.parsers.x12.reader import iter_x12
from ordergate.parsers.x12.types import TransactionSet
from ordergate.flows.story import report_of
from tests.kit.prefect_api import flow_run, logs, task_runs
from ordergate.store import tables as t

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "x12"


def _sets(path: Path) -> list[str]:
    return [e.set_id for e in iter_x12(path.read_bytes()) if isinstance(e, TransactionSet)]


def test_drop_folder_flow_end_to_end(prefect_harness, ordergate_home):
    from ordergate.flows.ingest_flow import ingest_drop_folder

    settings, engine = ordergate_home
    for name in ("acme_4500012345.edi", "acme_two_orders.edi", "not_an_order.edi"):
        shutil.copy(SAMPLES / name, settings.inbox / name)

    state = ingest_drop_folder(return_state=True)
    report = report_of(state)

    statuses = {Path(d.path).name: d.status for d in report.documents}
    assert statuses == {"acme_4500012345.edi": "processed", "acme_two_orders.edi": "processed",
                        "not_an_order.edi": "failed"}
    with engine.connect() as conn:
        orders = dict(conn.execute(select(t.orders.c.po_number, t.orders.c.status)).all())
        pending = conn.execute(select(func.count()).select_from(t.outbox)
                               .where(t.outbox.c.status == "pending")).scalar_one()
    assert orders == {"4500012345": "accepted", "4500012346": "accepted", "4500012347": "held"}
    assert pending == 0

    delivered = sorted((settings.outbox / "ACME").iterdir())
    kinds = [set_ids for f in delivered for set_ids in _sets(f)]
    assert kinds.count("855") == 2 and kinds.count("997") == 2  # the held order's 855 waits
    # the inbox is empty: processed files are archived, the bad one is in failed/
    assert list(settings.inbox.iterdir()) == []
    assert [p.name.split("_", 1)[1] for p in settings.failed.rglob("*.edi")] == ["not_an_order.edi"]
    assert len(list(settings.archive.rglob("*.edi"))) == 2

    # the run published its artifacts: the orders table and the holds with their reasons
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def read(key):
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))

    holds = asyncio.run(read("ingest-holds"))
    table = asyncio.run(read("ingest-orders"))
    assert holds and "4500012347" in holds[0].data and "unknown item" in holds[0].data
    assert table and "4500012346" in str(table[0].data)

    # and an event for the held order, which an automation can turn into a notification
    from ordergate.store.installation import installation_id

    installation = installation_id(engine)
    held_id = next(d.orders for d in report.documents if d.orders and d.orders[-1].status == "held")[-1].order_id
    event = _wait_for_event("ordergate.order.held", f"ordergate.order.{installation}.{held_id}")
    assert event["payload"]["po_number"] == "4500012347"
    assert event["payload"]["customer_id"] == "ACME"
    assert "unknown item" in event["payload"]["reasons"][0]
    assert event["resource"]["prefect.resource.name"] == "PO 4500012347 · ACME"
    # related to the task run that ingested the file, and to its flow run
    roles = {related["prefect.resource.role"]: related["prefect.resource.id"]
             for related in event["related"]}
    assert roles["flow-run"] == f"prefect.flow-run.{state.state_details.flow_run_id}"
    assert roles["task-run"].startswith("prefect.task-run.")
    [bad] = [d for d in report.documents if d.status == "failed"]
    failed = _wait_for_event("ordergate.document.failed",
                             f"ordergate.document.{installation}.{bad.document_id}")
    assert failed["payload"]["file"] == "not_an_order.edi" and failed["payload"]["reason"]

    # the state tells the truth: the run failed, naming the file; its task run is red with
    # the reason; the held order's task run is "Held"; the run's name counts what happened
    assert state.is_failed() and "not_an_order.edi" in state.message
    runs = task_runs(state.state_details.flow_run_id)
    by_name = {run.name: run.state for run in runs}
    assert by_name["ingest not_an_order.edi"].is_failed()
    assert bad.error[:40] in by_name["ingest not_an_order.edi"].message
    assert by_name["ingest acme_two_orders.edi"].name == "Held"
    assert by_name["ingest acme_4500012345.edi"].is_completed()
    run = flow_run(state.state_details.flow_run_id)
    assert run.name == "3 files · 3 orders · 1 held · 1 failed"
    assert {"channel:dropfolder", "format:x12", "customer:ACME"} <= set(run.tags)
    # and every document was logged at INFO on the run: what came in and what it became
    messages = logs(state.state_details.flow_run_id)
    assert any("acme_4500012345.edi" in log and "accepted" in log for log in messages)
    assert any("not_an_order.edi" in log and "failed" in log for log in messages)


def _wait_for_event(name: str, resource_id: str, timeout: float = 20.0) -> dict:
    """Events reach the server asynchronously: ask its events API until the event is there."""
    import time

    import httpx
    from prefect.settings import PREFECT_API_URL

    deadline = time.monotonic() + timeout
    body = {"filter": {"event": {"name": [name]}, "any_resource": {"id": [resource_id]},
                       "occurred": {"since": "2000-01-01T00:00:00Z"}}, "limit": 10}
    while True:
        answer = httpx.post(f"{PREFECT_API_URL.value()}/events/filter", json=body, timeout=10)
        answer.raise_for_status()
        found = answer.json().get("events", [])
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no {name} event for {resource_id} within {timeout} s")
        time.sleep(0.3)


def test_second_run_of_same_files_makes_no_new_orders(prefect_harness, ordergate_home):
    from ordergate.flows.ingest_flow import ingest_drop_folder

    settings, engine = ordergate_home
    shutil.copy(SAMPLES / "acme_4500012345.edi", settings.inbox / "first.edi")
    report_of(ingest_drop_folder(return_state=True))
    shutil.copy(SAMPLES / "acme_4500012345.edi", settings.inbox / "again.edi")
    report = report_of(ingest_drop_folder(return_state=True))

    assert [d.status for d in report.documents] == ["duplicate"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.orders)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(t.outbox)
                            .where(t.outbox.c.kind == "855")).scalar_one() == 1


def test_the_hold_notification_automation_is_one_prefect_accepts(prefect_harness):
    """automations/notify-holds.yaml is what the README tells ops to create: Prefect's own
    model must read it, and its trigger must match the event a held order emits."""
    import yaml
    from prefect.client.orchestration import get_client
    from prefect.events.schemas.automations import AutomationCore

    from ordergate.flows.events import HELD_EVENT

    path = Path(__file__).resolve().parents[2] / "automations" / "notify-holds.yaml"
    automation = AutomationCore.model_validate(yaml.safe_load(path.read_text()))
    assert automation.trigger.expect == {HELD_EVENT}
    assert "ordergate.order.*" in str(automation.trigger.match)

    async def create_and_read():
        async with get_client() as client:
            automation_id = await client.create_automation(automation)
            return await client.read_automation(automation_id)

    stored = asyncio.run(create_and_read())
    assert stored.name == "ordergate-notify-holds"


def test_flows_started_by_the_cli_send_no_heartbeats(prefect_harness):
    """A sync flow run with heartbeats on waits about a second for its heartbeat thread."""
    from prefect import flow
    from prefect.settings import get_current_settings

    from ordergate.flows.runtime import without_heartbeats

    @flow
    def seen_by_the_flow() -> object:
        return get_current_settings().flows.heartbeat_frequency

    assert seen_by_the_flow() is not None  # Prefect's default: on
    with without_heartbeats():
        assert seen_by_the_flow() is None


def test_a_held_orders_event_carries_sender_text_escaped(prefect_harness):
    """The event's names and reasons end up in notifications: no escape sequence or bidi
    override of the sender's reaches them raw."""
    from ordergate.flows.events import HELD_EVENT, emit_hold_events
    from ordergate.processing.report import DocumentReport, IngestReport, OrderReport

    order = OrderReport(order_id=987654, po_number="P-\x1b[31m1", customer_id="ACME",
                        status="held", hold_reasons=["line 1: unit K\u202eG\nis not ours"])
    report = IngestReport(documents=[DocumentReport(path="po.csv", document_id=5, format="csv",
                                                    status="processed", orders=[order])])
    assert emit_hold_events(report, installation="inst1") == 1
    event = _wait_for_event(HELD_EVENT, "ordergate.order.inst1.987654")
    assert event["payload"]["po_number"] == "P-\\x1b[31m1"
    assert event["payload"]["reasons"] == ["line 1: unit K\\u202eG\\nis not ours"]
    assert event["resource"]["prefect.resource.name"] == "PO P-\\x1b[31m1 · ACME"


def test_a_files_name_reaches_the_ui_escaped_as_its_task_runs_name(prefect_harness, ordergate_home):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from ordergate.flows.ingest_flow import ingest_drop_folder

    settings, _ = ordergate_home
    shutil.copy(SAMPLES / "acme_4500012345.edi", settings.inbox / "po\x1b[2J.edi")
    state = ingest_drop_folder(return_state=True)

    async def task_run_names() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
            return [run.name for run in runs]

    assert "ingest po\\x1b[2J.edi" in asyncio.run(task_run_names())


def test_a_warehouse_file_in_the_drop_folder_ships_invoices_and_tells_prefect(
        prefect_harness, ordergate_home):
    from ordergate.flows.ingest_flow import ingest_drop_folder
    from ordergate.store.installation import installation_id

    settings, engine = ordergate_home
    shutil.copy(SAMPLES / "acme_4500012345.edi", settings.inbox / "po.edi")
    [po] = report_of(ingest_drop_folder(return_state=True)).documents
    [order] = po.orders
    (settings.inbox / "shipments").mkdir()
    (settings.inbox / "shipments" / "confirm.csv").write_text(
        "order_id,line_number,quantity,carrier,tracking_number,ship_date\n"
        f"{order.order_id},1,10,UPSN,1ZFLOW0001,2026-12-06\n")
    state = ingest_drop_folder(return_state=True)
    assert state.is_completed(), state.message
    installation = installation_id(engine)
    with engine.connect() as conn:
        [shipment_id] = conn.execute(select(t.shipments.c.id)).scalars().all()
        [invoice] = conn.execute(select(t.invoices.c.id, t.invoices.c.invoice_number)).all()
    shipped = _wait_for_event("ordergate.shipment.recorded",
                              f"ordergate.shipment.{installation}.{shipment_id}")
    assert shipped["payload"]["tracking_number"] == "1ZFLOW0001"
    assert shipped["payload"]["po_number"] == "4500012345"
    issued = _wait_for_event("ordergate.invoice.issued",
                             f"ordergate.invoice.{installation}.{invoice.id}")
    assert issued["payload"]["invoice_number"] == invoice.invoice_number


def test_the_invoice_run_invoices_what_is_left_and_tells_prefect(prefect_harness, ordergate_home):
    from datetime import date, datetime, timezone

    from ordergate.flows.ingest_flow import ingest_drop_folder
    from ordergate.flows.invoice_flow import invoice_run
    from ordergate.fulfilment.shipping import ShipmentRequest
    from ordergate.processing.shipments import ship
    from ordergate.store.installation import installation_id

    settings, engine = ordergate_home
    shutil.copy(SAMPLES / "acme_4500012345.edi", settings.inbox / "po.edi")
    [po] = report_of(ingest_drop_folder(return_state=True)).documents
    [order] = po.orders
    [done] = ship(engine, settings, [ShipmentRequest(
        order_id=order.order_id, carrier="UPSN", tracking_number="1ZRUN", ship_date=date.today(),
        source="test")], actor="wh", now=datetime.now(timezone.utc))
    assert done.result.status == "shipped"
    assert invoice_run() == 1
    with engine.connect() as conn:
        [invoice] = conn.execute(select(t.invoices.c.id, t.invoices.c.actor)).all()
    assert invoice.actor.startswith("flow:invoice-run/")
    _wait_for_event("ordergate.invoice.issued",
                    f"ordergate.invoice.{installation_id(engine)}.{invoice.id}")


def test_a_message_failed_for_good_emits_its_event(prefect_harness):
    from ordergate.flows.events import FAILED_DELIVERY_EVENT, emit_delivery_events
    from ordergate.outbox.queue import Delivery

    failed = Delivery(41, "855", None, "failed", error="SMTP 550 mailbox unknown", attempts=15,
                      final=True, destination="ACME", filename="855_PO1.x12")
    assert emit_delivery_events([failed], installation="inst2") == 1
    event = _wait_for_event(FAILED_DELIVERY_EVENT, "ordergate.outbox.inst2.41")
    assert event["payload"]["attempts"] == 15 and "550" in event["payload"]["error"]
    assert event["resource"]["prefect.resource.name"] == "855 855_PO1.x12 · ACME"
