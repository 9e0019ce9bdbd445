"""The pure half of X12 intake: envelopes read, 850s mapped and checked, no database.

``prepare_x12`` turns a document's bytes into the items the storing half (``intake``)
consumes, in document order: an ``OpenedInterchange`` per ISA (already rejected when it is
addressed to someone else or comes from an unknown sender), an ``OpenedGroup`` per GS, a
``PreparedSet`` per transaction set (its 997 entry plus a prepared order, or the reason it
makes none), and the reader's ``GroupEnd``/``InterchangeEnd``. It depends only on the bytes,
the settings and the master data, so it can run in a second process (``processing.pipeline``)
while the first one stores; every item is cheap to pickle.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ordergate.mappings.acknowledgements import x12_ack
from ordergate.mappings.x12_820 import map_820
from ordergate.mappings.x12_850 import TransactionRejected, map_850
from ordergate.masterdata.catalog import Catalog
from ordergate.orders.checks import check_order
from ordergate.orders.model import ReplyAddress
from ordergate.orders.prepared import PreparedOrder, prepare_order
from ordergate.outbox.acks import ReceivedAck
from ordergate.parsers.edi_limits import EdiLimits
from ordergate.parsers.x12 import (
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    TransactionSet,
    X12Problem,
    iter_x12,
    segment_writer,
)
from ordergate.processing.pipeline import Pace, time_to_spare
from ordergate.processing.report import OrderReport
from ordergate.settings import Settings
from ordergate.sinks.x12 import (
    ACKNOWLEDGEMENT_SETS,
    SUPPORTED_SETS,
    TransactionAck,
    group_unfit,
    interchange_unfit,
    not_supported_problem,
    reply_address,
    reply_delimiters,
    write_lines_ahead,
)
from ordergate.sinks.x12 import ta1 as x12_ta1
from ordergate.wire import by_fields


@by_fields
@dataclass(slots=True)
class OpenedInterchange:
    header: InterchangeHeader
    reply: ReplyAddress
    customer_id: str | None
    rejection: tuple[str, str] | None = None  # (TA1 note code, reason a person can act on)
    # False when not even a TA1 can be addressed to the sender (its ISA05/ISA06 do not fit
    # our reply's ISA07/ISA08): the rejection is the document's reason alone.
    answerable: bool = True


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
    payments: tuple = ()  # an 820's payments (``billing.receivables.PaymentIn``), to apply
    received_ack: ReceivedAck | None = None  # a 997/999: what the partner said of ours


PreparedItem = OpenedInterchange | OpenedGroup | PreparedSet | GroupEnd | InterchangeEnd


@dataclass(slots=True)
class _State:
    reply: ReplyAddress
    customer_id: str | None
    rejected: bool
    # Why the current group cannot be answered as sent (GS02/GS03/GS06 unfit to echo): its
    # sets are rejected unread, and the 997 is addressed with the ISA's ids instead.
    group_fault: X12Problem | None = None
    # Every key given out in this document so far: two partners may use the same ISA13 in
    # one file, and each order's key must still be its own (orders are unique per document
    # and key, and a repeated key would pass a new order off as resumed).
    source_keys: set[str] = field(default_factory=set)


def prepare_x12(content: bytes, settings: Settings, catalog: Catalog, *, channel: str,
                document_id: int | None, pace: Pace | None = None,
                limits: EdiLimits | None = None) -> Iterator[PreparedItem]:
    """Raises ParseError when the bytes hold no readable interchange at all, BudgetExceeded
    past ``limits``' time budget. With a ``pace`` (in a second process) the 855 lines are
    written ahead only while the store is behind."""
    ours = settings.our_x12
    state: _State | None = None
    source_keys: set[str] = set()
    for event in iter_x12(content, limits):
        if isinstance(event, TransactionSet):
            if state is not None and not state.rejected:
                yield _prepare_set(state, event, catalog, channel, document_id,
                                   time_to_spare(pace))
        elif isinstance(event, GroupHeader):
            if state is not None and not state.rejected:
                unfit = group_unfit(event)
                state.group_fault = None if unfit is None else _group_fault(event, unfit)
                state.reply = reply_address(event.interchange, None if unfit else event,
                                            ours.qualifier, ours.ident)
                yield OpenedGroup(event, state.reply)
        elif isinstance(event, GroupEnd):
            if state is not None and state.group_fault is not None:
                fault = state.group_fault
                state.group_fault = None
                if not any(p.code == fault.code for p in event.problems):
                    event.problems.insert(0, fault)
            yield event
        elif isinstance(event, InterchangeHeader):
            opened = _open(event, settings, catalog)
            state = _State(opened.reply, opened.customer_id, opened.rejection is not None,
                           source_keys=source_keys)
            yield opened
        else:  # InterchangeEnd
            yield event


def _open(header: InterchangeHeader, settings: Settings, catalog: Catalog) -> OpenedInterchange:
    ours = settings.our_x12
    reply = reply_address(header, None, ours.qualifier, ours.ident)
    customer = catalog.customer_for_x12(header.sender_qualifier, header.sender_id)
    opened = OpenedInterchange(header, reply, customer.customer_id if customer else None)
    sender = f"{header.sender_qualifier}:{header.sender_id}"
    receiver = f"{header.receiver_qualifier}:{header.receiver_id}"
    control = header.control_number
    unfit = interchange_unfit(header)
    if unfit is not None:
        opened.answerable = False
        code = x12_ta1.INVALID_SENDER_QUALIFIER if "ISA05" in unfit else x12_ta1.INVALID_SENDER
        opened.rejection = (code, f"interchange {control[:15]} from {sender[:40]} cannot be answered, "
                                  f"not even with a TA1: {unfit}; ask the partner to correct its "
                                  f"interchange header")
    elif not _is_control_number(control):
        opened.rejection = (x12_ta1.INVALID_CONTROL_NUMBER,
                            f"interchange from {sender}: ISA13 {control[:15]!r} is not an "
                            f"interchange control number (9 digits)")
    elif (header.receiver_qualifier.upper(), header.receiver_id) != (ours.qualifier, ours.ident):
        opened.rejection = (x12_ta1.UNKNOWN_RECEIVER,
                            f"interchange {control} from {sender} is addressed to {receiver}, not "
                            f"to us ({ours}): check the partner's setup or ORDERGATE_X12_ID")
    elif customer is None:
        opened.rejection = (x12_ta1.INVALID_SENDER,
                            f"interchange {control} comes from {sender}, which no customer has as "
                            f"x12_id: add it to customers.csv (ordergate seed), then replay this "
                            f"document")
    return opened


def _is_control_number(value: str) -> bool:
    return 1 <= len(value) <= 9 and value.isascii() and value.isdigit()


def _group_fault(group: GroupHeader, reason: str) -> X12Problem:
    # AK905 6 says "group control number violates syntax"; X12 has no code for GS02/GS03.
    code = "6" if reason.startswith("GS06") else ""
    return X12Problem(level="group", code=code, message=f"functional group {group.control_number[:15]} "
                      f"is rejected unread: {reason}", position=group.position, segment_id="GS",
                      interchange_control=group.interchange.control_number,
                      group_control=group.control_number[:15])


def _remittance(ts: TransactionSet, ack: TransactionAck, customer_id: str | None,
                source_key: str, catalog: Catalog) -> PreparedSet:
    """An 820: the payments it announces, for the customer the envelope is from."""
    if customer_id is None:
        problem = X12Problem(level="transaction", code="5", message="an 820 from a sender that "
                             "is not a known customer: no payment was applied",
                             position=ts.position, segment_id="ST",
                             transaction_control=ts.control_number or None)
        ack.problems.append(problem)
        return PreparedSet(ack, problem=str(problem))
    customer = catalog.customers.get(customer_id)
    try:
        payments = map_820(ts, customer_id=customer_id, source_key=source_key,
                           default_currency=customer.currency if customer else None)
    except TransactionRejected as exc:
        ack.problems.extend(exc.problems)
        return PreparedSet(ack, problem="; ".join(str(p) for p in exc.problems))
    return PreparedSet(ack, payments=tuple(payments))


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
    if state.group_fault is not None:
        fault = state.group_fault
        ack.problems.append(X12Problem(level="transaction", code="", message=fault.message,
                                       position=ts.position, segment_id="ST",
                                       interchange_control=fault.interchange_control,
                                       group_control=fault.group_control,
                                       transaction_control=ts.control_number or None))
    if ack.problems:
        return PreparedSet(ack, report=OrderReport.rejected(None, customer_id, source_key,
                                                            [str(p) for p in ack.problems]))
    if ts.set_id in ACKNOWLEDGEMENT_SETS:  # an answer to what we sent: never acknowledged back
        return PreparedSet(ack, received_ack=x12_ack(ts))
    if ts.set_id == "820":  # a remittance: payments, not an order
        return _remittance(ts, ack, customer_id, source_key, catalog)
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
