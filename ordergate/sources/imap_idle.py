"""The long-running IMAP watcher: IDLE on the folder and call back when mail arrives.

The watcher only says "there is new mail"; the callback does the work with an ImapSource,
exactly as a scheduled poll would. So one code path processes mail, and a notification that
is lost (while reconnecting) costs nothing: every (re)connect calls back once to catch up.

Connections die in several ways: the server says BYE, the socket hits EOF or a reset, or it
goes silent. imapclient's ``idle_check`` swallows EOF and returns an empty list, so a dead
connection looks like "no news" forever; an early empty return is therefore checked by
ending IDLE, which does raise on a dead socket.
"""

from __future__ import annotations

import imaplib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from pydantic import SecretStr

from ordergate.errors import ConfigError
from ordergate.sources.imap import ImapSettings, open_imap
from ordergate.sources.mailbox import MailboxUnavailable

log = logging.getLogger(__name__)

# How often the stop event is looked at while idling: the bound on how long stopping takes.
STOP_CHECK_SECONDS = 0.5
# RFC 2177: servers may end IDLE after 30 minutes; re-issue well before that.
DEFAULT_IDLE_SECONDS = 25 * 60
NEW_MAIL = (b"EXISTS", b"RECENT")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between reconnect attempts: ``first``, doubling, never more than ``cap`` seconds."""

    first: float = 1.0
    cap: float = 60.0


class ConnectionLost(Exception):
    """The IDLE connection is gone; the watcher reconnects."""


def watch_mailbox(settings: ImapSettings, password: SecretStr | str, on_new: Callable[[], None], *,
                  stop: threading.Event, idle_seconds: float = DEFAULT_IDLE_SECONDS,
                  reconnect_backoff: Backoff = Backoff()) -> None:
    """Call ``on_new()`` after every (re)connect and whenever the server reports new mail in
    ``settings.folder``, until ``stop`` is set. Reconnects with backoff when the connection
    drops; a refused login or a missing folder raises ConfigError (retrying cannot fix those).
    Exceptions from ``on_new`` end the watcher."""
    delay = reconnect_backoff.first
    while not stop.is_set():
        client: IMAPClient | None = None
        healthy = False
        try:
            client = _open_watched(settings, password)
            delay = reconnect_backoff.first  # connected: the next outage starts afresh
            on_new()
            _idle_until_stopped(client, settings, on_new, stop, idle_seconds)
            healthy = True
        except (MailboxUnavailable, ConnectionLost, OSError, imaplib.IMAP4.abort) as exc:
            log.warning("IMAP watcher for %s: connection lost (%s); reconnecting in %.1f s",
                        settings.mailbox_url, _reason(exc), delay)
            stop.wait(delay)
            delay = min(delay * 2, reconnect_backoff.cap)
        finally:
            _close(client, graceful=healthy)


def _open_watched(settings: ImapSettings, password: SecretStr | str) -> IMAPClient:
    client = open_imap(settings, password)
    try:
        if not client.has_capability("IDLE"):
            raise ConfigError(f"IMAP server {settings.host} has no IDLE; run the scheduled poll instead")
        try:
            # Read-only: watching must not clear \Recent, which other clients may rely on.
            client.select_folder(settings.folder, readonly=True)
        except imaplib.IMAP4.abort:
            raise
        except IMAPClientError as exc:
            raise ConfigError(f"cannot watch IMAP folder {settings.folder!r} at "
                              f"{settings.mailbox_url}: {exc}") from exc
    except BaseException:
        _close(client, graceful=False)
        raise
    return client


def _idle_until_stopped(client: IMAPClient, settings: ImapSettings, on_new: Callable[[], None],
                        stop: threading.Event, idle_seconds: float) -> None:
    client.idle()
    idle_since = time.monotonic()
    while not stop.is_set():
        started = time.monotonic()
        responses = client.idle_check(timeout=STOP_CHECK_SECONDS)
        # idle_check leaves the socket without a read timeout; a silent server would then
        # hang idle_done forever.
        client.socket().settimeout(settings.timeout)
        if any(r and r[0] == b"BYE" for r in responses):
            raise ConnectionLost(f"server said BYE: {_words(responses)}")
        if any(len(r) > 1 and r[1] in NEW_MAIL for r in responses):
            client.idle_done()
            on_new()
            client.idle()
            idle_since = time.monotonic()
        elif not responses and time.monotonic() - started < STOP_CHECK_SECONDS / 2:
            # Returned early with nothing: the socket became readable at EOF or reset.
            client.idle_done()  # raises abort on a dead connection; otherwise harmless
            client.idle()
        elif time.monotonic() - idle_since > idle_seconds:
            client.idle_done()
            client.idle()
            idle_since = time.monotonic()
    client.idle_done()


def _words(responses: list[tuple]) -> str:
    for response in responses:
        if response and response[0] == b"BYE":
            return b" ".join(p for p in response[1:] if isinstance(p, bytes)).decode(errors="replace")
    return ""


def _reason(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else type(exc).__name__
    text = arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg)
    return text or type(exc).__name__


def _close(client: IMAPClient | None, *, graceful: bool) -> None:
    """LOGOUT after a clean stop; after a failure the connection is dead or mid-IDLE, so
    waiting for a LOGOUT answer would only add a timeout."""
    if client is None:
        return
    if graceful:
        try:
            client.logout()
            return
        except (OSError, IMAPClientError):
            pass
    try:
        client.shutdown()
    except OSError:
        pass
