"""Wiring: settings → engine, the one place that chooses the environment."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine

from ordergate.orders.db import make_engine
from ordergate.settings import Settings


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def open_engine(settings: Settings) -> Engine:
    """The engine for ``settings`` (one per URL per process); creates ORDERGATE_HOME's folders."""
    settings.ensure_folders()
    return _engine_for(settings.url)
