"""Prefect events for what ops may want to be told about at once, each with a resource name a
person reads (``PO 4500012347 · ACME``), the details in the payload and a resource id unique
per installation (``ordergate.order.<installation>.<order id>``): two installations reporting
to one server never name the same order alike, and ``ordergate.order.*`` still matches every
order. Emitted from inside the task run that did the work, Prefect relates each event to that
task run and its flow run.

- ``ordergate.order.held``: an order went on hold (customer, PO and reasons);
- ``ordergate.document.failed``: a document could not be processed (file and reason);
- ``ordergate.delivery.failed``: an outbound message could not be delivered (kind, file,
  destination, error, attempts);
- ``ordergate.ack.rejected`` / ``ordergate.ack.overdue``: a partner rejected, or has not
  acknowledged in time, what we sent;
- ``ordergate.shipment.recorded`` / ``ordergate.invoice.issued``: what a run shipped and
  invoiced (the warehouse's file in the drop folder, the invoice run).

Names and reasons are the sender's: shown with control and bidi characters escaped.
"""

from __future__ import annotations

from ordergate.printable import printable as _p
from ordergate.processing.report import DocumentReport, IngestReport
from ordergate.statuses import DocumentStatus, OrderStatus

HELD_EVENT = "ordergate.order.held"
FAILED_DOCUMENT_EVENT = "ordergate.document.failed"
FAILED_DELIVERY_EVENT = "ordergate.delivery.failed"
MAX_EVENTS_PER_RUN = 200  # past this, one summary event: a bad batch must not flood the server
HELD_SUMMARY_EVENT = "ordergate.orders.held"
ACK_EVENTS = {"rejected": "ordergate.ack.rejected", "overdue": "ordergate.ack.overdue"}


def _installation() -> str:
    from ordergate.app import open_engine
    from ordergate.settings import Settings
    from ordergate.store.installation import installation_id

    return installation_id(open_engine(Settings()))


def resource_id(kind: str, key: object, installation: str | None = None) -> str:
    return f"ordergate.{kind}.{installation or _installation()}.{key}"


def order_name(po_number: str | None, customer_id: str | None) -> str:
    return _p(f"PO {po_number or '?'} · {customer_id or 'unknown customer'}")


def emit_document_events(document: DocumentReport, installation: str | None = None) -> int:
    """The events of one document's outcome: its held orders, or its failure."""
    return emit_hold_events(IngestReport(documents=[document]), installation)


def emit_hold_events(report: IngestReport, installation: str | None = None) -> int:
    """An event per held order and per failed document of ``report`` (at most
    MAX_EVENTS_PER_RUN, then one summary); returns how many were emitted one by one."""
    from prefect.events import emit_event

    held = [(doc, order) for doc in report.documents for order in doc.orders
            if order.status == OrderStatus.HELD and order.order_id is not None]
    failed = [doc for doc in report.documents if doc.status == DocumentStatus.FAILED]
    if not held and not failed:
        return 0
    installation = installation or _installation()
    emitted = 0
    for doc, order in held[:MAX_EVENTS_PER_RUN]:
        emit_event(
            event=HELD_EVENT,
            resource={"prefect.resource.id": resource_id("order", order.order_id, installation),
                      "prefect.resource.name": order_name(order.po_number, order.customer_id)},
            # Prefect's UI shows a resource of a kind it does not know by its id alone: the
            # related purchase order's id carries the customer and PO number, so the event's
            # page names them where ops look, not only in the Raw tab.
            related=[_po(order.customer_id, order.po_number, installation)],
            payload={"order_id": order.order_id, "customer_id": _shown(order.customer_id),
                     "po_number": _shown(order.po_number), "document_id": doc.document_id,
                     "reasons": [_p(reason) for reason in order.hold_reasons],
                     "resolve": f"ordergate holds release {order.order_id}"})
        emitted += 1
    for doc in failed[:MAX_EVENTS_PER_RUN - emitted]:
        name = doc.path.rsplit("/", 1)[-1] or doc.path
        emit_event(
            event=FAILED_DOCUMENT_EVENT,
            resource={"prefect.resource.id": resource_id("document", doc.document_id or name,
                                                         installation),
                      "prefect.resource.name": _p(f"document {doc.document_id or '-'} · {name}")},
            payload={"document_id": doc.document_id, "file": _p(name),
                     "format": _shown(doc.format), "reason": _p(doc.error or "failed")})
        emitted += 1
    if len(held) + len(failed) > MAX_EVENTS_PER_RUN:
        emit_event(event=HELD_SUMMARY_EVENT,
                   resource={"prefect.resource.id": resource_id("holds", "all", installation)},
                   payload={"held": len(held), "failed": len(failed),
                            "emitted_individually": emitted})
    return emitted


def _shown(value: str | None) -> str | None:
    return None if value is None else _p(value)


