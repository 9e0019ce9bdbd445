"""The pure half of EDIFACT intake: envelopes read, ORDERS mapped and checked, no database.

The EDIFACT twin of ``processing.x12.prepare``: ``prepare_edifact`` yields, in document order, an
``OpenedEdifactInterchange`` per UNB (already rejected when it is addressed to someone else,
comes from an unknown sender or has an unusable header), the reader's ``GroupHeader``,
a ``PreparedMessage`` per message (its CONTRL entry plus a prepared order, or the reason it
makes none), and the reader's ``GroupEnd``/``InterchangeEnd``. Runs in a second process for a
large document, like the X12 half; every item is cheap to pickle.

There, the storing process is faster than this one and would wait for it: while it has
nothing to do (``parallel.store_will_wait``) a message that makes an order is handed over as
its text instead (``PreparedMessage.unread``), and the store reads it with
``read_handed_over``: the same mapping and checks, the same result. The envelope (UNT and
UNZ counts, references, the CONTRL entry) is always checked here, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ordergate.mappings.acknowledgements import edifact_ack
from ordergate.mappings.edifact_orders import MessageRejected, map_orders
from ordergate.mappings.edifact_remadv import RemittanceRejected, map_remadv
from ordergate.masterdata.catalog import Catalog
from ordergate.orders.checks import check_order
from ordergate.orders.prepared import PreparedOrder, prepare_order
from ordergate.parsers.edi_limits import EdiLimits
from ordergate.parsers.edifact import (
    LINE_BREAKS,
    MISSING,
    UNKNOWN_SENDER,
    Delimiters,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Message,
    iter_edifact,
    split_segments,
)
from ordergate.processing.pipeline import Pace, store_will_wait, time_to_spare
from ordergate.processing.report import OrderReport
from ordergate.settings import Settings
from ordergate.sinks.edifact import (
    EdifactReply,
    MessageAck,
    not_supported_problem,
    parties_of,
    reply_from_unb,
    write_lines_ahead,
)
from ordergate.wire import by_fields

ORDERS = "ORDERS"
REMITTANCE = "REMADV"
# Answers to what we sent: taken in, never answered (no CONTRL to a CONTRL).
ACKNOWLEDGEMENT_TYPES = frozenset({"CONTRL", "APERAK"})
RECIPIENT_NOT_ACTUAL = "7"  # DE 0085


@by_fields
@dataclass(slots=True)
class OpenedEdifactInterchange:
    header: InterchangeHeader
    reply: EdifactReply | None  # None without a readable UNB: nobody to answer
    customer_id: str | None
    rejection: tuple[str, str] | None = None  # (DE 0085 code, reason a person can act on)

    @property
    def sender(self) -> str:
        ident, qualifier = self.header.sender
        return f"{ident}:{qualifier}" if qualifier else ident


@by_fields
@dataclass(slots=True)
class OrdersSource:
    """What mapping an interchange's ORDERS needs besides the message: one per interchange,
    so that the messages handed over in one chunk pickle it once."""

    delimiters: Delimiters
    partner_id: str
    customer_id: str | None
    channel: str
    document_id: int | None
    interchange_reference: str


@by_fields
@dataclass(slots=True)
class UnreadOrders:
    """An ORDERS message handed over as its text (UNH to UNT), its envelope already checked."""

    text: str
    source: OrdersSource
    source_key: str
    position: int  # the UNH's position in the interchange
    segments: int  # how many the envelope checks counted (UNT)


@by_fields
@dataclass(slots=True)
class PreparedMessage:
    ack: MessageAck
    group_reference: str | None
    order: PreparedOrder | None = None
    report: OrderReport | None = None  # a message that makes no order: rejected, with reasons
    problem: str | None = None  # a problem with the document as a whole (type not supported)
    unread: UnreadOrders | None = None  # handed over: ``read_handed_over`` fills order or report
    payments: tuple = ()  # a REMADV's payments (``billing.receivables.PaymentIn``), to apply
    received_ack: object | None = None  # a CONTRL: what the partner said of ours (ReceivedAck)


PreparedItem = OpenedEdifactInterchange | GroupHeader | PreparedMessage | GroupEnd | InterchangeEnd


@dataclass(slots=True)
class _State:
    opened: OpenedEdifactInterchange
    source: OrdersSource
    # Every key given out in this document so far (see processing.x12.prepare: two partners may use the
    # same interchange reference in one file).
    source_keys: set[str] = field(default_factory=set)

    @property
    def hand_over(self) -> bool:
        """Whether its messages may be handed over as text. Not with a line break as
        terminator: the reader removes the other line-break character from a segment after
        it has read the release characters there, so such a text can read back differently
        (found by fuzzing). Rare in practice; those messages are always read here."""
        return self.source.delimiters.segment not in LINE_BREAKS


def prepare_edifact(content: bytes, settings: Settings, catalog: Catalog, *, channel: str,
                    document_id: int | None, pace: Pace | None = None,
                    limits: EdiLimits | None = None) -> Iterator[PreparedItem]:
    """Raises ParseError when the bytes hold no readable interchange at all, BudgetExceeded
    past ``limits``' time budget. With a ``pace`` (in a second process) the ORDRSP lines are
    written ahead only while the store is behind."""
    state: _State | None = None
    source_keys: set[str] = set()
    for event in iter_edifact(content, limits):
        if isinstance(event, Message):
            if state is not None and state.opened.rejection is None:
                yield _prepare_message(state, event, catalog, pace)
        elif isinstance(event, InterchangeHeader):
            opened = _open(event, settings, catalog)
            source = OrdersSource(event.delimiters, f"edifact:{opened.sender}", opened.customer_id,
                                  channel, document_id, event.control_reference)
            state = _State(opened, source, source_keys)
            yield opened
        else:  # GroupHeader, GroupEnd, InterchangeEnd
            yield event


def _open(header: InterchangeHeader, settings: Settings, catalog: Catalog) -> OpenedEdifactInterchange:
    ours = settings.our_edifact
    if not header.present:
        problem = header.problems[0] if header.problems else None
        return OpenedEdifactInterchange(header, None, None, (
            problem.code if problem else MISSING,
            "the file holds EDIFACT messages without a UNB interchange header, so there is no "
            "sender to match to a customer or to answer: ask the partner to send whole "
            "interchanges"))
    if not header.sender_id.strip():
        # A CONTRL needs a recipient: one addressed to "" would go to an outbox folder for
        # nobody, under a partner key ("edifact:") every such file would share.
        problem = header.problems[0] if header.problems else None
        why = problem or "its sender identification (0004) is empty"
        return OpenedEdifactInterchange(header, None, None, (
            problem.code if problem else MISSING,
            f"the UNB at position {header.position} names no sender, so there is no customer "
            f"to match and nobody to answer: {why}"))
    unaddressable = next((p for p in header.problems if p.element_ref in ("0004", "0007", "0008")
                          and p.element_position == 3), None)
    if unaddressable is not None:
        # Our CONTRL would have to name this sender in its UNB S003: it cannot be answered.
        return OpenedEdifactInterchange(header, None, None, (
            unaddressable.code, f"the UNB at position {header.position} cannot be answered, not "
            f"even with a CONTRL: {unaddressable}; ask the partner to correct its interchange "
            f"header"))
    reply = reply_from_unb(header.segment, our_id=ours.ident, our_qualifier=ours.qualifier)
    customer = catalog.customer_for_edifact(*header.sender)
    opened = OpenedEdifactInterchange(header, reply, customer.customer_id if customer else None)
    reference = header.control_reference
    recipient_id, recipient_qualifier = header.recipient
    recipient = f"{recipient_id}:{recipient_qualifier}" if recipient_qualifier else recipient_id
    addressed_to_us = recipient_id == ours.ident and (
        ours.qualifier is None or recipient_qualifier in (None, ours.qualifier))
    if header.problems:
        first = header.problems[0]
        named = f"interchange {reference}" if reference else "an interchange without a reference"
        opened.rejection = (first.code, f"{named} from {opened.sender} cannot be read: {first}")
    elif not addressed_to_us:
        opened.rejection = (RECIPIENT_NOT_ACTUAL,
                            f"interchange {reference} from {opened.sender} is addressed to "
                            f"{recipient}, not to us ({ours}): check the partner's setup or "
                            f"ORDERGATE_EDIFACT_ID")
    elif customer is None:
        opened.rejection = (UNKNOWN_SENDER,
                            f"interchange {reference} comes from {opened.sender}, which no "
                            f"customer has as edifact_id: add it to customers.csv (ordergate "
                            f"seed), then replay this document")
    return opened


def _remittance(prepared: PreparedMessage, message: Message, customer_id: str | None,
                source_key: str, catalog: Catalog) -> PreparedMessage:
    """A REMADV: the payments it announces, for the customer the interchange is from."""
    if customer_id is None:
        prepared.problem = "a REMADV from a sender that is not a known customer: no payment was applied"
        return prepared
    customer = catalog.customers.get(customer_id)
    try:
        prepared.payments = tuple(map_remadv(
            message.segments, customer_id=customer_id, reference=source_key,
            default_currency=customer.currency if customer else None))
    except RemittanceRejected as exc:
        prepared.problem = f"REMADV {message.reference}: {exc}"
    return prepared


def _prepare_message(state: _State, message: Message, catalog: Catalog,
                     pace: Pace | None) -> PreparedMessage:
    opened = state.opened
    header = opened.header
    ack = MessageAck(reference=message.reference, message_type=message.message_type,
                     version=message.version, release=message.release,
                     agency=message.agency or "UN",
                     association_code=message.association_code or None,
                     problems=list(message.problems))
    group_reference = message.group.reference if message.group else None
    # Each reference at its ISO 9735 size (longer ones were rejected, a UNG's is only noted):
    # the key must fit orders.source_key; a cut that repeats one is told apart below.
    source_key = (f"{header.control_reference[:14]}/{(group_reference or '')[:14]}/"
                  f"{message.reference[:14]}")
    if source_key in state.source_keys:  # a reference reused in one document
        source_key = f"{source_key}@{message.position}"
    state.source_keys.add(source_key)
    customer_id = opened.customer_id
    prepared = PreparedMessage(ack, group_reference)
    if ack.problems:
        prepared.report = OrderReport.rejected(None, customer_id, source_key,
                                               [str(p) for p in ack.problems])
        return prepared
    if message.message_type in ACKNOWLEDGEMENT_TYPES:
        if message.message_type == "CONTRL":
            prepared.received_ack = edifact_ack(message.segments)
        return prepared
    if message.message_type == REMITTANCE:
        return _remittance(prepared, message, customer_id, source_key, catalog)
    if message.message_type != ORDERS:
        problem = not_supported_problem(message.message_type, message.reference)
        problem.position = message.position
        problem.interchange_reference = header.control_reference
        ack.problems.append(problem)
        prepared.problem = str(problem)
        return prepared
    if state.hand_over and store_will_wait(pace):  # (a message without problems has its texts)
        prepared.unread = UnreadOrders(message.text, state.source, source_key, message.position,
                                       len(message.segments))
        return prepared
    # The ORDRSP's lines, written here only while the storing process is the busier one.
    syntax_id = opened.reply.syntax_id if time_to_spare(pace) else None
    return _read_orders(prepared, message.segments, state.source, source_key, message.position,
                        catalog, syntax_id)


def read_handed_over(prepared: PreparedMessage, catalog: Catalog) -> PreparedMessage:
    """In the storing process: the order (or rejection) of a message handed over as text."""
    unread, prepared.unread = prepared.unread, None
    split = split_segments(unread.text, unread.source.delimiters)
    if split.issues or len(split.segments) != unread.segments:
        # Never expected (the reader's tests prove texts read back the same): a message read
        # differently here than where its envelope was checked must not become an order.
        raise RuntimeError(f"message {unread.source_key} reads differently from its text: "
                           f"{len(split.segments)} segments, not {unread.segments}, issues "
                           f"{split.issues}")
    return _read_orders(prepared, split.segments, unread.source, unread.source_key, unread.position,
                        catalog, None)


def _read_orders(prepared: PreparedMessage, segments: list, source: OrdersSource, source_key: str,
                 position: int, catalog: Catalog, write_lines_for: str | None) -> PreparedMessage:
    """Map, check and prepare one ORDERS whose envelope is fine; ``write_lines_for`` a syntax
    identifier to write the ORDRSP's lines ahead for it."""
    try:
        order = map_orders(segments, decimal_mark=source.delimiters.decimal,
                           partner_id=source.partner_id, customer_id=source.customer_id,
                           source_key=source_key, channel=source.channel,
                           document_id=source.document_id, message_position=position,
                           interchange_reference=source.interchange_reference)
    except MessageRejected as exc:
        prepared.ack.problems.extend(exc.problems)
        prepared.report = OrderReport.rejected(exc.po_number, source.customer_id, source_key,
                                               [str(p) for p in exc.problems])
        return prepared
    checked = prepare_order(check_order(order, catalog))._replace(parties=parties_of(order))
    if write_lines_for is not None:
        checked = write_lines_ahead(checked, write_lines_for)
    prepared.order = checked
    return prepared
