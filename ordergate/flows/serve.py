"""``ordergate serve``: the deployments on a schedule, served from this process."""

from __future__ import annotations

from ordergate.settings import Settings


def serve(settings: Settings) -> None:
    from prefect import serve as prefect_serve

    from ordergate.flows.ingest_flow import ingest_drop_folder
    from ordergate.flows.outbox_flow import deliver_outbox

    prefect_serve(
        ingest_drop_folder.to_deployment(name="drop-folder-poll",
                                         interval=settings.poll_interval_seconds),
        deliver_outbox.to_deployment(name="outbox-delivery",
                                     interval=max(10, settings.poll_interval_seconds // 2)),
    )
