"""The outbox delivery flow: write pending acknowledgements to outbox/<customer>/."""

from __future__ import annotations

from prefect import flow, task

from ordergate.app import open_engine
from ordergate.orders.outbox import Delivery
from ordergate.processing.delivery import deliver
from ordergate.settings import Settings


@task(name="deliver-outbox")
def deliver_outbox_task() -> list[Delivery]:
    settings = Settings()
    return deliver(open_engine(settings), settings)


@flow(name="deliver-outbox")
def deliver_outbox() -> int:
    deliveries = deliver_outbox_task()
    failed = [d for d in deliveries if d.status != "sent"]
    if failed:
        # Left pending with the error recorded; the next run tries again.
        raise RuntimeError(f"{len(failed)} of {len(deliveries)} messages could not be delivered")
    return len(deliveries)
