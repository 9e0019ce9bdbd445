"""The outbox delivery flow: write pending acknowledgements, ship notices and invoices to
outbox/<customer>/ or send them by mail.

A message that cannot be delivered is logged with its error, waits out a growing backoff
(``ORDERGATE_DELIVERY_RETRY_SECONDS``, doubled per failure up to the cap) and is tried by a
later run; after ``ORDERGATE_DELIVERY_MAX_ATTEMPTS`` it stays failed and
``ordergate.delivery.failed`` tells ops. The run ends Failed naming each message and its
error, so the UI shows what the outbox table shows.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from ordergate.app import open_engine, open_mailer
from ordergate.flows.retries import network_retries
from ordergate.outbox.queue import SENT, Delivery
from ordergate.printable import printable
from ordergate.processing.delivery import deliver
from ordergate.settings import Settings

MAX_MESSAGE = 500


class DeliveriesFailed(Exception):
    """The result of a delivery run's Failed state (Prefect expects an exception there)."""


# An SMTP answer or a lost connection is recorded per message and tried again by a later
# run; the task retries a TransientError raised before any message is sent.
@task(name="deliver-outbox", **network_retries())
def deliver_outbox_task() -> list[Delivery]:
    from ordergate.flows.artifacts import publish_outbound
    from ordergate.flows.events import emit_delivery_events
    from ordergate.store.installation import installation_id

    settings = Settings()
    engine = open_engine(settings)
    deliveries = deliver(engine, settings, mailer=open_mailer(settings))
    logger = get_run_logger()
    for item in deliveries:
        if item.status == SENT:
            logger.info("sent %s %s to %s", item.kind, printable(item.filename),
                        printable(item.destination))
        elif item.error:
            logger.warning("%s", failure_text(item))
    emit_delivery_events([item for item in deliveries if item.final],
                         installation_id(engine) if any(item.final for item in deliveries)
                         else None)
    publish_outbound(engine, deliveries)
    return deliveries


def failure_text(item: Delivery) -> str:
    when = ("failed for good" if item.final else
            f"try {item.attempts} failed, next at {item.retry_at:%H:%M:%S} UTC"
            if item.retry_at else f"try {item.attempts} failed")
    return printable(f"{item.kind} {item.filename} to {item.destination}: {when}: {item.error}")


@task(name="acknowledgement-news")
def ack_news_task() -> int:
    """Tell ops (Prefect events) of what partners rejected or have not acknowledged in time."""
    from ordergate.clock import utcnow
    from ordergate.flows.events import emit_ack_events
    from ordergate.outbox.acks import ack_news

    settings = Settings()
    with open_engine(settings).begin() as conn:
        news = ack_news(conn, due_hours=settings.ack_due_hours, now=utcnow())
    return emit_ack_events(news)


@flow(name="deliver-outbox")
def deliver_outbox() -> int:
    from prefect.states import Completed, Failed

    from ordergate.flows.artifacts import refresh_standing

    ack_news_task()
    deliveries = deliver_outbox_task()
    refresh_standing(open_engine(Settings()))
    failed = [d for d in deliveries if d.status != SENT and d.error]
    if failed:
        message = (f"{len(failed)} of {len(deliveries)} messages could not be delivered: "
                   + "; ".join(failure_text(item) for item in failed))
        return Failed(message=message[:MAX_MESSAGE], data=DeliveriesFailed(message[:MAX_MESSAGE]))
    return Completed(message=f"{len(deliveries)} messages delivered", data=len(deliveries))
