"""The mail source interface: what IMAP and Maildir sources share, and how a message is named.

A message is identified by mailbox + UIDVALIDITY + UID. The caller records that identity in
the database before doing any work, so fetching the same message again (after a crash
before it was moved) is recognised instead of making a second order. Sources only read and
move mail; they never decide whether a message was processed.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from ordergate.errors import ConfigError, TransientError


@dataclass(frozen=True, slots=True)
class MailRef:
    """Where a message is: ``mailbox`` names account and folder without any password
    (``imap://user@host:993/INBOX`` or ``maildir:/abs/path``); the rest are strings so that
    Maildir keys fit as well as IMAP numbers."""

    mailbox: str
    uidvalidity: str
    uid: str

    def __str__(self) -> str:
        # The RFC 5092 spelling, so a log line can be pasted into an IMAP URL-aware tool.
        return f"{self.mailbox};UIDVALIDITY={self.uidvalidity}/;UID={self.uid}"


@dataclass(frozen=True, slots=True)
class FetchedMail:
    ref: MailRef
    raw: bytes  # the whole RFC 5322 message, exactly as stored
    size: int

    def __repr__(self) -> str:  # the bytes would flood logs and test output
        return f"FetchedMail(ref={self.ref!s}, size={self.size})"


class MailboxLoginError(ConfigError):
    """The server refused our credentials: fix the settings or the password, retrying won't help."""


class MailboxUnavailable(TransientError):
    """The server could not be reached or dropped the connection: try again later."""


class MailSource(Protocol):
    """A folder of incoming mail plus the two folders handled mail is moved to.

    ``fetch`` returns messages still in the folder, oldest first, without changing them;
    ``mark_processed``/``mark_failed`` move one out. Moving a message that is no longer there
    (already moved, or removed by someone else) does nothing, so a retried run is harmless.
    """

    def fetch(self, limit: int) -> list[FetchedMail]: ...

    def mark_processed(self, ref: MailRef) -> None: ...

    def mark_failed(self, ref: MailRef) -> None: ...

    def close(self) -> None: ...

    # Sources inherit these by naming MailSource as their base.
    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"fetch limit must be at least 1, got {limit}")


def check_own_ref(ref: MailRef, mailbox: str) -> None:
    """A ref from another source would move the wrong message: that is a bug in the caller."""
    if ref.mailbox != mailbox:
        raise ValueError(f"{ref} does not belong to this source ({mailbox})")
