"""The one clock every stored timestamp comes from: aware UTC, so SQLite and PostgreSQL agree."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
