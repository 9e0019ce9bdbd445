"""The outbox delivery flow: write pending acknowledgements to outbox/<customer>/."""

from __future__ import annotations

from prefect import flow, task

from ordergate.app import open_engine, open_mailer
from ordergate.flows.retries import network_retries
from ordergate.outbox.queue import Delivery
from ordergate.processing.delivery import deliver
from ordergate.settings import Settings


# An SMTP answer or a lost connection is recorded per message and tried again by the next
# run; the task retries a TransientError raised before any message is sent.
@task(name="deliver-outbox", **network_retries())
def deliver_outbox_task() -> list[Delivery]:
    settings = Settings()
    return deliver(open_engine(settings), settings, mailer=open_mailer(settings))


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
    ack_news_task()
    deliveries = deliver_outbox_task()
    failed = [d for d in deliveries if d.status != "sent"]
    if failed:
        # Left pending with the error recorded; the next run tries again.
        raise RuntimeError(f"{len(failed)} of {len(deliveries)} messages could not be delivered")
    return len(deliveries)
