"""watch_mailbox against a real Dovecot: prompt callbacks, reconnecting, stopping.

Latency bounds are generous (5 s for what takes ~0.5 s) so a busy machine does not fail
them; the measured figures are printed (pytest -s) and benchmarked in
benchmarks/bench_imap_idle_latency.py.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from ordergate.sources.imap import ImapSettings, ImapSource
from ordergate.sources.imap_idle import Backoff, watch_mailbox
from ordergate.sources.mailbox import MailboxLoginError
from tests.kit.mailserver import make_message

GENEROUS = 5.0  # seconds; Dovecot notifies ~0.5 s after delivery
FAST_RETRY = Backoff(first=0.1, cap=0.4)


@dataclass
class Watcher:
    """watch_mailbox running in a thread; each callback puts its time on ``calls``."""

    stop: threading.Event
    thread: threading.Thread
    calls: queue.Queue = field(default_factory=queue.Queue)
    errors: list[BaseException] = field(default_factory=list)

    def next_call(self, timeout: float = GENEROUS) -> float:
        try:
            return self.calls.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no callback within {timeout} s (watcher errors: {self.errors})") from None

    def no_call_for(self, seconds: float) -> bool:
        try:
            self.calls.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def start_watcher() -> Iterator[Callable[..., Watcher]]:
    started: list[Watcher] = []

    def start(settings: ImapSettings, password: str, work: Callable[[], None] = lambda: None,
              **options: object) -> Watcher:
        stop = threading.Event()
        watcher = Watcher(stop, threading.Thread(daemon=True))

        def on_new() -> None:
            work()
            watcher.calls.put(time.monotonic())

        def run() -> None:
            try:
                watch_mailbox(settings, password, on_new, stop=stop, **options)
            except BaseException as exc:  # handed to the test, which asserts on it
                watcher.errors.append(exc)

        watcher.thread = threading.Thread(target=run, daemon=True, name="watch_mailbox")
        watcher.thread.start()
        started.append(watcher)
        return watcher

    yield start
    for watcher in started:
        watcher.stop.set()
        watcher.thread.join(timeout=5)


def test_calls_back_at_start_and_within_seconds_of_new_mail(imap_account, start_watcher):
    imap_account.append(make_message("waiting before the watcher started"))
    settings = imap_account.settings("tls")
    processed: list[bytes] = []

    def drain() -> None:  # what the real caller does: fetch with the source, then move
        with ImapSource(settings, imap_account.password) as source:
            for mail in source.fetch(10):
                processed.append(mail.raw)
                source.mark_processed(mail.ref)

    watcher = start_watcher(settings, imap_account.password, drain)
    watcher.next_call()
    assert processed == [make_message("waiting before the watcher started")]

    latencies = []
    for n in range(3):
        time.sleep(0.2)  # let the watcher get back into IDLE
        appended = time.monotonic()
        imap_account.append(make_message(f"new {n}"))
        latencies.append(watcher.next_call() - appended)

    print(f"IDLE callback latency after APPEND: {', '.join(f'{s:.2f} s' for s in latencies)}")
    assert processed[1:] == [make_message(f"new {n}") for n in range(3)]
    assert imap_account.bodies("Processed") == processed
    assert watcher.errors == []


def test_no_callback_without_new_mail(imap_account, start_watcher):
    watcher = start_watcher(imap_account.settings("starttls"), imap_account.password)
    watcher.next_call()

    assert watcher.no_call_for(1.5)
    imap_account.append(make_message("now"))
    watcher.next_call()


@pytest.mark.parametrize("cut", ["kill", "kick"], ids=["killed-without-BYE", "kicked-with-BYE"])
def test_reconnects_after_the_connection_is_cut_and_keeps_reporting(imap_account, start_watcher,
                                                                    caplog, cut):
    caplog.set_level(logging.WARNING, logger="ordergate.sources.imap_idle")
    watcher = start_watcher(imap_account.settings("tls"), imap_account.password,
                            reconnect_backoff=FAST_RETRY)
    watcher.next_call()
    _wait_for(lambda: imap_account.server.session_pids(imap_account.user), "the watcher's session")

    cut_at = time.monotonic()
    if cut == "kill":
        assert imap_account.server.kill_sessions(imap_account.user) == 1
    else:
        imap_account.server.kick(imap_account.user)

    # Reconnecting calls back once, to catch mail that came while the connection was down.
    print(f"reconnected {watcher.next_call() - cut_at:.2f} s after the connection was {cut}ed")
    time.sleep(0.2)
    appended = time.monotonic()
    imap_account.append(make_message("after the reconnect"))
    print(f"new mail reported {watcher.next_call() - appended:.2f} s after APPEND")

    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"IMAP watcher for {imap_account.settings('tls').mailbox_url}: "
                                  f"connection lost (")
    assert "\n" not in warnings[0]
    assert watcher.errors == []


def test_survives_a_server_restart(imap_account, start_watcher):
    watcher = start_watcher(imap_account.settings("starttls"), imap_account.password,
                            reconnect_backoff=FAST_RETRY)
    watcher.next_call()

    imap_account.server.restart()  # refused connections while it is down, then a fresh server
    watcher.next_call()
    time.sleep(0.2)
    imap_account.append(make_message("after the restart"))

    watcher.next_call()
    assert watcher.errors == []


def test_unreachable_server_is_retried_with_capped_backoff_until_stopped(imap_account, start_watcher, caplog):
    caplog.set_level(logging.WARNING, logger="ordergate.sources.imap_idle")
    settings = imap_account.settings("none", port=_closed_port())
    watcher = start_watcher(settings, imap_account.password, reconnect_backoff=Backoff(first=0.1, cap=0.2))

    time.sleep(1.2)
    watcher.stop.set()
    watcher.thread.join(timeout=GENEROUS)

    delays = [r.getMessage().rsplit("reconnecting in ", 1)[1] for r in caplog.records]
    assert not watcher.thread.is_alive()
    assert watcher.calls.empty() and watcher.errors == []
    assert delays[:3] == ["0.1 s", "0.2 s", "0.2 s"]
    assert "cannot reach IMAP server" in caplog.records[0].getMessage()


def test_a_refused_login_ends_the_watcher_instead_of_retrying(imap_account):
    with pytest.raises(MailboxLoginError, match="refused the login"):
        watch_mailbox(imap_account.settings("tls"), "wrong password", lambda: None,
                      stop=threading.Event(), reconnect_backoff=FAST_RETRY)


def test_stop_ends_the_watcher_promptly(imap_account, start_watcher):
    watcher = start_watcher(imap_account.settings("tls"), imap_account.password)
    watcher.next_call()
    time.sleep(0.3)  # inside IDLE now

    asked = time.monotonic()
    watcher.stop.set()
    watcher.thread.join(timeout=GENEROUS)

    print(f"watcher stopped {time.monotonic() - asked:.2f} s after stop was set")
    assert not watcher.thread.is_alive()
    assert watcher.errors == []
    # It logged out: the server has no session left for the user.
    _wait_for(lambda: not imap_account.server.session_pids(imap_account.user), "the session to end")


def test_idle_is_reissued_and_still_reports_new_mail(imap_account, start_watcher, caplog):
    caplog.set_level(logging.DEBUG, logger="imapclient")
    watcher = start_watcher(imap_account.settings("tls"), imap_account.password, idle_seconds=0.6)
    watcher.next_call()
    time.sleep(2.0)

    imap_account.append(make_message("after some re-issues"))
    watcher.next_call()

    # imapclient logs each command it sends as "> b'TAG IDLE'".
    sent = [r.getMessage() for r in caplog.records if r.getMessage().startswith("> b'")]
    idle_commands = [line for line in sent if line.endswith(" IDLE'")]
    assert len(idle_commands) >= 3, sent  # without re-issuing: 2 (at start, after the mail)


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition: Callable[[], object], what: str, timeout: float = GENEROUS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
