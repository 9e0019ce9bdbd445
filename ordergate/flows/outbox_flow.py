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


@flow(name="deliver-outbox")
def deliver_outbox() -> int:
    deliveries = deliver_outbox_task()
    failed = [d for d in deliveries if d.status != "sent"]
    if failed:
        # Left pending with the error recorded; the next run tries again.
        raise RuntimeError(f"{len(failed)} of {len(deliveries)} messages could not be delivered")
    return len(deliveries)
