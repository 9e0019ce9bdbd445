"""The partners' acknowledgements of what we send, matched to the outbox rows they answer.

An X12 997/999 names our functional group (AK1: functional id and GS06) and says per group
(AK9) and per set (AK5) whether it was accepted; an EDIFACT CONTRL names our interchange (UCI
0020) and says (0083) whether it was accepted or rejected, per message in UCM. The row a
message went out under is found by the partner and those control numbers, and its
``ack_status`` moves from pending to accepted or rejected (with the detail ops act on). An
acknowledgement naming nothing we sent is reported, never guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, update

from ordergate.store import tables as t

ACCEPTED, REJECTED = "accepted", "rejected"


@dataclass(frozen=True, slots=True)
class ReceivedAck:
    """What one 997 group response or one CONTRL said about something we sent."""

    standard: str  # "x12" | "edifact"
    interchange_control: str | None  # EDIFACT: our UNB 0020
    group_control: str | None  # X12: our GS06
    status: str  # accepted | rejected
    detail: str | None = None  # the AK3/AK4/AK5 or UCM problems, for a rejection


def _number(text: str | None) -> str | None:
    """A control number as stored: digits without their leading zeros."""
    if text is None:
        return None
    text = text.strip()
    return str(int(text)) if text.isdigit() else text


def record_ack(conn: Connection, partner_id: str, ack: ReceivedAck, *, now: datetime) -> int:
    """Mark the rows ``ack`` answers; returns how many it matched (0: nothing of ours)."""
    outbox = t.outbox
    if ack.standard == "x12":
        match = outbox.c.group_control == _number(ack.group_control)
    else:
        match = outbox.c.interchange_control == _number(ack.interchange_control)
    result = conn.execute(update(outbox).where(
        outbox.c.partner_id == partner_id, match, outbox.c.ack_status.is_not(None))
        .values(ack_status=ack.status, ack_detail=ack.detail, acked_at=now))
    return result.rowcount


@dataclass(frozen=True, slots=True)
class AckNews:
    """An outbound message ops should hear about: rejected, or unacknowledged too long."""

    outbox_id: int
    kind: str
    partner_id: str
    customer_id: str | None
    filename: str
    what: str  # "rejected" | "overdue"
    detail: str | None


def ack_news(conn: Connection, *, due_hours: int, now: datetime) -> list[AckNews]:
    """Rejections and overdue acknowledgements not told yet, marked told in the caller's
    transaction (so a rerun tells nothing twice)."""
    from datetime import timedelta

    from sqlalchemy import and_, or_, select

    outbox = t.outbox
    cutoff = now - timedelta(hours=due_hours)
    rejected = and_(outbox.c.ack_status == REJECTED,
                    or_(outbox.c.ack_announced.is_(None), outbox.c.ack_announced != REJECTED))
    overdue = and_(outbox.c.ack_status == "pending", outbox.c.sent_at < cutoff,
                   outbox.c.ack_announced.is_(None))
    rows = conn.execute(select(outbox.c.id, outbox.c.kind, outbox.c.partner_id,
                               outbox.c.customer_id, outbox.c.filename, outbox.c.ack_status,
                               outbox.c.ack_detail).where(or_(rejected, overdue))
                        .order_by(outbox.c.id).limit(500)).all()
    news = [AckNews(row.id, row.kind, row.partner_id, row.customer_id, row.filename,
                    REJECTED if row.ack_status == REJECTED else "overdue", row.ack_detail)
            for row in rows]
    for item in news:
        conn.execute(update(outbox).where(outbox.c.id == item.outbox_id)
                     .values(ack_announced=item.what))
    return news

