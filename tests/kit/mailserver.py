"""Pytest fixtures for a real Dovecot IMAP server (fixtures only, no tests).

``dovecot``: one server per test session (benchmarks/dovecot_server.py starts it).
``imap_account``: a fresh mail user per test, so no test sees another's mail or folders.
Without Dovecot the tests are skipped locally and fail in strict mode (tests/kit/strict.py), so a missing package cannot
turn the IMAP half of the suite silently green.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from imapclient import IMAPClient

from benchmarks.dovecot_server import (
    DovecotServer,
    DovecotUnavailable,
    MailUser,
    dovecot_binary,
    start_dovecot,
)
from ordergate.sources.imap import ImapSettings
from tests.kit.strict import require


def _unavailable(reason: str) -> None:
    require(False, f"{reason}; the IMAP tests need it")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    if dovecot_binary() is None:
        _unavailable("Dovecot is not installed (apt-get install dovecot-imapd)")
    try:
        server = start_dovecot()
    except DovecotUnavailable as exc:
        _unavailable(f"Dovecot could not be started: {exc}")
    yield server
    server.stop()


@dataclass(frozen=True)
class ImapAccount:
    """One test's mail user on the session's Dovecot, with helpers to set up and inspect mail."""

    server: DovecotServer
    user: MailUser

    @property
    def password(self) -> str:
        return self.user.password

    def settings(self, security: str = "tls", **overrides: object) -> ImapSettings:
        """ImapSettings for this account, trusting the server's self-signed certificate."""
        port = self.server.imaps_port if security == "tls" else self.server.imap_port
        values: dict[str, object] = {"host": self.server.host, "port": port, "security": security,
                                     "user": self.user.name, "ca_file": self.server.ca_file,
                                     "timeout": 10}
        return ImapSettings(**{**values, **overrides})

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """APPEND a raw message as a mail client would; returns its UID."""
        return self.server.append(self.user, raw, folder)

    def uids(self, folder: str) -> list[int]:
        """UIDs of the messages in ``folder`` (empty if the folder does not exist)."""
        with self.server.connect(self.user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["ALL"]))

    def bodies(self, folder: str) -> list[bytes]:
        with self.server.connect(self.user) as client:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["ALL"]))
            data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [data[uid][b"BODY[]"] for uid in uids]

    def connect(self) -> IMAPClient:
        return self.server.connect(self.user)


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> ImapAccount:
    return ImapAccount(dovecot, dovecot.add_user())


# The authserv-id of the mail server that (in these tests) received the mail before Dovecot
# stored it: the tests' settings trust it, and the mails they deliver carry its verdict.
TRUSTED_AUTHSERV_ID = "mx.ordergate.example"


def authentication_results(domain: str) -> str:
    """The Authentication-Results value our trusted server adds to a mail that passed DMARC."""
    return f"{TRUSTED_AUTHSERV_ID}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}"


def make_message(subject: str, body: str = "Please see the attached order.") -> bytes:
    """A small RFC 5322 message with CRLF line ends, as IMAP stores them."""
    return (f"Authentication-Results: {authentication_results('example.com')}\r\n"
            f"From: buyer@example.com\r\nTo: orders@example.com\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '.')}@example.com>\r\n\r\n{body}\r\n").encode()
