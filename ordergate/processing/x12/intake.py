"""Storing one X12 document: claims, checked orders in batches, 855s, 997s and TA1s.

The pure half (``prepare``: envelopes, 850 mapping, checks) yields items in document
order, computed in this process or, for a large document, in a second one
(``processing.pipeline``); this half does everything that needs the database. Orders are
saved in batches of ``settings.store_batch_size``, each batch in one transaction with its 855
interchange. An interchange addressed to someone else, from an unknown sender, or reusing a
control number is rejected whole with a TA1; inside an accepted interchange every
transaction set stands on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordergate.orders.model import ReplyAddress
from ordergate.orders.prepared import PreparedOrder
from ordergate.orders.store import (
    claim_interchange,
    mark_interchange_incomplete,
    save_orders,
)
from ordergate.parsers.edi_limits import refuse_too_many
from ordergate.parsers.x12 import (
    GroupEnd,
    InterchangeEnd,
    InterchangeHeader,
    count_interchanges,
)
from ordergate.processing.context import DocumentContext
from ordergate.processing.edi_budget import edi_limits
from ordergate.processing.outcome import IntakeOutcome, answer_now
from ordergate.processing.pipeline import Pace, prepared_items, worth_a_second_process
from ordergate.processing.remittances import apply_remitted, record_received_ack
from ordergate.processing.report import OrderReport
from ordergate.processing.x12.prepare import (
    OpenedGroup,
    OpenedInterchange,
    PreparedSet,
    prepare_x12,
)
from ordergate.processing.x12.replies import partner_key, queue_855s, queue_997
from ordergate.sinks.x12 import GroupAck
from ordergate.sinks.x12 import ta1 as x12_ta1


@dataclass(slots=True)
class _Interchange:
    header: InterchangeHeader
    reply: ReplyAddress
    customer_id: str | None
    rejected: bool = False
    duplicate: bool = False
    groups: list[GroupAck] = field(default_factory=list)
    group: GroupAck | None = None
    pending: list[PreparedOrder] = field(default_factory=list)
    interchange_id: int | None = None


def process_x12(ctx: DocumentContext, content: bytes) -> IntakeOutcome:
    """Raises ParseError when the bytes hold no readable interchange at all."""
    outcome = IntakeOutcome()
    current: _Interchange | None = None
    seen: set[tuple[str, str]] = set()  # (sender, ISA13) of the interchanges opened so far
    in_child = worth_a_second_process(content, ctx.settings.parallel_from_bytes)
    # The prepare process writes 855 lines ahead while this one is behind.
    pace = Pace.for_store(ctx.settings.store_batch_size, in_child)
    limits = edi_limits(ctx.settings, content)
    # Counted before anything is stored or answered: each interchange gets its own TA1/997.
    refuse_too_many(count_interchanges(content, limits), limits)
    items = prepared_items(lambda: prepare_x12(content, ctx.settings, ctx.catalog,
                                               channel=ctx.channel, document_id=ctx.document_id,
                                               pace=pace, limits=limits),
                           in_child=in_child, pace=pace, budget=limits.budget)
    for item in items:
        if isinstance(item, PreparedSet):
            if current is not None and not current.rejected:
                _transaction(ctx, current, item, outcome)
        elif isinstance(item, OpenedGroup):
            if current is not None and not current.rejected:
                _flush(ctx, current)  # a batch is answered in one envelope: one reply address
                current.group = GroupAck(group=item.group)
                current.reply = item.reply
        elif isinstance(item, GroupEnd):
            if current is not None and not current.rejected and current.group is not None:
                current.group.problems.extend(item.problems)
                current.groups.append(current.group)
                current.group = None
        elif isinstance(item, OpenedInterchange):
            if current is not None:  # the reader always closes, but never lose a batch
                _close(ctx, current, None)
            current = _open(ctx, item, outcome, seen)
        elif isinstance(item, InterchangeEnd):
            if current is not None:
                _close(ctx, current, item)
            current = None
    if current is not None:
        _close(ctx, current, None)
    return outcome


def _open(ctx: DocumentContext, opened: OpenedInterchange, outcome: IntakeOutcome,
          seen: set[tuple[str, str]]) -> _Interchange:
    outcome.interchanges += 1
    header = opened.header
    state = _Interchange(header=header, reply=opened.reply, customer_id=opened.customer_id)
    if opened.rejection is not None:
        code, reason = opened.rejection
        _reject(ctx, state, outcome, code, reason, opened.answerable)
        return state
    sender = f"{header.sender_qualifier}:{header.sender_id}"
    receiver = f"{header.receiver_qualifier}:{header.receiver_id}"
    control = header.control_number
    if (sender, control) in seen:
        # The claim below would find this document's own row and take the second interchange
        # for the first one resumed after a crash, reporting its orders under the first one's
        # ids. The same control number twice is a duplicate, here as across files.
        state.rejected = state.duplicate = True
        outcome.duplicate_interchanges += 1
        ctx.report.problems.append(
            f"interchange control number {control} from {sender} appears twice in this "
            f"document: the second interchange is not processed")
        with ctx.transaction() as conn:
            _queue_ta1(ctx, conn, state, "R", x12_ta1.DUPLICATE_CONTROL_NUMBER)
        return state
    seen.add((sender, control))
    with ctx.transaction() as conn:
        claim = claim_interchange(conn, document_id=ctx.document_id, standard="x12",
                                  sender_id=sender, receiver_id=receiver, control_number=control,
                                  now=ctx.now)
        state.interchange_id = claim.interchange_id
        if claim.outcome == "duplicate":
            state.rejected = state.duplicate = True
            outcome.duplicate_interchanges += 1
            ctx.report.problems.append(
                f"interchange control number {control} from {sender} was already received "
                f"in document {claim.original_document_id}: not processed again")
            _queue_ta1(ctx, conn, state, "R", x12_ta1.DUPLICATE_CONTROL_NUMBER)
    return state


def _reject(ctx: DocumentContext, state: _Interchange, outcome: IntakeOutcome, code: str,
            reason: str, answerable: bool = True) -> None:
    state.rejected = True
    outcome.rejected_interchanges += 1
    ctx.report.problems.append(reason)
    if not answerable:
        return
    with ctx.transaction() as conn:
        _queue_ta1(ctx, conn, state, "R", code)


def _queue_ta1(ctx: DocumentContext, conn, state: _Interchange, status: str, code: str) -> None:
    message = queue_997(conn, state.reply, state.customer_id, [], document_id=ctx.document_id,
                        interchange_control=state.header.control_number,
                        ta1=x12_ta1.build_ta1(state.header, status, code), now=ctx.now)
    ctx.note_outbound(message)


def _transaction(ctx: DocumentContext, state: _Interchange, item: PreparedSet,
                 outcome: IntakeOutcome) -> None:
    if state.group is None:  # a set outside a group: the reader reports it at envelope level
        return
    state.group.add(item.ack)
    if item.problem:
        ctx.report.problems.append(item.problem)
    if item.report is not None:
        ctx.report.orders.append(item.report)
    if item.payments:
        outcome.accepted_sets += 1
        apply_remitted(ctx, item.payments)
    if item.received_ack is not None:
        record_received_ack(ctx, partner_key(state.reply), item.received_ack)
    if item.order is not None:
        outcome.accepted_sets += 1
        state.pending.append(item.order)
        if len(state.pending) >= ctx.batch_size():
            _flush(ctx, state)


def _flush(ctx: DocumentContext, state: _Interchange) -> None:
    if not state.pending:
        return
    batch, state.pending = state.pending, []
    ctx.batches_stored += 1
    with ctx.transaction() as conn:
        saved = save_orders(conn, ctx.document_id, batch, now=ctx.now, actor=ctx.actor,
                            catalog=ctx.catalog, batch_number=ctx.batches_stored)
        for message in queue_855s(conn, answer_now(saved, ctx.catalog), state.reply,
                                  document_id=ctx.document_id, now=ctx.now):
            ctx.note_outbound(message)
    ctx.report.orders.extend(OrderReport.from_saved(s) for s in saved)


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
    with ctx.transaction() as conn:
        if any(problem.code == x12_ta1.NO_TRAILER for problem in problems):
            mark_interchange_incomplete(conn, state.interchange_id, ctx.document_id)
        message = queue_997(conn, state.reply, state.customer_id, state.groups,
                            document_id=ctx.document_id,
                            interchange_control=state.header.control_number, ta1=ta1, now=ctx.now)
    ctx.note_outbound(message)