def emit_delivery_events(failed: list, installation: str | None = None) -> int:
    """An event per outbound message that could not be delivered (``outbox.queue.Delivery``)."""
    from prefect.events import emit_event

    if not failed:
        return 0
    installation = installation or _installation()
    for item in failed[:MAX_EVENTS_PER_RUN]:
        emit_event(
            event=FAILED_DELIVERY_EVENT,
            resource={"prefect.resource.id": resource_id("outbox", item.id, installation),
                      "prefect.resource.name": _p(f"{item.kind} {item.filename} · "
                                                  f"{item.destination}")},
            payload={"outbox_id": item.id, "kind": item.kind,
                     "destination": _shown(item.destination), "filename": _shown(item.filename),
                     "error": _shown(item.error), "attempts": item.attempts})
    return min(len(failed), MAX_EVENTS_PER_RUN)


def emit_ack_events(news: list, installation: str | None = None) -> int:
    """An event per outbound message a partner rejected (997 AK5/AK9 R, CONTRL 4) or has not
    acknowledged within ORDERGATE_ACK_DUE_HOURS (``outbox.acks.ack_news``)."""
    from prefect.events import emit_event

    if not news:
        return 0
    installation = installation or _installation()
    for item in news[:MAX_EVENTS_PER_RUN]:
        emit_event(
            event=ACK_EVENTS[item.what],
            resource={"prefect.resource.id": resource_id("outbox", item.outbox_id, installation),
                      "prefect.resource.name": _p(f"{item.kind} {item.filename}")},
            payload={"outbox_id": item.outbox_id, "kind": item.kind,
                     "partner_id": _shown(item.partner_id), "customer_id": _shown(item.customer_id),
                     "filename": _shown(item.filename), "detail": _shown(item.detail)})
    return min(len(news), MAX_EVENTS_PER_RUN)


SHIPMENT_EVENT = "ordergate.shipment.recorded"
INVOICE_EVENT = "ordergate.invoice.issued"


def emit_work_events(engine, actor: str) -> int:
    """An event per shipment recorded and per invoice or credit note issued by ``actor`` (the
    run that did the work: a drop-folder run importing the warehouse's file ships and
    invoices in one go); at most MAX_EVENTS_PER_RUN of each."""
    from prefect.events import emit_event
    from sqlalchemy import select

    from ordergate.store import tables as t
    from ordergate.store.installation import installation_id

    with engine.connect() as conn:
        shipments = conn.execute(
            select(t.shipments.c.id, t.shipments.c.order_id, t.shipments.c.carrier,
                   t.shipments.c.tracking_number, t.shipments.c.ship_date, t.orders.c.po_number,
                   t.orders.c.customer_id)
            .join(t.orders, t.orders.c.id == t.shipments.c.order_id)
            .where(t.shipments.c.actor == actor).order_by(t.shipments.c.id)
            .limit(MAX_EVENTS_PER_RUN)).all()
        invoices = conn.execute(
            select(t.invoices.c.id, t.invoices.c.invoice_number, t.invoices.c.kind,
                   t.invoices.c.customer_id, t.invoices.c.total, t.invoices.c.currency,
                   t.invoices.c.due_date)
            .where(t.invoices.c.actor == actor).order_by(t.invoices.c.id)
            .limit(MAX_EVENTS_PER_RUN)).all()
    if not shipments and not invoices:
        return 0
    installation = installation_id(engine)
    for row in shipments:
        emit_event(
            event=SHIPMENT_EVENT,
            resource={"prefect.resource.id": resource_id("shipment", row.id, installation),
                      "prefect.resource.name": _p(f"shipment {row.id} · PO {row.po_number} · "
                                                  f"{row.customer_id}")},
            related=[_po(row.customer_id, row.po_number, installation)],
            payload={"shipment_id": row.id, "order_id": row.order_id,
                     "po_number": _p(row.po_number), "customer_id": _p(row.customer_id),
                     "carrier": _p(row.carrier), "tracking_number": _p(row.tracking_number),
                     "ship_date": row.ship_date.isoformat()})
    for row in invoices:
        emit_event(
            event=INVOICE_EVENT,
            resource={"prefect.resource.id": resource_id("invoice", row.id, installation),
                      "prefect.resource.name": _p(f"{row.invoice_number} · {row.customer_id}")},
            payload={"invoice_id": row.id, "invoice_number": _p(row.invoice_number),
                     "kind": row.kind, "customer_id": _p(row.customer_id),
                     "total": str(row.total), "currency": _p(row.currency),
                     "due_date": row.due_date.isoformat()})
    return len(shipments) + len(invoices)


def _po(customer_id: str | None, po_number: str | None, installation: str) -> dict:
    """The related purchase order: its id carries customer and PO number, which is how the
    UI shows a resource of a kind it does not know."""
    return {"prefect.resource.id": resource_id("po", _p(f"{customer_id}.{po_number}"),
                                               installation),
            "prefect.resource.role": "purchase-order",
            "prefect.resource.name": order_name(po_number, customer_id)}
