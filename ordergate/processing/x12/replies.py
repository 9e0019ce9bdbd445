"""Turning X12 processing results into outbox rows: 855 per order, 997 per interchange, TA1.

Control numbers are allocated from the database in blocks inside the same transaction that
queues the messages, so a rolled-back batch leaves no gap-less promise broken and two workers
never share a number.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from ordergate.billing.model import Invoice
from ordergate.fulfilment.model import ShipmentNotice
from ordergate.orders.model import ReplyAddress
from ordergate.orders.store import SavedOrder
from ordergate.outbox.control_numbers import allocate
from ordergate.outbox.kinds import X12_810, X12_855, X12_856, X12_997, X12_TA1
from ordergate.outbox.queue import OutboundMessage, Queued, queue_messages
from ordergate.parsers.x12 import OutTransaction, segment_writer, write_interchange
from ordergate.sinks.x12 import (
    SHIP_NOTICE_GROUP,
    GroupAck,
    build_855,
    build_856,
    build_997,
    build_duplicate_855,
    reply_delimiters,
    reply_group,
    reply_interchange,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def partner_key(reply: ReplyAddress) -> str:
    return f"x12:{reply.partner_qualifier}:{reply.partner_id}"


def destination_for(customer_id: str | None, reply: ReplyAddress) -> str:
    """outbox/<customer_id>/, or a folder named after an unknown sender's X12 id."""
    if customer_id:
        return customer_id
    return "unknown-" + _UNSAFE.sub("-", f"{reply.partner_qualifier}-{reply.partner_id}").strip("-")


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-")[:60] or "x"


def queue_855s(conn: Connection, saved: list[SavedOrder], reply: ReplyAddress, *,
               document_id: int, now: datetime, occasion: str = "") -> list[Queued]:
    """One 855 interchange for a stored batch, with an ST per new or duplicate order (a resumed
    order has its 855 already). A batch never spans two reply addresses: the intake stores
    what it holds before a new group starts.

    Batching is what partners' translators expect from a busy supplier, and it keeps the
    envelope, the outbox row and the file to one per batch instead of one per order; each
    order's ST02 is recorded in ``order_acknowledgements``.
    """
    items = [item for item in saved if item.outcome != "resumed"]
    if not items:
        return []
    today = now.date()
    first = items[0].order
    partner = partner_key(reply)
    isa_no = allocate(conn, partner, "isa", 1)[0]
    gs_no = allocate(conn, partner, "gs", 1)[0]
    transactions = []
    acknowledges = []
    writer = segment_writer(reply_delimiters(reply), reply.interchange_version)
    for item, st_no in zip(items, allocate(conn, partner, "st", len(items))):
        if item.outcome == "duplicate":
            transactions.append(build_duplicate_855(item.order, item.order_id, st_no, today))
        else:
            transactions.append(build_855(item.order, item.order_id, st_no, today, writer))
            acknowledges.append((item.order_id, f"{st_no:04d}"))
    group = reply_group(reply, "PR", gs_no, transactions)
    payload = write_interchange(reply_interchange(reply, isa_no, [group], timestamp=now))
    what = _safe(first.po_number) if len(items) == 1 else f"{len(items)}-orders"
    message = OutboundMessage(
        # Batches are cut the same way on a rerun, and a resumed order never gets here, so the
        # first order of the batch names it.
        # ``occasion`` tells a later answer to the same order (e.g. ":released") from the first.
        dedupe_key=f"855:{document_id}:{first.source_key}{occasion}", kind=X12_855.name, partner_id=partner,
        customer_id=first.customer_id, destination=destination_for(first.customer_id, reply),
        filename=f"855_{what}_{isa_no:09d}.x12", payload=payload.encode("utf-8"),
        document_id=document_id,
        order_id=items[0].order_id if len(items) == 1 and items[0].outcome == "new" else None,
        acknowledges=tuple(acknowledges), interchange_control=f"{isa_no:09d}",
        group_control=str(gs_no))
    return queue_messages(conn, [message], now)


