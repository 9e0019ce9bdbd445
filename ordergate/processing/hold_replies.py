"""The acknowledgement a held order gets once it is released or rejected, the way it came.

Everything needed to answer is stored: X12 orders carry their reply address in the order's
canonical JSON; an EDIFACT order's interchange header is read again from the stored document;
a mailed order's sender and Message-ID come from the mail itself (also stored); dropped files
get a CSV acknowledgement. Dedupe keys end in ``:resolved`` so the answer is a new message
beside whatever the order got when it arrived, and a retried release queues it once.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath

from sqlalchemy import Connection, select

from ordergate.formats import DocumentFormat, OrderFormat
from ordergate.store import tables as t
from ordergate.orders.model import SalesOrder
from ordergate.outbox.queue import OutboundMessage, Queued, queue_messages
from ordergate.orders.store import SavedOrder
from ordergate.settings import Settings

OCCASION = ":resolved"


def queue_resolution(conn: Connection, settings: Settings, saved: SavedOrder, *,
                     now: datetime) -> list[Queued]:
    order = saved.order
    document = conn.execute(select(t.documents.c.id, t.document_contents.c.content,
                                   t.documents.c.source_ref, t.documents.c.format)
                            .select_from(t.documents.join(t.document_contents))
                            .join(t.orders, t.orders.c.document_id == t.documents.c.id)
                            .where(t.orders.c.id == saved.order_id)).one()
    if document.format == DocumentFormat.EMAIL:
        return _mailed(conn, settings, saved, document, now)
    if order.format == OrderFormat.X12_850:
        return _x12(conn, saved, document.id, now)
    if order.format.startswith("edifact"):
        return _edifact_from(conn, settings, saved, bytes(document.content), document.id, now)
    return _csv(conn, saved, document, now)


def _mailed(conn: Connection, settings: Settings, saved: SavedOrder, document,
            now: datetime) -> list[Queued]:
    """Whatever was attached, a mail is answered by mail; an 850 or ORDERS attachment's
    sender also gets its 855 or ORDRSP."""
    from ordergate.parsers.email.message import read_mail
    from ordergate.processing.email.replies import original_of, queue_replies_for
    from ordergate.sinks.email.reply import should_reply

    from ordergate.masterdata.catalog import Catalog

    content = bytes(document.content)
    mail = read_mail(content, limits=settings.mail_limits)
    customer_id = saved.order.customer_id
    answer_to = Catalog.load(conn).reply_address(customer_id, mail.from_address) if customer_id else None
    original = original_of(mail, answer_to)
    answers = []
    if should_reply(original, settings.mail_address) is None:
        answers += queue_replies_for(conn, settings, original, [saved], document_id=document.id,
                                     now=now, occasion=OCCASION)
    order_format = saved.order.format
    if order_format == "x12-850":
        answers += _x12(conn, saved, document.id, now)
    elif order_format.startswith("edifact"):
        for attachment in mail.attachments:
            if attachment.kind == "edifact":
                found = _edifact_from(conn, settings, saved, attachment.content, document.id, now)
                if found:
                    return answers + found
    return answers


def _x12(conn: Connection, saved: SavedOrder, document_id: int, now: datetime) -> list[Queued]:
    from ordergate.processing.x12.replies import queue_855s

    reply = SalesOrder.model_validate_json(saved.order.detail).reply_to
    if reply is None:
        return []
    return queue_855s(conn, [saved], reply, document_id=document_id, now=now, occasion=OCCASION)


def _edifact_from(conn: Connection, settings: Settings, saved: SavedOrder, content: bytes,
                  document_id: int, now: datetime) -> list[Queued]:
    from ordergate.parsers.edifact.reader import iter_edifact
    from ordergate.parsers.edifact.types import InterchangeHeader
    from ordergate.processing.edifact.replies import queue_ordrsps
    from ordergate.sinks.edifact.envelope import reply_from_unb

    # source_key is "<UNB 0020>/<UNG 0048>/<UNH 0062>": the first part names the interchange.
    reference = saved.order.source_key.split("/", 1)[0]
    ours = settings.our_edifact
    for event in iter_edifact(content):
        if isinstance(event, InterchangeHeader) and event.present and \
                event.control_reference == reference:
            reply = reply_from_unb(event.segment, our_id=ours.ident, our_qualifier=ours.qualifier)
            return queue_ordrsps(conn, [saved], reply, association_code=None,
                                 document_id=document_id, now=now, occasion=OCCASION)
    return []


def _csv(conn: Connection, saved: SavedOrder, document, now: datetime) -> list[Queued]:
    from ordergate.sinks.csv.ack import render_csv_ack, rows_for_order

    customer_id = saved.order.customer_id or "unknown"
    stem = PurePath(document.source_ref).stem or "orders"
    message = OutboundMessage(
        dedupe_key=f"csv-ack:{document.id}:{saved.order.source_key}{OCCASION}", kind="csv-ack",
        partner_id=f"customer:{customer_id}", customer_id=customer_id, destination=customer_id,
        filename=f"{stem}_ack_{document.id}_order_{saved.order_id}.csv",
        payload=render_csv_ack(rows_for_order(saved)), document_id=document.id,
        order_id=saved.order_id, acknowledges=((saved.order_id, "1"),))
    return queue_messages(conn, [message], now)
