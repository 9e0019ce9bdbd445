"""Turning X12 processing results into outbox rows: 855 per order, 997 per interchange, TA1.

Control numbers are allocated from the database in blocks inside the same transaction that
queues the messages, so a rolled-back batch leaves no gap-less promise broken and two workers
never share a number.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from ordergate.orders.control_numbers import allocate
from ordergate.orders.model import CheckedOrder, ReplyAddress
from ordergate.orders.outbox import OutboundMessage, Queued, queue_messages
from ordergate.orders.store import SavedOrder
from ordergate.parsers.x12_writer import OutTransaction, write_interchange
from ordergate.sinks.x12_855 import build_855, build_duplicate_855
from ordergate.sinks.x12_997 import GroupAck, build_997
from ordergate.sinks.x12_envelope import reply_group, reply_interchange

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


def _numbers(conn: Connection, partner: str, count: int) -> tuple[range, range, range]:
    return (allocate(conn, partner, "isa", count), allocate(conn, partner, "gs", count),
            allocate(conn, partner, "st", count))


def queue_855s(conn: Connection, saved: list[SavedOrder], *, document_id: int,
               now: datetime) -> list[Queued]:
    """One 855 interchange per new or duplicate order (a resumed order has its 855 already)."""
    todo = [s for s in saved if s.outcome != "resumed" and s.checked.order.reply_to is not None]
    by_partner: dict[str, list[SavedOrder]] = {}
    for item in todo:
        by_partner.setdefault(partner_key(item.checked.order.reply_to), []).append(item)
    messages = []
    today = now.date()
    for partner, items in by_partner.items():
        isa, gs, st = _numbers(conn, partner, len(items))
        for item, isa_no, gs_no, st_no in zip(items, isa, gs, st):
            checked: CheckedOrder = item.checked
            order = checked.order
            reply = order.reply_to
            if item.outcome == "duplicate":
                tx = build_duplicate_855(order, checked.order_id, st_no, today)
                key = f"855:dup:{document_id}:{order.source_key}"
            else:
                tx = build_855(checked, st_no, today)
                key = f"855:order:{checked.order_id}"
            messages.append(_message(
                key, "855", reply, order.customer_id, isa_no, gs_no, tx, now,
                filename=f"855_{_safe(order.po_number)}_{isa_no:09d}.x12",
                document_id=document_id,
                order_id=checked.order_id if item.outcome == "new" else None))
    return queue_messages(conn, messages, now)


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
        transactions = [build_997(group, st_no) for group, st_no in zip(groups, st)]
        out_groups = [reply_group(reply, "FA", allocate(conn, partner, "gs", 1)[0], transactions)]
    kind = "997" if groups else "TA1"
    interchange = reply_interchange(reply, isa_no, out_groups, extra_segments=[ta1] if ta1 else None,
                                    timestamp=now)
    message = OutboundMessage(
        dedupe_key=f"{kind}:{document_id}:{partner}:{interchange_control}", kind=kind,
        partner_id=partner, customer_id=customer_id,
        destination=destination_for(customer_id, reply),
        filename=f"{kind}_{_safe(interchange_control)}_{isa_no:09d}.x12",
        payload=write_interchange(interchange).encode("utf-8"), document_id=document_id)
    return queue_messages(conn, [message], now)[0]


def _message(key: str, kind: str, reply: ReplyAddress, customer_id: str | None, isa_no: int,
             gs_no: int, tx: OutTransaction, now: datetime, *, filename: str,
             document_id: int | None, order_id: int | None) -> OutboundMessage:
    group = reply_group(reply, "PR", gs_no, [tx])
    payload = write_interchange(reply_interchange(reply, isa_no, [group], timestamp=now))
    return OutboundMessage(
        dedupe_key=key, kind=kind, partner_id=partner_key(reply), customer_id=customer_id,
        destination=destination_for(customer_id, reply), filename=filename,
        payload=payload.encode("utf-8"), document_id=document_id, order_id=order_id)
