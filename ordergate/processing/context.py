"""What processing one document needs to know: database, settings, master data, who acts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from ordergate.errors import DocumentError
from ordergate.masterdata.catalog import Catalog
from ordergate.outbox.queue import Queued
from ordergate.processing.pipeline import TRIM_EVERY_BATCHES, give_back_freed_memory
from ordergate.processing.report import DocumentReport, OutboundReport
from ordergate.settings import Settings
from ordergate.store.claims import DocumentClaim, keep_claim

if TYPE_CHECKING:  # the handlers' signatures name this context
    from ordergate.processing.handlers import FormatRegistry

FIRST_BATCH = 100


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
    formats: FormatRegistry  # how each format is read and answered (processing.registry)
    # The customer the document arrived for (drop folder ``inbox/<customer_id>/``, or
    # ``ordergate ingest --customer``); formats that do not name their sender rely on it.
    customer_hint: str | None = None
    batches_stored: int = 0
    claim: DocumentClaim | None = None  # this worker's hold on the document
    transactions: int = 0  # committed by ``transaction``

    def hint_origin(self) -> str:
        """Where ``customer_hint`` came from, as a user named it."""
        if self.channel == "dropfolder":
            return f"the drop folder inbox/{self.customer_hint}/"
        if self.channel == "cli":
            return f"--customer {self.customer_hint}"
        return f"the customer hint of this {self.channel} document"

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction that stores the document's results, as ``engine.begin()``, that
        only commits while this worker still holds the document (store/claims.py): else it
        raises and rolls back."""
        with self.engine.begin() as conn:
            if self.claim is not None and not keep_claim(conn, self.claim):
                raise DocumentError(f"document {self.document_id} was taken over by another "
                                    f"worker while this one processed it: this worker stops")
            yield conn
        self.transactions += 1
        if self.transactions % TRIM_EVERY_BATCHES == 0:  # a large document's, now and then
            give_back_freed_memory()

    def batch_size(self) -> int:
        """Orders per stored batch. A document's first is at most ``FIRST_BATCH``: with the
        prepare stage in a second process, the store starts on the first hundred orders
        instead of idling until five hundred are ready (0.1 to 0.2 s of a 2 s run)."""
        size = self.settings.store_batch_size
        return size if self.batches_stored else min(size, FIRST_BATCH)

    def note_outbound(self, message: Queued | None) -> None:
        """Report a queued message under the path it will be delivered to."""
        if message is not None:
            self.report.outbound.append(OutboundReport(
                kind=message.kind,
                path=str(self.settings.outbox / message.destination / message.filename)))
