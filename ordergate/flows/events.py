"""Prefect events for what ops may want to be told about at once: each held order emits
``ordergate.order.held`` (customer, PO and reasons in the payload), so an automation can notify
someone (see README, "Notify ops about holds")."""

from __future__ import annotations

from ordergate.printable import printable as _p
from ordergate.processing.report import IngestReport

HELD_EVENT = "ordergate.order.held"
MAX_EVENTS_PER_RUN = 200  # past this, one summary event: a bad batch must not flood the server
HELD_SUMMARY_EVENT = "ordergate.orders.held"


def emit_hold_events(report: IngestReport) -> int:
    """Emit an event per held order of the run (at most MAX_EVENTS_PER_RUN); returns how many."""
    from prefect.events import emit_event

    held = [(doc, order) for doc in report.documents for order in doc.orders
            if order.status == "held" and order.order_id is not None]
    for doc, order in held[:MAX_EVENTS_PER_RUN]:
        # The names and reasons end up in the UI and in notifications rendered from templates:
        # shown with their control and bidi characters escaped, like everywhere else.
        emit_event(
            event=HELD_EVENT,
            resource={"prefect.resource.id": f"ordergate.order.{order.order_id}",
                      "prefect.resource.name": _p(f"PO {order.po_number} ({order.customer_id})")},
            payload={"order_id": order.order_id, "customer_id": _shown(order.customer_id),
                     "po_number": _shown(order.po_number), "document_id": doc.document_id,
                     "reasons": [_p(reason) for reason in order.hold_reasons]})
    if len(held) > MAX_EVENTS_PER_RUN:
        emit_event(event=HELD_SUMMARY_EVENT,
                   resource={"prefect.resource.id": "ordergate.holds"},
                   payload={"held": len(held), "emitted_individually": MAX_EVENTS_PER_RUN})
    return min(len(held), MAX_EVENTS_PER_RUN)


def _shown(value: str | None) -> str | None:
    return None if value is None else _p(value)


ACK_EVENTS = {"rejected": "ordergate.ack.rejected", "overdue": "ordergate.ack.overdue"}


def emit_ack_events(news: list) -> int:
    """An event per outbound message a partner rejected (997 AK5/AK9 R, CONTRL 4) or has not
    acknowledged within ORDERGATE_ACK_DUE_HOURS (``outbox.acks.ack_news``)."""
    from prefect.events import emit_event

    for item in news[:MAX_EVENTS_PER_RUN]:
        emit_event(
            event=ACK_EVENTS[item.what],
            resource={"prefect.resource.id": f"ordergate.outbox.{item.outbox_id}",
                      "prefect.resource.name": _p(f"{item.kind} {item.filename}")},
            payload={"outbox_id": item.outbox_id, "kind": item.kind,
                     "partner_id": _shown(item.partner_id), "customer_id": _shown(item.customer_id),
                     "filename": _shown(item.filename), "detail": _shown(item.detail)})
    return min(len(news), MAX_EVENTS_PER_RUN)

