"""The outbox: outbound messages queued with the change that caused them, delivered as files.

Queuing happens inside the caller's transaction (an order and its 855 commit together or not at
all); the dedupe key makes queuing the same message twice a no-op. Delivery happens afterwards:
each pending message is written atomically to ``outbox/<destination>/<filename>`` and only then
marked sent. A crash between the two makes the next run write the same bytes to the same name
again, so a message is never lost and never appears twice. A temporary file a killed delivery
left in a folder is removed by the next delivery into it (``outbox_temp``).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, func, or_, select, update

from ordergate.outbox.kinds import OUTBOUND, Carrier, UnknownOutboundKind
from ordergate.outbox.temp import remove_stale_temp_files, temp_affixes
from ordergate.statuses import OutboxStatus
from ordergate.store.bulk import bulk_insert
from ordergate.store.tables import order_acknowledgements, outbox

ACK_PENDING = "pending"
PENDING = OutboxStatus.PENDING
SENT = OutboxStatus.SENT
FAILED = OutboxStatus.FAILED  # refused for good (e.g. SMTP 5xx): kept with last_error, not retried
_PAGE = 100  # rows read per query, so a large backlog is not held in memory at once
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class OutboundMessage:
    dedupe_key: str
    kind: str
    partner_id: str
    customer_id: str | None
    destination: str
    filename: str
    payload: bytes
    document_id: int | None = None
    order_id: int | None = None  # set when the message concerns exactly one order
    # (order id, set reference inside the payload) for every order the message acknowledges
    acknowledges: tuple[tuple[int, str], ...] = ()
    # The control numbers it goes out under, when the partner acknowledges it (a 997 or CONTRL
    # comes back): its ack_status starts pending.
    interchange_control: str | None = None
    group_control: str | None = None


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    path: Path | None  # None when the stored names cannot make a safe path
    status: str  # "sent"; "failed" (still pending, see last_error); "skipped" (another worker sent it)
    error: str | None = None  # why it failed
    attempts: int = 0  # tries so far, this one included (when it failed)
    final: bool = False  # failed for good: no more tries, ops are told
    destination: str = ""
    filename: str = ""
    retry_at: datetime | None = None  # when a failed message is tried again


@dataclass(frozen=True)
class Backoff:
    """How a message that failed waits before its next try: ``first`` seconds, doubled after
    each failure up to ``cap``; after ``max_attempts`` tries it is failed for good."""

    first: float = 30
    cap: float = 3600
    max_attempts: int = 15

    def wait(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap, self.first * 2 ** max(attempts - 1, 0)))


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    partner_id: str
    customer_id: str | None
    destination: str
    filename: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    size: int
    ack_status: str | None = None  # pending | accepted | rejected; None: none expected
    ack_detail: str | None = None
    next_attempt_at: datetime | None = None  # a failed message's next try


def safe_name(name: str) -> str:
    """One path component that stays inside its folder: no separators, no "..", not hidden.

    Path steps are dropped and the remaining parts joined with "_" ("../../etc/x" -> "etc_x");
    characters outside ``A-Za-z0-9._-`` become "_".
    """
    parts = [p.strip() for p in re.split(r"[/\\]", name)]
    joined = "_".join(p for p in parts if p not in ("", ".", ".."))
    cleaned = re.sub(r"\.{2,}", ".", _UNSAFE.sub("_", joined)).strip(".")
    if not cleaned:
        raise ValueError(f"{name!r} cannot be used as a file or folder name")
    return cleaned


@dataclass(frozen=True, slots=True)
class Queued:
    """A message as the outbox holds it: the one queued now, or the one queued first."""

    dedupe_key: str
    kind: str
    destination: str
    filename: str
    id: int = 0


def queue_messages(conn: Connection, messages: list[OutboundMessage], now: datetime) -> list[Queued]:
    """Queue ``messages`` as pending in the caller's transaction; an already queued dedupe key is
    kept. Returns what the outbox holds for each message's key, in the same order, so callers
    report the file that will really be written."""
    if not messages:
        return []
    for m in messages:
        OUTBOUND[m.kind]  # a kind nobody registered is a bug: refused before anything is stored
    rows = [
        {
            "dedupe_key": m.dedupe_key, "kind": m.kind, "partner_id": m.partner_id,
            "customer_id": m.customer_id, "destination": safe_name(m.destination),
            "filename": safe_name(m.filename), "document_id": m.document_id,
            "order_id": m.order_id, "payload": m.payload, "status": PENDING, "attempts": 0,
            "created_at": now, "interchange_control": m.interchange_control,
            "group_control": m.group_control,
            "ack_status": ACK_PENDING if m.interchange_control else None,
        }
        for m in messages
    ]
    keys = [m.dedupe_key for m in messages]
    queued_before = set(_held(conn, keys))
    bulk_insert(conn, outbox, rows, ignore_conflicts=True)
    held = _held(conn, keys)
    # Links only for messages this call queued: a key queued before is another message (an
    # earlier attempt's, with its own links), and linking these orders to it would be wrong.
    links = [{"order_id": order_id, "outbox_id": held[m.dedupe_key].id, "kind": m.kind,
              "reference": reference, "created_at": now}
             for m in messages if m.dedupe_key not in queued_before
             for order_id, reference in m.acknowledges]
    bulk_insert(conn, order_acknowledgements, links, ignore_conflicts=True)
    return [held[key] for key in keys]


def _held(conn: Connection, keys: list[str]) -> dict[str, Queued]:
    held: dict[str, Queued] = {}
    for start in range(0, len(keys), 500):  # keep the IN list within every backend's limits
        for row in conn.execute(select(outbox.c.dedupe_key, outbox.c.kind, outbox.c.destination,
                                       outbox.c.filename, outbox.c.id)
                                .where(outbox.c.dedupe_key.in_(keys[start:start + 500]))):
            held[row.dedupe_key] = Queued(row.dedupe_key, row.kind, row.destination, row.filename,
                                          row.id)
    return held


class SendOutcome(Protocol):
    key: str
    status: str  # "sent", "permanent" or "transient" (a str enum compares equal)
    detail: str


# Sends a batch of (outbox id as text, RFC 5322 bytes); one outcome per message, same order.
Mailer = Callable[[list[tuple[str, bytes]]], list[SendOutcome]]


def deliver_pending(engine: Engine, outbox_dir: Path, *, ids: list[int] | None = None,
                    limit: int | None = None, mailer: Mailer | None = None,
                    backoff: Backoff = Backoff()) -> list[Delivery]:
    """Deliver pending messages (all, or those in ``ids``, oldest first, at most ``limit``):
    files under ``outbox_dir``, and emails through ``mailer`` when one is given (without one,
    emails are written as .eml files too, which is what the demo shows). A message that
    failed before waits out its backoff, unless ``ids`` names it."""
    deliveries: list[Delivery] = []
    failure = _Failure(engine, backoff)
    swept: set[Path] = set()  # folders cleared of stale temporary files in this run
    last_id = 0
    while limit is None or len(deliveries) < limit:
        page = _read_pending(engine, ids, last_id,
                             _PAGE if limit is None else min(_PAGE, limit - len(deliveries)))
        if not page:
            break
        carriers = {row.id: _carrier(row.kind) for row in page}
        mails = [row for row in page if mailer and carriers[row.id] == Carrier.MAIL]
        for row in page:
            if carriers[row.id] is None:
                deliveries.append(_refuse_unknown(failure, row))
            elif not (mailer and carriers[row.id] == Carrier.MAIL):
                deliveries.append(_deliver_one(engine, failure, Path(outbox_dir), row, swept))
        if mails:
            deliveries.extend(_send_mails(engine, failure, mailer, mails))
        last_id = page[-1].id
    return deliveries


def _carrier(kind: str) -> Carrier | None:
    try:
        return OUTBOUND[kind].carrier
    except UnknownOutboundKind:
        return None


class _Failure:
    """Records a failed try on the message's row: one more attempt, the error, and when to try
    again; past the last attempt (or at once, for a ``final`` failure) it is failed for good."""

    def __init__(self, engine: Engine, backoff: Backoff) -> None:
        self.engine, self.backoff = engine, backoff

    def __call__(self, row, error: str, *, final: bool = False, path: Path | None = None) -> Delivery:
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            attempts = conn.execute(select(outbox.c.attempts).where(outbox.c.id == row.id)
                                    ).scalar_one() + 1
            final = final or attempts >= self.backoff.max_attempts
            retry_at = None if final else now + self.backoff.wait(attempts)
            values = {"attempts": attempts, "last_error": error, "next_attempt_at": retry_at}
            if final:
                values["status"] = FAILED
            conn.execute(update(outbox).where(outbox.c.id == row.id, outbox.c.status == PENDING)
                         .values(**values))
        return Delivery(row.id, row.kind, path, FAILED, error=error, attempts=attempts,
                        final=final, destination=row.destination, filename=row.filename,
                        retry_at=retry_at)


def _refuse_unknown(failure: _Failure, row) -> Delivery:
    """A row of a kind no writer registered (written by hand, or by a version that had it):
    failed for good with the reason, rather than delivered the wrong way."""
    return failure(row, f"no outbound document kind {row.kind!r} is registered, so ordergate "
                        f"does not know how to deliver it", final=True)


def _delivered(row, path: Path | None, marked: bool) -> Delivery:
    return Delivery(row.id, row.kind, path, SENT if marked else "skipped",
                    destination=row.destination, filename=row.filename)


def _send_mails(engine: Engine, failure: _Failure, mailer: Mailer, rows) -> list[Delivery]:
    """One SMTP session for the page. A crash after the server took a message and before it is
    marked sent sends it again next time (SMTP has no way to ask); the reply's Message-ID is
    the same bytes both times, so mail clients show it once."""
    deliveries = []
    for row, result in zip(rows, mailer([(str(row.id), bytes(row.payload)) for row in rows])):
        status = getattr(result.status, "value", result.status)
        if status == SENT:
            marked = _mark_sent(engine, row.id, datetime.now(timezone.utc))
            deliveries.append(_delivered(row, None, marked))
        else:
            deliveries.append(failure(row, result.detail, final=status == "permanent"))
    return deliveries


def _read_pending(engine: Engine, ids: list[int] | None, after_id: int, size: int):
    query = (
        select(outbox.c.id, outbox.c.kind, outbox.c.destination, outbox.c.filename, outbox.c.payload)
        .where(outbox.c.status == PENDING, outbox.c.id > after_id)
        .order_by(outbox.c.id)
        .limit(size)
    )
    if ids is not None:
        query = query.where(outbox.c.id.in_(ids))
    else:  # a message that failed waits out its backoff
        query = query.where(or_(outbox.c.next_attempt_at.is_(None),
                                outbox.c.next_attempt_at <= datetime.now(timezone.utc)))
    with engine.connect() as conn:
        return conn.execute(query).all()


def _deliver_one(engine: Engine, failure: _Failure, outbox_dir: Path, row,
                 swept: set[Path]) -> Delivery:
    path = None
    try:
        # Sanitised again here: the rows may have been written by older code or by hand.
        path = outbox_dir / safe_name(row.destination) / safe_name(row.filename)
        if path.parent not in swept:
            swept.add(path.parent)
            remove_stale_temp_files(path.parent)
        write_atomically(path, row.payload)
    except (OSError, ValueError) as exc:
        # One unwritable message must not hold up the others; it stays pending for a later run.
        return failure(row, f"{type(exc).__name__}: {exc}", path=path)
    marked = _mark_sent(engine, row.id, datetime.now(timezone.utc))
    return _delivered(row, path, marked)


def write_atomically(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A hidden temporary name, so whatever picks files up from the folder ignores half-written
    # ones; it names its writer, so a later delivery can tell whether it was left behind.
    prefix, suffix = temp_affixes(path.name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # The rename must be on disk before the row says "sent", or a power cut could lose the file.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open folders; its rename is durable enough there
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mark_sent(engine: Engine, message_id: int, now: datetime) -> bool:
    # Conditional, so a message another worker already marked is reported, not counted twice.
    with engine.begin() as conn:
        result = conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.status == PENDING)
            .values(status=SENT, sent_at=now, attempts=outbox.c.attempts + 1, last_error=None,
                    next_attempt_at=None)
        )
        return result.rowcount == 1


def list_outbox(engine: Engine, status: str | None = None, limit: int = 200,
                ack: str | None = None) -> list[OutboxRow]:
    """The newest outbox messages (optionally only those with ``status``, or whose partner's
    acknowledgement is ``ack``: pending, accepted or rejected), without payloads."""
    query = select(
        outbox.c.id, outbox.c.kind, outbox.c.partner_id, outbox.c.customer_id,
        outbox.c.destination, outbox.c.filename, outbox.c.status, outbox.c.attempts,
        outbox.c.last_error, outbox.c.created_at, outbox.c.sent_at,
        func.length(outbox.c.payload).label("size"), outbox.c.ack_status, outbox.c.ack_detail,
        outbox.c.next_attempt_at,
    ).order_by(outbox.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(outbox.c.status == status)
    if ack is not None:
        query = query.where(outbox.c.ack_status == ack)
    with engine.connect() as conn:
        return [OutboxRow(**row._asdict()) for row in conn.execute(query)]
