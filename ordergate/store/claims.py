"""Document claims: one worker at a time processes a document.

The same bytes can reach two workers at once: two drop-folder polls that overlap, the same
file dropped twice, a mail fetched by two pollers. Both store it (one document, by content
hash) and, without a claim, both would process it: their batches race on the same orders,
and on PostgreSQL the loser fails half-way with a unique violation after doing the work.

A claim is a row in ``document_claims`` with a lease. Taking it is an INSERT that only one
worker wins; a claim whose lease has run out, or whose holder was a process on this host
that no longer exists (a worker killed half-way), may be taken over by a conditional UPDATE
that names the holder and expiry it saw (compare and swap): of two takers only one succeeds,
and a holder that renewed or finished meanwhile keeps the document. The holder renews the
lease as it stores batches and gives the claim back in the transaction that records the
document's outcome; a worker whose claim was taken over records nothing. While it works on
the document a heartbeat renews the lease as well (``claim_kept_alive``), so that a long read
before the first batch does not lose it.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, delete, select, update

from ordergate.clock import utcnow
from ordergate.statuses import DocumentStatus
from ordergate.store import tables as t
from ordergate.store.db import insert_ignore

_ATTEMPTS = 3
log = logging.getLogger(__name__)


def _host() -> str:
    """This host as far as process ids go: containers may share a host name (host
    networking) while each has its own process ids, so the pid namespace is part of it."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        namespace = "?"
    return f"{socket.gethostname()[:100]}~{namespace}"


_HOST = _host()


@dataclass(slots=True)
class DocumentClaim:
    """This worker's claim on one document."""

    document_id: int
    holder: str
    lease: timedelta
    renewed_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimRefused:
    """Another worker holds the document."""

    document_id: int
    holder: str
    claimed_at: datetime
    expires_at: datetime

    def reason(self) -> str:
        return (f"document {self.document_id} is being processed by another worker ({self.holder}, "
                f"since {self.claimed_at:%Y-%m-%d %H:%M:%S} UTC); it is left to that worker. "
                f"Should that worker have died, the document can be processed again after "
                f"{self.expires_at:%Y-%m-%d %H:%M:%S} UTC")


def new_holder() -> str:
    """A name for one processing attempt: host, process id (to see that it died), nonce."""
    return f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class FinishedMeanwhile:
    """The worker that held the document finished it after this one saw it unfinished."""

    status: str


def claim_document(conn: Connection, document_id: int, *, now: datetime,
                   lease_seconds: float) -> DocumentClaim | ClaimRefused | FinishedMeanwhile:
    """Take the document for processing, unless another worker holds it or has just finished
    it (its claim and its outcome are committed together, so a won claim sees that outcome)."""
    claim = _take(conn, document_id, now, timedelta(seconds=lease_seconds))
    if isinstance(claim, DocumentClaim):
        status = conn.execute(select(t.documents.c.status).where(
            t.documents.c.id == document_id)).scalar_one()
        if status not in (DocumentStatus.RECEIVED, DocumentStatus.FAILED):
            release_claim(conn, claim)
            return FinishedMeanwhile(status)
    return claim


def _take(conn: Connection, document_id: int, now: datetime,
          lease: timedelta) -> DocumentClaim | ClaimRefused:
    holder = new_holder()
    values = {"document_id": document_id, "holder": holder, "claimed_at": now,
              "expires_at": now + lease}
    current = None
    # Each turn either wins or sees a claim it may not take; another turn only follows a
    # claim that changed under this one (given back, renewed, or taken by a third worker).
    for _ in range(_ATTEMPTS):
        if _insert(conn, values):
            return DocumentClaim(document_id, holder, lease, now)
        current = _current(conn, document_id)
        if current is None:  # given back between the insert and the read
            continue
        if _aware(current.expires_at) > now and not holder_is_gone(current.holder):
            break
        # Compare and swap on the claim as it was read: a holder that renewed meanwhile
        # (a new expires_at) or finished (no row) keeps the document.
        taken = conn.execute(update(t.document_claims).where(
            t.document_claims.c.document_id == document_id,
            t.document_claims.c.holder == current.holder,
            t.document_claims.c.expires_at == current.expires_at).values(
                holder=holder, claimed_at=now, expires_at=now + lease))
        if taken.rowcount == 1:
            return DocumentClaim(document_id, holder, lease, now)
    if current is None:  # claimed and given back again and again: someone else has it
        return ClaimRefused(document_id, "another worker", now, now + lease)
    return _as_seen(current)


