"""Shipments recorded and announced in one transaction: the customer hears of each shipment the
way it ordered, or the way its partner profile says (``ship_notice``).

- ``edi``: the order's own standard: an X12 856 to the address its 850 came from, an EDIFACT
  DESADV in the version its ORDERS had, to the interchange's sender. One interchange per
  partner for the shipments recorded together.
- ``email``: a mail threaded to the PO mail (or, for an order that did not come by mail, a new
  mail to the customer's registered address).
- ``csv``: a table in ``outbox/<customer_id>/``.
- ``none``: nothing.

A shipment and its notice are stored together or not at all, so a shipment is never left
unannounced and never announced twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from ordergate.formats import DocumentFormat, OrderFormat
from ordergate.fulfilment.shipping import (
    SHIPPED,
    ShipmentRequest,
    ShipmentResult,
    record_shipments,
)
from ordergate.masterdata.catalog import Catalog
from ordergate.orders.detail import order_heads
from ordergate.orders.model import Address
from ordergate.outbox.queue import Queued
from ordergate.settings import Settings
from ordergate.store import tables as t

EDI, EMAIL, CSV, NONE = "edi", "email", "csv", "none"


@dataclass(slots=True)
class Shipped:
    """A shipment request's outcome and the messages that announce it."""

    result: ShipmentResult
    outbound: list[Queued] = field(default_factory=list)
    notice_channel: str | None = None  # edi | email | csv | none, for a recorded shipment
    problem: str | None = None  # why no notice went out although one was due


def ship(engine: Engine, settings: Settings, requests: list[ShipmentRequest], *, actor: str,
         now: datetime) -> list[Shipped]:
    with engine.begin() as conn:
        return ship_in(conn, settings, requests, actor=actor, now=now)


def ship_in(conn: Connection, settings: Settings, requests: list[ShipmentRequest], *, actor: str,
            now: datetime) -> list[Shipped]:
    """Record ``requests`` and queue their notices in the caller's transaction."""
    results = [Shipped(result) for result in record_shipments(conn, requests, now=now, actor=actor)]
    shipped = [item for item in results if item.result.status == SHIPPED]
    if shipped:
        announce(conn, settings, shipped, now=now)
    return results


def notice_channel(order, document_format: str | None, catalog: Catalog) -> str:
    """How the customer hears of a shipment of ``order`` (which came in a document of
    ``document_format``)."""
    profile = catalog.profile(order.customer_id)
    if profile is not None and profile.ship_notice:
        return profile.ship_notice
    if order.format in (OrderFormat.X12_850, OrderFormat.EDIFACT_ORDERS):
        return EDI
    return EMAIL if document_format == DocumentFormat.EMAIL else CSV


def announce(conn: Connection, settings: Settings, shipped: list[Shipped], *,
             now: datetime) -> None:
    catalog = Catalog.load(conn)
    ship_from = Address(name=settings.ship_from_name) if settings.ship_from_name else None
    by_channel: dict[str, list[Shipped]] = defaultdict(list)
    formats = dict(conn.execute(select(t.documents.c.id, t.documents.c.format).where(
        t.documents.c.id.in_(sorted({item.result.order.document_id for item in shipped})))).all())
    for item in shipped:
        order = item.result.order
        item.notice_channel = notice_channel(order, formats.get(order.document_id), catalog)
        item.result.notice = replace(item.result.notice, ship_from=ship_from)
        by_channel[item.notice_channel].append(item)
    if by_channel[EDI]:
        _edi(conn, settings, by_channel[EDI], now=now)
    if by_channel[EMAIL]:
        from ordergate.processing.email.ship_notices import queue_ship_notice_mails

        queue_ship_notice_mails(conn, settings, catalog, by_channel[EMAIL], now=now)
    if by_channel[CSV]:
        from ordergate.processing.tabular.ship_notices import queue_csv_ship_notices

        queue_csv_ship_notices(conn, by_channel[CSV], now=now)


def _edi(conn: Connection, settings: Settings, items: list[Shipped], *, now: datetime) -> None:
    """856s grouped by the address each 850 came from; DESADVs by the interchange each ORDERS
    came in."""
    from ordergate.processing.x12.replies import queue_856s

    x12: dict[tuple, list[Shipped]] = defaultdict(list)
    edifact: list[Shipped] = []
    for item in items:
        order = item.result.order
        if order.format == OrderFormat.X12_850:
            reply = order_heads(order.detail).reply_to
            if reply is None:
                item.problem = "the order has no X12 reply address, so no 856 was sent"
                continue
            x12[tuple(sorted(reply.model_dump().items()))].append(item)
        elif order.format == OrderFormat.EDIFACT_ORDERS:
            edifact.append(item)
        else:
            item.problem = (f"the profile asks for EDI ship notices, but order {order.id} came as "
                            f"{order.format}: no 856 or DESADV can be addressed")
    for group in x12.values():
        reply = order_heads(group[0].result.order.detail).reply_to
        queued = queue_856s(conn, [item.result.notice for item in group], reply,
                            ship_from_id=tuple(settings.our_x12), now=now)
        for item in group:
            item.outbound.extend(queued)
    if edifact:
        from ordergate.processing.edifact.ship_notices import queue_desadvs

        queue_desadvs(conn, settings, edifact, now=now)
