"""Wiring: settings → the engine, the mail source and the mailer.

The commands and flows get what they work with from here and hand it to the processing
functions, which take it as a parameter: so only ``ordergate.settings`` reads the environment,
and a test or a benchmark can give the pipeline any source or mailer it likes. The IMAP and
SMTP clients are imported only when used (most commands never talk to a mail server).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from ordergate.settings import Settings
from ordergate.store.db import make_engine

if TYPE_CHECKING:
    from pydantic import SecretStr

    from ordergate.mail_settings import ImapSettings, SmtpSettings
    from ordergate.outbox.queue import Mailer
    from ordergate.sources.mailbox import MailSource


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def open_engine(settings: Settings) -> Engine:
    """The engine for ``settings`` (one per URL per process); creates ORDERGATE_HOME's folders."""
    settings.ensure_folders()
    return _engine_for(settings.url)


def open_mail_source(settings: Settings) -> MailSource:
    """The IMAP mailbox when ``settings.imap`` is set (``ORDERGATE_IMAP_HOST``), else the local
    Maildir (the demo's mailbox). Connects (and reads a password's Secret block) now."""
    if settings.imap is not None:
        from ordergate.sources.imap import ImapSource

        imap, password = imap_login(settings)
        return ImapSource(imap, password)
    from ordergate.sources.maildir import MaildirSource

    return MaildirSource(settings.mailbox_folder)


@contextmanager
def mail_source(settings: Settings) -> Iterator[MailSource]:
    source = open_mail_source(settings)
    try:
        yield source
    finally:
        source.close()


def imap_login(settings: Settings) -> tuple[ImapSettings, SecretStr]:
    """The IMAP settings and the password to log in with, for the IDLE watcher."""
    from ordergate.errors import ConfigError
    from ordergate.sources.imap import imap_password

    if settings.imap is None:
        raise ConfigError("no IMAP mailbox to watch: set ORDERGATE_IMAP_HOST (and _USER, "
                          "_PASSWORD); the local Maildir is read by `ordergate mail poll`")
    return settings.imap, imap_password(settings.imap)


def open_mailer(settings: Settings) -> Mailer | None:
    """Sends outbox emails over SMTP when ``settings.smtp`` is set (``ORDERGATE_SMTP_HOST``);
    None otherwise, and the outbox writes them as .eml files."""
    if settings.smtp is None:
        return None
    return _SmtpMailer(settings.smtp)


class _SmtpMailer:
    """``send_messages`` with these settings. The password (maybe a Prefect Secret block) is
    read when the first batch is sent, so an outbox run with no email to send costs nothing."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._password: SecretStr | None = None
        self._resolved = False

    def __repr__(self) -> str:
        return f"SmtpMailer({self.settings.where!r})"

    def __call__(self, batch):
        from ordergate.sinks.email import send_messages, smtp_password

        if not self._resolved:
            self._password, self._resolved = smtp_password(self.settings), True
        return send_messages(self.settings, self._password, batch)
