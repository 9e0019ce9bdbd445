"""Turning EDIFACT processing results into outbox rows: an ORDRSP interchange per stored batch,
a CONTRL per interchange received.

Interchange (UNB 0020) and message (UNH 0062) references come from the database like the
X12 control numbers, per partner, inside the transaction that queues the messages.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from ordergate.orders.store import SavedOrder
from ordergate.outbox.control_numbers import allocate
from ordergate.outbox.kinds import EDIFACT_CONTRL, EDIFACT_ORDRSP
from ordergate.outbox.queue import OutboundMessage, Queued, queue_messages
from ordergate.sinks.edifact import (
    EdifactReply,
    InterchangeAck,
    build_contrl,
    build_duplicate_ordrsp,
    build_ordrsp,
    render_interchange,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def partner_key(reply: EdifactReply) -> str:
    qualifier = f":{reply.partner_qualifier}" if reply.partner_qualifier else ""
    return f"edifact:{reply.partner_id}{qualifier}"


def destination_for(customer_id: str | None, reply: EdifactReply) -> str:
    """outbox/<customer_id>/, or a folder named after an unknown sender's EDIFACT id."""
    if customer_id:
        return customer_id
    return "unknown-" + (_UNSAFE.sub("-", reply.partner_id).strip("-") or "sender")


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-")[:60] or "x"


def queue_ordrsps(conn: Connection, saved: list[SavedOrder], reply: EdifactReply, *,
                  association_code: str | None, document_id: int, now: datetime,
                  occasion: str = "") -> list[Queued]:
    """One ORDRSP interchange for a stored batch, a message per new or duplicate order."""
    items = [item for item in saved if item.outcome != "resumed"]
    if not items:
        return []
    today = now.date()
    first = items[0].order
    partner = partner_key(reply)
    unb = allocate(conn, partner, "unb", 1)[0]
    messages = []
    acknowledges = []
    for item, unh in zip(items, allocate(conn, partner, "unh", len(items))):
        if item.outcome == "duplicate":
            messages.append(build_duplicate_ordrsp(item.order, item.order_id, unh, today,
                                                   association_code=association_code))
        else:
            messages.append(build_ordrsp(item.order, item.order_id, unh, today,
                                         association_code=association_code,
                                         syntax_id=reply.syntax_id))
            acknowledges.append((item.order_id, str(unh)))
    what = _safe(first.po_number) if len(items) == 1 else f"{len(items)}-orders"
    message = OutboundMessage(
        dedupe_key=f"ORDRSP:{document_id}:{first.source_key}{occasion}", kind=EDIFACT_ORDRSP.name,
        partner_id=partner,
        customer_id=first.customer_id, destination=destination_for(first.customer_id, reply),
        filename=f"ORDRSP_{what}_{unb:09d}.edi",
        payload=render_interchange(reply, unb, messages, timestamp=now, break_lines=True),
        document_id=document_id,
        order_id=items[0].order_id if len(items) == 1 and items[0].outcome == "new" else None,
        acknowledges=tuple(acknowledges), interchange_control=str(unb))
    return queue_messages(conn, [message], now)


def queue_contrl(conn: Connection, reply: EdifactReply, customer_id: str | None,
                 ack: InterchangeAck, *, document_id: int, now: datetime) -> Queued:
    """The CONTRL answering one received interchange (every one, as partners expect)."""
    partner = partner_key(reply)
    unb = allocate(conn, partner, "unb", 1)[0]
    unh = allocate(conn, partner, "unh", 1)[0]
    # The verdict and its first code are part of the key: a document rejected for an unknown
    # sender and replayed once the customer is seeded must still send its accepting CONTRL
    # (X12 keeps the two apart by kind, TA1 and 997); a rerun after a crash, with the same
    # verdict, still finds the CONTRL it queued before.
    verdict = ack.verdict.value + (f"-{ack.problems[0].code}" if ack.problems else "")
    message = OutboundMessage(
        dedupe_key=f"CONTRL:{document_id}:{partner}:{ack.reference}:{verdict}", kind=EDIFACT_CONTRL.name,
        partner_id=partner, customer_id=customer_id,
        destination=destination_for(customer_id, reply),
        filename=f"CONTRL_{_safe(ack.reference)}_{unb:09d}.edi",
        payload=render_interchange(reply, unb, [build_contrl(ack, unh)], timestamp=now,
                                   break_lines=True),
        document_id=document_id)
    return queue_messages(conn, [message], now)[0]
