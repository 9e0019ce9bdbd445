"""``RawDocument``: bytes plus where they came from, stored before anything else happens.

The bytes of a large file may be a read-only memory map of it (``buffers``): hashed and
stored window by window, and read by the formats whose readers take a map (X12)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ordergate.buffers import Buffer, sha256_of
from ordergate.clock import utcnow


@dataclass(frozen=True, slots=True)
class RawDocument:
    content: Buffer
    channel: str  # "dropfolder", "cli", "email", ...
    source_ref: str  # a path, a Message-ID, ...
    sender: str | None = None
    customer_hint: str | None = None  # e.g. the drop folder's customer sub-folder
    received_at: datetime = field(default_factory=utcnow)

    @property
    def content_hash(self) -> str:
        return sha256_of(self.content)

    @property
    def name(self) -> str:
        return self.source_ref.rsplit("/", 1)[-1]
