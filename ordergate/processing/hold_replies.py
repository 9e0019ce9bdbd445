"""The acknowledgement a held order gets once it is released or rejected, the way it came.

Everything needed to answer is stored: the document the order came from (its format says
which handler answers, ``processing.registry``) and the order's canonical JSON (an X12 order's
reply address). The answer is a new message beside whatever the order got when it arrived:
dedupe keys end in ``:resolved``, so a retried release queues it once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from ordergate.formats import OrderFormat
from ordergate.orders.model import SalesOrder
from ordergate.orders.prepared import PreparedOrder
from ordergate.orders.store import SavedOrder, document_content
from ordergate.outbox.queue import Queued
from ordergate.processing.handlers import NoAnswer, Resolution
from ordergate.processing.registry import FORMATS
from ordergate.settings import Settings
from ordergate.store import tables as t


def queue_resolution(conn: Connection, settings: Settings, saved: SavedOrder, *,
                     now: datetime, occasion: str = ":resolved") -> list[Queued]:
    """The answer to ``saved`` now that it was released, rejected or (``occasion``
    ":cancelled") cancelled, the way its document came."""
    document = conn.execute(select(t.documents.c.id, t.documents.c.source_ref,
                                   t.documents.c.format)
                            .join(t.orders, t.orders.c.document_id == t.documents.c.id)
                            .where(t.orders.c.id == saved.order_id)).one()
    handler = FORMATS.get(document.format)
    if handler is None or handler.answer_resolved is None:
        raise NoAnswer(f"order {saved.order_id} came in a {document.format} document, and no "
                       f"answer on release or rejection is registered for that format; nothing "
                       f"was sent")
    return handler.answer_resolved(Resolution(conn, settings, FORMATS, saved, document.id,
                                              document.source_ref, document_content(conn, document.id), now,
                                              occasion))


def answerable(prepared: PreparedOrder, order_id: int, status: str, *,
               stored_detail: str | None = None) -> SavedOrder:
    """A stored order as its answer needs it: with the parties an ORDRSP names (EANCOM wants
    BY and SU), read from the order's canonical JSON as stored (``stored_detail``, else the
    prepared order's)."""
    order = prepared._replace(status=status)
    if prepared.format == OrderFormat.EDIFACT_ORDERS:
        from ordergate.sinks.edifact import parties_of

        detail = SalesOrder.model_validate_json(stored_detail or prepared.detail)
        order = order._replace(parties=parties_of(detail))
    return SavedOrder(order, "new", order_id, status, order.hold_reasons)