def queue_997(conn: Connection, reply: ReplyAddress, customer_id: str | None,
              groups: list[GroupAck], *, document_id: int, interchange_control: str,
              ta1: list[str] | None, now: datetime) -> Queued | None:
    """One interchange answering one received interchange: a 997 per group, plus a TA1."""
    groups = [g for g in groups if g.group.functional_id != "FA"]  # never acknowledge acks
    if not groups and ta1 is None:
        return None
    partner = partner_key(reply)
    isa_no = allocate(conn, partner, "isa", 1)[0]
    transactions: list[OutTransaction] = []
    out_groups = []
    if groups:
        st = allocate(conn, partner, "st", len(groups))
        writer = segment_writer(reply_delimiters(reply), reply.interchange_version)
        transactions = [build_997(group, st_no, writer) for group, st_no in zip(groups, st)]
        out_groups = [reply_group(reply, "FA", allocate(conn, partner, "gs", 1)[0], transactions)]
    kind = X12_997.name if groups else X12_TA1.name
    interchange = reply_interchange(reply, isa_no, out_groups, extra_segments=[ta1] if ta1 else None,
                                    timestamp=now)
    message = OutboundMessage(
        dedupe_key=f"{kind}:{document_id}:{partner}:{interchange_control}", kind=kind,
        partner_id=partner, customer_id=customer_id,
        destination=destination_for(customer_id, reply),
        filename=f"{kind}_{_safe(interchange_control)}_{isa_no:09d}.x12",
        payload=write_interchange(interchange).encode("utf-8"), document_id=document_id)
    return queue_messages(conn, [message], now)[0]


def queue_856s(conn: Connection, notices: list[ShipmentNotice], reply: ReplyAddress, *,
               ship_from_id: tuple[str, str] | None, now: datetime) -> list[Queued]:
    """One 856 interchange for shipments to one partner, an ST per shipment; the shipment ids
    name it, so recording the same shipments again queues nothing twice."""
    if not notices:
        return []
    first = notices[0]
    what = f"{_safe(first.po_number)}_{first.shipment_id}" if len(notices) == 1 else \
        f"{len(notices)}-shipments_{first.shipment_id}"
    return _queue_documents(
        conn, reply, notices, X12_856.name, SHIP_NOTICE_GROUP,
        lambda notice, st_no: build_856(notice, st_no, now, ship_from_id=ship_from_id),
        key=f"{first.shipment_id}:{len(notices)}", what=what, now=now)


def queue_810s(conn: Connection, invoices: list[Invoice], reply: ReplyAddress, *,
               our_id: tuple[str, str] | None, now: datetime) -> list[Queued]:
    """One 810 interchange for the invoices to one partner made together, an ST each."""
    from ordergate.sinks.x12 import INVOICE_GROUP, build_810

    if not invoices:
        return []
    first = invoices[0]
    buyer = (reply.partner_qualifier, reply.partner_id)
    what = first.invoice_number if len(invoices) == 1 else \
        f"{len(invoices)}-invoices_{first.invoice_number}"
    return _queue_documents(
        conn, reply, invoices, X12_810.name, INVOICE_GROUP,
        lambda invoice, st_no: build_810(invoice, st_no, our_id=our_id, buyer_id=buyer),
        key=f"{first.invoice_number}:{len(invoices)}", what=_safe(what), now=now)


def _queue_documents(conn: Connection, reply: ReplyAddress, documents: list, kind: str,
                     functional_id: str, build, *, key: str, what: str,
                     now: datetime) -> list[Queued]:
    """One interchange of ``documents`` (shipment notices, invoices) to one partner, an ST
    each, awaiting the partner's 997 under its ISA13 and GS06."""
    partner = partner_key(reply)
    isa_no = allocate(conn, partner, "isa", 1)[0]
    gs_no = allocate(conn, partner, "gs", 1)[0]
    numbers = allocate(conn, partner, "st", len(documents))
    group = reply_group(reply, functional_id, gs_no,
                        [build(document, st_no) for document, st_no in zip(documents, numbers)])
    payload = write_interchange(reply_interchange(reply, isa_no, [group], timestamp=now))
    first = documents[0]
    message = OutboundMessage(
        dedupe_key=f"{kind}:{partner}:{key}", kind=kind, partner_id=partner,
        customer_id=first.customer_id, destination=destination_for(first.customer_id, reply),
        filename=f"{kind}_{what}_{isa_no:09d}.x12", payload=payload.encode("utf-8"),
        order_id=first.order_id if len(documents) == 1 else None,
        acknowledges=tuple((document.order_id, f"{st_no:04d}")
                           for document, st_no in zip(documents, numbers) if document.order_id),
        interchange_control=f"{isa_no:09d}", group_control=str(gs_no))
    return queue_messages(conn, [message], now)
