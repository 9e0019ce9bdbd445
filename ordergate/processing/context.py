"""What processing one document needs to know: database, settings, master data, who acts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from ordergate.orders.catalog import Catalog
from ordergate.processing.report import DocumentReport
from ordergate.settings import Settings


@dataclass(slots=True)
class DocumentContext:
    engine: Engine
    settings: Settings
    catalog: Catalog
    document_id: int
    channel: str
    now: datetime
    actor: str
    report: DocumentReport
