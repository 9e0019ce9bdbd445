"""What a format handler is, and the registry that orders them; the built-in formats are
assembled in ``processing.registry``.

A ``FormatHandler`` describes one inbound format once: how it is recognised, read and answered.
Every place that treats formats differently asks the registry: ingest (a dropped or fetched
document), the mail intake (its attachments, through ``DocumentContext.formats``) and hold
resolution (the answer an order gets once ops release or reject it). A format with no answer
for a case says so: a document whose format cannot be processed on its own is refused with the
list of those that can, and a held order whose format has no answer on resolution raises
``NoAnswer`` instead of getting some other standard's reply.

Detection goes through the formats in registration order and takes the first whose test
matches, so a format with a stricter test registers before a looser one (a workbook is a zip:
``xlsx`` comes before ``zip``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from ordergate.errors import InternalError
from ordergate.parsers import sniff
from ordergate.parsers.edi_limits import EdiLimits
from ordergate.parsers.guard import ParseBudget
from ordergate.settings import Settings

if TYPE_CHECKING:  # named in signatures only; the context and the intakes import this module
    from ordergate.masterdata.catalog import Catalog
    from ordergate.masterdata.profiles import PartnerProfile
    from ordergate.orders.model import SalesOrder
    from ordergate.orders.store import SavedOrder
    from ordergate.outbox.queue import Queued
    from ordergate.parsers.email import Attachment
    from ordergate.processing.context import DocumentContext
    from ordergate.processing.outcome import IntakeOutcome

# A document's outcome: its status ("processed", "failed", ...) and the reason when it failed.
Processed = tuple[str, str | None]


class NoAnswer(InternalError):
    """A held order's format has no answer on resolution: a gap in the registry, not the
    sender's fault, so it is reported as an internal error and nothing is sent."""


@dataclass(frozen=True, slots=True)
class AttachedTo:
    """What reading an attachment's orders needs to know about the mail it came in."""

    channel: str
    customer_id: str
    profile: PartnerProfile | None
    min_confidence: float  # PDF fields read less surely than this hold the order
    budget: ParseBudget  # what is left of the mail's reading budget


@dataclass(slots=True)
class AttachmentOrders:
    orders: list[SalesOrder] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each names the attachment


@dataclass(frozen=True, slots=True)
class Resolution:
    """A held order that ops released or rejected, and the document it came from.

    ``content`` is the stored document, or within a mail the attachment the order was read
    from; ``occasion`` ends every dedupe key, so the answer is a new message beside whatever
    the order got when it arrived, and a retried release queues it once."""

    conn: Connection
    settings: Settings
    formats: FormatRegistry  # e.g. for a mail's attachments
    saved: SavedOrder
    document_id: int
    source_ref: str
    content: bytes
    now: datetime
    occasion: str = ":resolved"


@dataclass(frozen=True, slots=True)
class FormatHandler:
    """One inbound format. Only ``name`` and ``detect`` are required; a missing part means the
    format does not do that (a PDF dropped into a folder is not processed on its own; a mail
    is never an attachment)."""

    name: str  # documents.format, and a mail attachment's kind
    detect: Callable[[bytes], bool]  # a document of this format, from its bytes alone
    # An attachment of this format (default: ``detect``); a table in a mail needs no order
    # columns to be looked at, a whole dropped file does.
    detect_attached: Callable[[bytes], bool] | None = None
    attachable: bool = True  # whether a mail attachment can be of this format
    # The document on its own (a drop folder, ``ordergate ingest``, a mailbox): store its
    # orders and queue its answers, report into ``ctx.report``.
    process: Callable[[DocumentContext, bytes], Processed] | None = None
    # Whether ``process`` takes a memory map of a large file (``buffers``) as well as bytes;
    # other formats get the bytes whole.
    reads_maps: bool = False
    # Orders from a mail attachment, checked and stored by the mail intake and answered by mail.
    read_attached: Callable[[Attachment, AttachedTo], AttachmentOrders] | None = None
    # Formats made of interchanges whose envelopes name their sender (X12 ISA, EDIFACT UNB):
    # reading the interchanges (storing their orders, queuing their answers in their own
    # standard), and what in a file names another sender than the customer its channel vouches
    # for, in words. Such a file in a mail is read like a dropped one, once every sender agrees.
    read_interchanges: Callable[[DocumentContext, bytes], IntakeOutcome] | None = None
    foreign_senders: Callable[[Catalog, bytes, str, EdiLimits], list[str]] | None = None
    answer_resolved: Callable[[Resolution], list[Queued]] | None = None
    # Within a mail, the answer this format's own standard gives besides the mail reply
    # (an 855 to the partner's EDI system); None: the mail reply is the whole answer.
    answer_resolved_in_mail: Callable[[Resolution], list[Queued]] | None = None
    order_formats: tuple[str, ...] = ()  # orders.format of the orders it makes

    def reads_orders_attached(self) -> bool:
        """Whether an attachment of this format is read for orders."""
        return self.attachable and (self.read_attached is not None or
                                    self.read_interchanges is not None)

    def matches_attached(self, content: bytes) -> bool:
        if not self.attachable:
            return False
        return (self.detect_attached or self.detect)(content)


class FormatRegistry:
    """Formats by name, in detection order."""

    def __init__(self, handlers: Iterable[FormatHandler] = ()) -> None:
        self.handlers: dict[str, FormatHandler] = {}
        for handler in handlers:
            self.register(handler)

    def register(self, handler: FormatHandler, *, before: str | None = None) -> None:
        """Add ``handler`` (replacing one of the same name), detected after those registered
        so far, or just before the format ``before``."""
        handlers = {name: h for name, h in self.handlers.items() if name != handler.name}
        if before is None:
            handlers[handler.name] = handler
        else:
            if before not in handlers:
                raise KeyError(f"no format {before!r} to register {handler.name!r} before")
            ordered: dict[str, FormatHandler] = {}
            for name, existing in handlers.items():
                if name == before:
                    ordered[handler.name] = handler
                ordered[name] = existing
            handlers = ordered
        self.handlers = handlers

    def unregister(self, name: str) -> None:
        self.handlers.pop(name, None)

    def __getitem__(self, name: str) -> FormatHandler:
        return self.handlers[name]

    def get(self, name: str | None) -> FormatHandler | None:
        return self.handlers.get(name) if name is not None else None

    def __iter__(self):
        return iter(self.handlers.values())

    def detect(self, content: bytes) -> str | None:
        """The name of the first format whose test matches the document, or None."""
        for handler in self.handlers.values():
            if handler.detect(content):
                return handler.name
        return None

    def processable(self) -> list[str]:
        """The formats a document can be in to be processed on its own, sorted."""
        return sorted(h.name for h in self.handlers.values() if h.process is not None)

    # The mail parser asks these two (``parsers.email.AttachmentKinds``).
    def kind_of(self, content: bytes) -> str:
        """An attachment's kind: a format's name, else "image" or "other"."""
        for handler in self.handlers.values():
            if handler.matches_attached(content):
                return handler.name
        return "image" if sniff.is_image(content) else "other"

    def is_order(self, kind: str) -> bool:
        handler = self.handlers.get(kind)
        return handler is not None and handler.reads_orders_attached()

    def for_order_format(self, order_format: str) -> FormatHandler | None:
        """The format orders of ``order_format`` are read from (e.g. "x12-850" -> x12)."""
        for handler in self.handlers.values():
            if order_format in handler.order_formats:
                return handler
        return None
