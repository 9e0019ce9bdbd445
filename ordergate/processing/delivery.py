"""Delivering the outbox the way this installation is set up: files, and email over SMTP when
``ORDERGATE_SMTP_HOST`` is set (otherwise emails are written as .eml files, as in the demo)."""

from __future__ import annotations

import os

from sqlalchemy import Engine

from ordergate.orders.outbox import Delivery, Mailer, deliver_pending
from ordergate.settings import Settings


def configured_mailer(settings: Settings) -> Mailer | None:
    if not os.environ.get("ORDERGATE_SMTP_HOST", "").strip():
        return None
    from ordergate.sinks.smtp import SmtpSettings, send_messages, smtp_password

    environ = dict(os.environ)
    # Replies say they come from settings.mail_address; the envelope says so too unless told.
    environ.setdefault("ORDERGATE_SMTP_FROM_ADDRESS", settings.mail_address)
    environ.setdefault("ORDERGATE_SMTP_FROM_NAME", settings.mail_name)
    smtp = SmtpSettings.from_env(environ)
    password = smtp_password()
    return lambda batch: send_messages(smtp, password, batch)


def deliver(engine: Engine, settings: Settings, *, ids: list[int] | None = None,
            limit: int | None = None) -> list[Delivery]:
    return deliver_pending(engine, settings.outbox, ids=ids, limit=limit,
                           mailer=configured_mailer(settings))
