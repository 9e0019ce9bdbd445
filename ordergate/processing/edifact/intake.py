"""Storing one EDIFACT document: interchange claims, orders in batches, ORDRSPs and CONTRLs.

The EDIFACT twin of ``processing.x12.intake``, on the same store and outbox. The pure half
(``prepare``) yields items in document order, here or from a second process for a
large document. Orders are saved in batches of ``settings.store_batch_size``, each with its
ORDRSP interchange in one transaction; every interchange received gets a CONTRL: accepting
(with UCM/UCS/UCD for the messages that were rejected), or rejecting the whole interchange
when it is addressed to someone else, comes from an unknown sender, cannot be read, or
reuses an interchange reference (UNB 0020) of the same sender.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordergate.orders.prepared import PreparedOrder
from ordergate.orders.store import (
    claim_interchange,
    mark_interchange_incomplete,
    save_orders,
)
from ordergate.parsers.edi_limits import refuse_too_many
from ordergate.parsers.edifact import (
    DUPLICATE_DETECTED,
    MISSING,
    EdifactProblem,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    count_interchanges,
)
from ordergate.processing.context import DocumentContext
from ordergate.processing.edi_budget import edi_limits
from ordergate.processing.edifact.prepare import (
    ACKNOWLEDGEMENT_TYPES,
    OpenedEdifactInterchange,
    PreparedMessage,
    prepare_edifact,
    read_handed_over,
)
from ordergate.processing.edifact.replies import (
    partner_key,
    queue_contrl,
    queue_ordrsps,
)
from ordergate.processing.outcome import IntakeOutcome, answer_now
from ordergate.processing.pipeline import Pace, prepared_items, worth_a_second_process
from ordergate.processing.remittances import apply_remitted, record_received_ack
from ordergate.processing.report import OrderReport
from ordergate.sinks.edifact import Action, EdifactParty, GroupAck, InterchangeAck

EANCOM_ORDRSP = "EAN005"  # the EANCOM ORDRSP subset, for partners who send EANCOM ORDERS


@dataclass(slots=True)
class _Interchange:
    opened: OpenedEdifactInterchange
    ack: InterchangeAck
    rejected: bool = False
    group: GroupAck | None = None
    association_code: str | None = None
    pending: list[PreparedOrder] = field(default_factory=list)
    accepted: int = 0
    group_accepted: int = 0  # orders from the open group, which decide its UCF verdict
    messages: int = 0
    acknowledgements: int = 0  # inbound CONTRL/APERAK among the messages
    interchange_id: int | None = None


def process_edifact(ctx: DocumentContext, content: bytes) -> IntakeOutcome:
    """Raises ParseError when the bytes hold no readable interchange at all."""
    outcome = IntakeOutcome()
    current: _Interchange | None = None
    seen: set[tuple[str, str]] = set()  # (sender, UNB 0020) of the interchanges opened so far
    in_child = worth_a_second_process(content, ctx.settings.parallel_from_bytes)
    # The prepare process writes ORDRSP lines ahead while this one is behind.
    pace = Pace.for_store(ctx.settings.store_batch_size, in_child)
    limits = edi_limits(ctx.settings, content)
    # Counted before anything is stored or answered: each interchange gets its own CONTRL.
    refuse_too_many(count_interchanges(content, limits), limits)
    items = prepared_items(lambda: prepare_edifact(content, ctx.settings, ctx.catalog,
                                                   channel=ctx.channel,
                                                   document_id=ctx.document_id, pace=pace,
                                                   limits=limits),
                           in_child=in_child, pace=pace, budget=limits.budget)
    for item in items:
        if isinstance(item, PreparedMessage):
            if current is not None and not current.rejected:
                _message(ctx, current, item, outcome)
        elif isinstance(item, GroupHeader):
            if current is not None and not current.rejected:
                current.group = GroupAck(reference=item.reference,
                                         sender=EdifactParty(item.sender_id, item.sender_qualifier or None),
                                         recipient=EdifactParty(item.recipient_id,
                                                                item.recipient_qualifier or None))
                current.ack.groups.append(current.group)
                current.group_accepted = 0
        elif isinstance(item, GroupEnd):
            if current is not None and not current.rejected and current.group is not None:
                _end_group(ctx, current, item)
        elif isinstance(item, OpenedEdifactInterchange):
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


def _open(ctx: DocumentContext, opened: OpenedEdifactInterchange, outcome: IntakeOutcome,
          seen: set[tuple[str, str]]) -> _Interchange:
    outcome.interchanges += 1
    header = opened.header
    ack = InterchangeAck(
        reference=header.control_reference,
        sender=EdifactParty(header.sender_id, header.sender_qualifier or None,
                            header.sender_reverse_routing or None),
        recipient=EdifactParty(header.recipient_id, header.recipient_qualifier or None,
                               header.recipient_routing or None))
    state = _Interchange(opened=opened, ack=ack)
    if opened.rejection is not None:
        code, reason = opened.rejection
        _reject(ctx, state, outcome, code, reason)
        return state
    key = (opened.sender, header.control_reference)
    if key in seen:
        # The claim below would find this document's own row and take the second interchange
        # for the first one resumed after a crash: its orders would be lost, reported under
        # the first one's ids. The same reference twice is a duplicate, here as across files.
        state.rejected = True
        outcome.duplicate_interchanges += 1
        reason = (f"interchange reference {header.control_reference} from {opened.sender} "
                  f"appears twice in this document: the second interchange is not processed")
        ctx.report.problems.append(reason)
        with ctx.transaction() as conn:
            _queue_rejection(ctx, conn, state, DUPLICATE_DETECTED, reason)
        return state
    seen.add(key)
    recipient = EdifactParty(*header.recipient)
    with ctx.transaction() as conn:
        claim = claim_interchange(conn, document_id=ctx.document_id, standard="edifact",
                                  sender_id=opened.sender,
                                  receiver_id=":".join(filter(None, [recipient.id, recipient.qualifier])),
                                  control_number=header.control_reference[:20], now=ctx.now)
        state.interchange_id = claim.interchange_id
        if claim.outcome == "duplicate":
            state.rejected = True
            outcome.duplicate_interchanges += 1
            reason = (f"interchange reference {header.control_reference} from {opened.sender} was "
                      f"already received in document {claim.original_document_id}: not "
                      f"processed again")
            ctx.report.problems.append(reason)
            _queue_rejection(ctx, conn, state, DUPLICATE_DETECTED, reason)
    return state


def _reject(ctx: DocumentContext, state: _Interchange, outcome: IntakeOutcome, code: str,
            reason: str) -> None:
    state.rejected = True
    outcome.rejected_interchanges += 1
    ctx.report.problems.append(reason)
    if state.opened.reply is None:
        return  # no UNB: nobody to send a CONTRL to
    with ctx.transaction() as conn:
        _queue_rejection(ctx, conn, state, code, reason)


def _queue_rejection(ctx: DocumentContext, conn, state: _Interchange, code: str, reason: str) -> None:
    header = state.opened.header
    state.ack.problems.append(EdifactProblem(
        code=code, message=reason, level="interchange", segment_tag="UNB",
        position=header.position, interchange_reference=header.control_reference))
    state.ack.action = Action.REJECTED
    ctx.note_outbound(queue_contrl(conn, state.opened.reply, state.opened.customer_id,
                                     state.ack, document_id=ctx.document_id, now=ctx.now))


def _message(ctx: DocumentContext, state: _Interchange, item: PreparedMessage,
             outcome: IntakeOutcome) -> None:
    if item.unread is not None:  # handed over by the prepare process while this one waited
        item = read_handed_over(item, ctx.catalog)
    (state.group.messages if state.group is not None else state.ack.messages).append(item.ack)
    state.messages += 1
    if item.ack.message_type in ACKNOWLEDGEMENT_TYPES:
        state.acknowledgements += 1
    if item.problem:
        ctx.report.problems.append(item.problem)
    if item.report is not None:
        ctx.report.orders.append(item.report)
    if item.payments:
        outcome.accepted_sets += 1
        state.accepted += 1
        apply_remitted(ctx, item.payments)
    if item.received_ack is not None:
        record_received_ack(ctx, partner_key(state.opened.reply), item.received_ack)
    if item.order is None:
        return
    outcome.accepted_sets += 1
    state.accepted += 1
    if state.group is not None:
        state.group_accepted += 1
    if state.association_code is None and (item.ack.association_code or "").startswith("EAN"):
        state.association_code = EANCOM_ORDRSP
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
        for message in queue_ordrsps(conn, answer_now(saved, ctx.catalog, pending_ack=False),
                                     state.opened.reply,
                                     association_code=state.association_code,
                                     document_id=ctx.document_id, now=ctx.now):
            ctx.note_outbound(message)
    ctx.report.orders.extend(OrderReport.from_saved(s) for s in saved)


def _end_group(ctx: DocumentContext, state: _Interchange, end: GroupEnd) -> None:
    group, state.group = state.group, None
    for problem in end.problems:
        ctx.report.problems.append(str(problem))
    group.problems.extend(end.problems)
    if end.problems and state.group_accepted:
        # As for the UNZ: a UNE that does not add up around orders we stored is reported,
        # but the group is not called rejected (4) when its orders stand and were answered.
        group.action = Action.ACKNOWLEDGED


def _close(ctx: DocumentContext, state: _Interchange, end: InterchangeEnd | None) -> None:
    if state.rejected:
        return
    _flush(ctx, state)
    problems = end.problems if end else []
    for problem in problems:
        ctx.report.problems.append(str(problem))
    state.ack.problems.extend(problems)
    if problems and state.accepted:
        # A trailer that does not add up, around messages we read and stored: say so, but do
        # not tell the partner the orders were rejected when they were not.
        state.ack.action = Action.ACKNOWLEDGED
    with ctx.transaction() as conn:
        if any(p.segment_tag == "UNZ" and p.code == MISSING for p in problems):
            mark_interchange_incomplete(conn, state.interchange_id, ctx.document_id)
        if state.messages and state.acknowledgements == state.messages:
            return  # only answers to what we sent (CONTRL, APERAK): a CONTRL is never answered
        ctx.note_outbound(queue_contrl(conn, state.opened.reply, state.opened.customer_id,
                                         state.ack, document_id=ctx.document_id, now=ctx.now))
