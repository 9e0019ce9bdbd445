"""Delivering the outbox: files, and emails through the mailer the caller gives (SMTP when
``ORDERGATE_SMTP_HOST`` is set, see ``ordergate.app.open_mailer``; without one, emails are
written as .eml files, as in the demo)."""

from __future__ import annotations

from sqlalchemy import Engine

from ordergate.outbox.queue import Backoff, Delivery, Mailer, deliver_pending
from ordergate.settings import Settings


def deliver(engine: Engine, settings: Settings, *, mailer: Mailer | None,
            ids: list[int] | None = None, limit: int | None = None) -> list[Delivery]:
    return deliver_pending(engine, settings.outbox, ids=ids, limit=limit, mailer=mailer,
                           backoff=backoff(settings))


def backoff(settings: Settings) -> Backoff:
    return Backoff(first=settings.delivery_retry_seconds, cap=settings.delivery_retry_cap_seconds,
                   max_attempts=settings.delivery_max_attempts)
