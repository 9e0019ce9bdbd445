"""The pure half of X12 intake: envelopes read, 850s mapped and checked, no database.

``prepare_x12`` turns a document's bytes into the items the storing half (``x12_intake``)
consumes, in document order: an ``OpenedInterchange`` per ISA (already rejected when it is
addressed to someone else or comes from an unknown sender), an ``OpenedGroup`` per GS, a
``PreparedSet`` per transaction set (its 997 entry plus a prepared order, or the reason it
makes none), and the reader's ``GroupEnd``/``InterchangeEnd``. It depends only on the bytes,
the settings and the master data, so it can run in a second process (``processing.parallel``)
while the first one stores; every item is cheap to pickle.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ordergate.mappings.x12_850 import TransactionRejected, map_850
from ordergate.orders.catalog import Catalog
from ordergate.orders.checks import check_order
from ordergate.orders.model import ReplyAddress
from ordergate.orders.prepared import PreparedOrder, prepare_order
from ordergate.parsers.x12 import decode_x12, iter_x12
from ordergate.parsers.x12_writer import segment_writer
from ordergate.parsers.x12_types import (
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    TransactionSet,
)
from ordergate.processing.parallel import Pace, time_to_spare
from ordergate.processing.report import OrderReport
from ordergate.settings import Settings
from ordergate.sinks import x12_ta1
from ordergate.sinks.x12_997 import (
    ACKNOWLEDGEMENT_SETS,
    SUPPORTED_SETS,
    TransactionAck,
    not_supported_problem,
)
from ordergate.sinks.x12_855 import write_lines_ahead
from ordergate.sinks.x12_envelope import reply_address, reply_delimiters
from ordergate.wire import by_fields


@by_fields
@dataclass(slots=True)
class OpenedInterchange:
    header: InterchangeHeader
    reply: ReplyAddress
    customer_id: str | None
    rejection: tuple[str, str] | None = None  # (TA1 note code, reason a person can act on)


@by_fields
@dataclass(slots=True)
class OpenedGroup:
    group: GroupHeader
    reply: ReplyAddress


@by_fields
@dataclass(slots=True)
class PreparedSet:
    ack: TransactionAck
    order: PreparedOrder | None = None
    report: OrderReport | None = None  # a set that makes no order: rejected, with reasons
    problem: str | None = None  # a problem with the document as a whole (set not supported)


PreparedItem = OpenedInterchange | OpenedGroup | PreparedSet | GroupEnd | InterchangeEnd


@dataclass(slots=True)
class _State:
    reply: ReplyAddress
    customer_id: str | None
    rejected: bool
    # Every key given out in this document so far: two partners may use the same ISA13 in
    # one file, and each order's key must still be its own (orders are unique per document
    # and key, and a repeated key would pass a new order off as resumed).
    source_keys: set[str] = field(default_factory=set)


def prepare_x12(content: bytes, settings: Settings, catalog: Catalog, *, channel: str,
                document_id: int | None, pace: Pace | None = None) -> Iterator[PreparedItem]:
    """Raises ParseError when the bytes hold no readable interchange at all. With a ``pace``
    (in a second process) the 855 lines are written ahead only while the store is behind."""
    ours = settings.our_x12
    state: _State | None = None
    source_keys: set[str] = set()
    for event in iter_x12(decode_x12(content)):
        if isinstance(event, TransactionSet):
            if state is not None and not state.rejected:
                yield _prepare_set(state, event, catalog, channel, document_id,
                                   time_to_spare(pace))
        elif isinstance(event, GroupHeader):
            if state is not None and not state.rejected:
                state.reply = reply_address(event.interchange, event, ours.qualifier, ours.ident)
                yield OpenedGroup(event, state.reply)
        elif isinstance(event, InterchangeHeader):
            opened = _open(event, settings, catalog)
            state = _State(opened.reply, opened.customer_id, opened.rejection is not None,
                           source_keys)
            yield opened
        else:  # GroupEnd, InterchangeEnd
            yield event


def _open(header: InterchangeHeader, settings: Settings, catalog: Catalog) -> OpenedInterchange:
    ours = settings.our_x12
    reply = reply_address(header, None, ours.qualifier, ours.ident)
    customer = catalog.customer_for_x12(header.sender_qualifier, header.sender_id)
    opened = OpenedInterchange(header, reply, customer.customer_id if customer else None)
    sender = f"{header.sender_qualifier}:{header.sender_id}"
    receiver = f"{header.receiver_qualifier}:{header.receiver_id}"
    control = header.control_number
    if (header.receiver_qualifier.upper(), header.receiver_id) != (ours.qualifier, ours.ident):
        opened.rejection = (x12_ta1.UNKNOWN_RECEIVER,
                            f"interchange {control} from {sender} is addressed to {receiver}, not "
                            f"to us ({ours}): check the partner's setup or ORDERGATE_X12_ID")
    elif customer is None:
        opened.rejection = (x12_ta1.INVALID_SENDER,
                            f"interchange {control} comes from {sender}, which no customer has as "
                            f"x12_id: add it to customers.csv (ordergate seed), then replay this "
                            f"document")
    return opened


def _prepare_set(state: _State, ts: TransactionSet, catalog: Catalog, channel: str,
                 document_id: int | None, write_ahead: bool) -> PreparedSet:
    ack = TransactionAck(set_id=ts.set_id, control_number=ts.control_number,
                         problems=list(ts.problems))
    group = ts.group
    source_key = f"{group.interchange.control_number}/{group.control_number}/{ts.control_number}"
    if source_key in state.source_keys:  # numbers reused in one document: still one order each
        source_key = f"{source_key}@{ts.position}"
    state.source_keys.add(source_key)
    customer_id = state.customer_id
    if ack.problems:
        return PreparedSet(ack, report=OrderReport.rejected(None, customer_id, source_key,
                                                            [str(p) for p in ack.problems]))
    if ts.set_id in ACKNOWLEDGEMENT_SETS:
        return PreparedSet(ack)  # an answer to what we sent: never acknowledged back
    if ts.set_id not in SUPPORTED_SETS:
        problem = not_supported_problem(ts.set_id, ts.control_number)
        ack.problems.append(problem)
        return PreparedSet(ack, problem=str(problem))
    reply = state.reply
    try:
        order = map_850(ts, partner_id=f"x12:{reply.partner_qualifier}:{reply.partner_id}",
                        customer_id=customer_id, source_key=source_key, channel=channel,
                        document_id=document_id)
    except TransactionRejected as exc:
        ack.problems.extend(exc.problems)
        return PreparedSet(ack, report=OrderReport.rejected(exc.po_number, customer_id, source_key,
                                                            [str(p) for p in exc.problems]))
    order.reply_to = reply
    prepared = prepare_order(check_order(order, catalog))
    if write_ahead:  # the 855's lines, written here rather than in the busier storing process
        writer = segment_writer(reply_delimiters(reply), reply.interchange_version)
        prepared = write_lines_ahead(prepared, writer)
    return PreparedSet(ack, order=prepared)
