"""``RawDocument``: bytes plus where they came from, stored before anything else happens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from ordergate.clock import utcnow


@dataclass(frozen=True, slots=True)
class RawDocument:
    content: bytes
    channel: str  # "dropfolder", "cli", "email", ...
    source_ref: str  # a path, a Message-ID, ...
    sender: str | None = None
    customer_hint: str | None = None  # e.g. the drop folder's customer sub-folder
    received_at: datetime = field(default_factory=utcnow)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def name(self) -> str:
        return self.source_ref.rsplit("/", 1)[-1]