def held_by(conn: Connection, document_id: int) -> ClaimRefused | None:
    """The claim on the document as any other worker sees it (times in UTC), or None."""
    current = _current(conn, document_id)
    return None if current is None else _as_seen(current)


def _current(conn: Connection, document_id: int):
    return conn.execute(select(t.document_claims).where(
        t.document_claims.c.document_id == document_id)).one_or_none()


def _as_seen(row) -> ClaimRefused:
    return ClaimRefused(row.document_id, row.holder, _aware(row.claimed_at), _aware(row.expires_at))


def _insert(conn: Connection, values: dict) -> bool:
    # RETURNING says whether the row went in on every backend (rowcount may be -1).
    return conn.execute(insert_ignore(conn, t.document_claims)
                        .returning(t.document_claims.c.document_id), values).first() is not None


def keep_claim(conn: Connection, claim: DocumentClaim) -> bool:
    """In a transaction that writes the document's results: False when the claim is no longer
    this worker's (its lease ran out and another worker took the document over), so the
    transaction must not commit. Within the first half of the lease nobody can have taken it
    (the other half is the margin for clocks that differ between hosts), so nothing is read;
    after that the lease is extended, in the same statement that checks it."""
    now = utcnow()
    if now - claim.renewed_at < claim.lease / 2:
        return True
    renewed = conn.execute(update(t.document_claims).where(
        t.document_claims.c.document_id == claim.document_id,
        t.document_claims.c.holder == claim.holder).values(expires_at=now + claim.lease))
    if renewed.rowcount != 1:
        return False
    claim.renewed_at = now
    return True


@contextmanager
def claim_kept_alive(engine: Engine, claim: DocumentClaim, *,
                     every: float | None = None) -> Iterator[None]:
    """Renew ``claim`` every quarter of its lease (``every`` seconds) while the block runs, not
    only as batches are stored: a 300,000-order interchange may be read, counted or prepared
    for longer than a lease before its first batch, and on a slow disk the wait for the
    prepare process between two batches may be long too. Renewing is ``keep_claim``'s
    conditional update in its own transaction; a claim found taken over is left to the next
    storing transaction, which stops the document."""
    interval = every if every is not None else claim.lease.total_seconds() / 4
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with engine.begin() as conn:
                    if not keep_claim(conn, claim):
                        return
            except Exception:  # the database may be busy or gone: the next beat tries again
                log.warning("could not renew the claim on document %s", claim.document_id,
                            exc_info=True)

    thread = threading.Thread(target=beat, daemon=True,
                              name=f"ordergate-claim-{claim.document_id}")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def release_claim(conn: Connection, claim: DocumentClaim) -> bool:
    """Give the claim back, in the transaction that records the document's outcome; False
    when another worker had taken it over (that worker records the outcome, not this one)."""
    return conn.execute(delete(t.document_claims).where(
        t.document_claims.c.document_id == claim.document_id,
        t.document_claims.c.holder == claim.holder)).rowcount == 1


def holder_is_gone(holder: str) -> bool:
    """Whether ``holder`` was a process on this host that has ended (then its lease need not
    be waited out). A holder on another host is only ever replaced when its lease runs out."""
    parts = holder.rsplit(":", 2)
    if (len(parts) != 3 or parts[0] != _HOST or _HOST.endswith("~?")  # namespace unknown
            or not parts[1].isdigit()):
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False  # this process: another of its threads holds it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def _aware(value: datetime) -> datetime:
    """In UTC: SQLite gives back naive datetimes (UTC, as stored), PostgreSQL ones in the
    session's time zone."""
    return (value.replace(tzinfo=timezone.utc) if value.tzinfo is None
            else value.astimezone(timezone.utc))
