"""Processing one X12 document: envelopes → 850s → checked orders → 855s, 997s and TA1s.

Streams the interchange event by event. Orders are saved in batches of
``settings.store_batch_size``, each batch in one transaction with its 855s. An interchange
addressed to someone else, from an unknown sender, or reusing a control number is rejected
whole with a TA1; inside an accepted interchange every transaction set stands on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordergate.mappings.x12_850 import TransactionRejected, map_850
from ordergate.orders.catalog import Customer
from ordergate.orders.checks import check_order
from ordergate.orders.model import CheckedOrder, ReplyAddress
from ordergate.orders.outbox import Queued
from ordergate.orders.store import claim_interchange, save_orders
from ordergate.parsers.x12 import decode_x12, iter_x12
from ordergate.parsers.x12_types import (
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    TransactionSet,
)
from ordergate.processing.context import DocumentContext
from ordergate.processing.report import OrderReport, OutboundReport
from ordergate.processing.x12_replies import queue_855s, queue_997
from ordergate.sinks import x12_ta1
from ordergate.sinks.x12_997 import (
    ACKNOWLEDGEMENT_SETS,
    SUPPORTED_SETS,
    GroupAck,
    TransactionAck,
    not_supported_problem,
)
from ordergate.sinks.x12_envelope import reply_address


@dataclass(slots=True)
class _Interchange:
    header: InterchangeHeader
    reply: ReplyAddress
    customer: Customer | None
    rejected: bool = False
    duplicate: bool = False
    groups: list[GroupAck] = field(default_factory=list)
    group: GroupAck | None = None
    pending: list[CheckedOrder] = field(default_factory=list)
    ta1: list[str] | None = None
    source_keys: set[str] = field(default_factory=set)


@dataclass(slots=True)
class X12Outcome:
    interchanges: int = 0
    rejected_interchanges: int = 0
    duplicate_interchanges: int = 0
    accepted_sets: int = 0


def process_x12(ctx: DocumentContext, content: bytes) -> X12Outcome:
    """Raises ParseError when the bytes hold no readable interchange at all."""
    outcome = X12Outcome()
    current: _Interchange | None = None
    for event in iter_x12(decode_x12(content)):
        if isinstance(event, TransactionSet):
            if current is not None and not current.rejected:
                _transaction(ctx, current, event, outcome)
        elif isinstance(event, GroupHeader):
            if current is not None and not current.rejected:
                current.group = GroupAck(group=event)
                ours = ctx.settings.our_x12
                current.reply = reply_address(current.header, event, ours.qualifier, ours.ident)
        elif isinstance(event, GroupEnd):
            if current is not None and not current.rejected and current.group is not None:
                current.group.problems.extend(event.problems)
                current.groups.append(current.group)
                current.group = None
        elif isinstance(event, InterchangeHeader):
            if current is not None:  # the reader always closes, but never lose a batch
                _close(ctx, current, None)
            current = _open(ctx, event, outcome)
        elif isinstance(event, InterchangeEnd):
            if current is not None:
                _close(ctx, current, event)
            current = None
    if current is not None:
        _close(ctx, current, None)
    return outcome


def _open(ctx: DocumentContext, header: InterchangeHeader, outcome: X12Outcome) -> _Interchange:
    outcome.interchanges += 1
    ours = ctx.settings.our_x12
    reply = reply_address(header, None, ours.qualifier, ours.ident)
    customer = ctx.catalog.customer_for_x12(header.sender_qualifier, header.sender_id)
    state = _Interchange(header=header, reply=reply, customer=customer)
    sender = f"{header.sender_qualifier}:{header.sender_id}"
    receiver = f"{header.receiver_qualifier}:{header.receiver_id}"
    control = header.control_number
    if (header.receiver_qualifier.upper(), header.receiver_id) != (ours.qualifier, ours.ident):
        _reject(ctx, state, outcome, x12_ta1.UNKNOWN_RECEIVER,
                f"interchange {control} from {sender} is addressed to {receiver}, not to us "
                f"({ours}): check the partner's setup or ORDERGATE_X12_ID")
        return state
    if customer is None:
        _reject(ctx, state, outcome, x12_ta1.INVALID_SENDER,
                f"interchange {control} comes from {sender}, which no customer has as x12_id: "
                f"add it to customers.csv (ordergate seed), then replay this document")
        return state
    with ctx.engine.begin() as conn:
        claim = claim_interchange(conn, document_id=ctx.document_id, standard="x12",
                                  sender_id=sender, receiver_id=receiver, control_number=control,
                                  now=ctx.now)
        if claim.outcome == "duplicate":
            state.rejected = state.duplicate = True
            outcome.duplicate_interchanges += 1
            ctx.report.problems.append(
                f"interchange control number {control} from {sender} was already received "
                f"in document {claim.original_document_id}: not processed again")
            _queue_ta1(ctx, conn, state, "R", x12_ta1.DUPLICATE_CONTROL_NUMBER)
    return state


def _reject(ctx: DocumentContext, state: _Interchange, outcome: X12Outcome, code: str,
            reason: str) -> None:
    state.rejected = True
    outcome.rejected_interchanges += 1
    ctx.report.problems.append(reason)
    with ctx.engine.begin() as conn:
        _queue_ta1(ctx, conn, state, "R", code)


def _queue_ta1(ctx: DocumentContext, conn, state: _Interchange, status: str, code: str) -> None:
    message = queue_997(conn, state.reply, state.customer.customer_id if state.customer else None,
                        [], document_id=ctx.document_id,
                        interchange_control=state.header.control_number,
                        ta1=x12_ta1.build_ta1(state.header, status, code), now=ctx.now)
    _note_outbound(ctx, message)


def _transaction(ctx: DocumentContext, state: _Interchange, ts: TransactionSet,
                 outcome: X12Outcome) -> None:
    if state.group is None:  # a set outside a group: the reader reports it at envelope level
        return
    if state.group.group is not ts.group:
        state.group = GroupAck(group=ts.group)
    ack = TransactionAck(set_id=ts.set_id, control_number=ts.control_number,
                         problems=list(ts.problems))
    state.group.transactions.append(ack)
    source_key = f"{state.header.control_number}/{ts.group.control_number}/{ts.control_number}"
    if source_key in state.source_keys:  # a GS06 reused inside one interchange: still one order each
        source_key = f"{source_key}@{ts.position}"
    state.source_keys.add(source_key)
    customer_id = state.customer.customer_id if state.customer else None
    if ack.problems:
        ctx.report.orders.append(OrderReport.rejected(None, customer_id, source_key,
                                                      [str(p) for p in ack.problems]))
        return
    if ts.set_id in ACKNOWLEDGEMENT_SETS:
        return  # an answer to what we sent: accepted, never acknowledged back (no 997 to a 997)
    if ts.set_id not in SUPPORTED_SETS:
        ack.problems.append(not_supported_problem(ts.set_id, ts.control_number))
        ctx.report.problems.append(str(ack.problems[-1]))
        return
    try:
        order = map_850(ts, partner_id=f"x12:{state.reply.partner_qualifier}:{state.reply.partner_id}",
                        customer_id=customer_id, source_key=source_key, channel=ctx.channel,
                        document_id=ctx.document_id)
    except TransactionRejected as exc:
        ack.problems.extend(exc.problems)
        ctx.report.orders.append(OrderReport.rejected(exc.po_number, customer_id, source_key,
                                                      [str(p) for p in exc.problems]))
        return
    order.reply_to = state.reply
    outcome.accepted_sets += 1
    state.pending.append(check_order(order, ctx.catalog))
    if len(state.pending) >= ctx.settings.store_batch_size:
        _flush(ctx, state)


def _flush(ctx: DocumentContext, state: _Interchange) -> None:
    if not state.pending:
        return
    batch, state.pending = state.pending, []
    with ctx.engine.begin() as conn:
        saved = save_orders(conn, ctx.document_id, batch, now=ctx.now, actor=ctx.actor)
        for message in queue_855s(conn, saved, document_id=ctx.document_id, now=ctx.now):
            _note_outbound(ctx, message)
    ctx.report.orders.extend(OrderReport.from_checked(s.checked) for s in saved)


def _close(ctx: DocumentContext, state: _Interchange, end: InterchangeEnd | None) -> None:
    if state.rejected:
        return
    if state.group is not None:  # a group the reader never closed
        state.groups.append(state.group)
        state.group = None
    _flush(ctx, state)
    ta1 = None
    problems = end.problems if end else []
    for problem in problems:
        ctx.report.problems.append(str(problem))
    if problems:
        ta1 = x12_ta1.build_ta1(state.header, "E", problems[0].code)
    elif state.header.isa[14:15] == ["1"]:  # ISA14: the sender asked for a TA1
        ta1 = x12_ta1.build_ta1(state.header, "A", x12_ta1.NO_ERROR)
    with ctx.engine.begin() as conn:
        message = queue_997(conn, state.reply, state.customer.customer_id if state.customer else None,
                            state.groups, document_id=ctx.document_id,
                            interchange_control=state.header.control_number, ta1=ta1, now=ctx.now)
    _note_outbound(ctx, message)


def _note_outbound(ctx: DocumentContext, message: Queued | None) -> None:
    if message is None:
        return
    ctx.report.outbound.append(OutboundReport(
        kind=message.kind, path=str(ctx.settings.outbox / message.destination / message.filename)))



def x12_document_status(outcome: X12Outcome, report) -> tuple[str, str | None]:
    """processed when any order came out of it; duplicate when every interchange was one;
    failed (with the first reasons) when nothing usable did."""
    if outcome.accepted_sets:
        return "processed", None
    if outcome.interchanges and outcome.duplicate_interchanges == outcome.interchanges:
        return "duplicate", report.problems[0] if report.problems else None
    reasons = list(report.problems)
    for order in report.orders:
        reasons.extend(order.hold_reasons)
    if not reasons:
        return "processed", None  # e.g. an interchange of 997s: nothing to do, nothing wrong
    return "failed", "; ".join(reasons[:3]) + (f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else "")
