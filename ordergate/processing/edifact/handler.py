"""EDIFACT in the format registry: an interchange starting with UNA/UNB, answered with
CONTRL and ORDRSP."""

from __future__ import annotations

from functools import partial

from ordergate.formats import DocumentFormat, OrderFormat
from ordergate.outbox.queue import Queued
from ordergate.parsers import sniff
from ordergate.parsers.edifact import InterchangeHeader, iter_edifact
from ordergate.processing.context import DocumentContext
from ordergate.processing.edi_senders import foreign_senders
from ordergate.processing.edifact.intake import process_edifact
from ordergate.processing.edifact.replies import queue_ordrsps
from ordergate.processing.handlers import FormatHandler, Processed, Resolution
from ordergate.processing.outcome import document_status
from ordergate.sinks.edifact import reply_from_unb


def _process(ctx: DocumentContext, content: bytes) -> Processed:
    return document_status(process_edifact(ctx, content), ctx.report)


def _answer_resolved(res: Resolution) -> list[Queued]:
    """An ORDRSP addressed from the order's own interchange header, read again from the
    stored bytes (empty when ``res.content`` is another interchange)."""
    # source_key is "<UNB 0020>/<UNG 0048>/<UNH 0062>": the first part names the interchange.
    reference = res.saved.order.source_key.split("/", 1)[0]
    ours = res.settings.our_edifact
    for event in iter_edifact(res.content):
        if isinstance(event, InterchangeHeader) and event.present and \
                event.control_reference == reference:
            reply = reply_from_unb(event.segment, our_id=ours.ident, our_qualifier=ours.qualifier)
            return queue_ordrsps(res.conn, [res.saved], reply, association_code=None,
                                 document_id=res.document_id, now=res.now, occasion=res.occasion)
    return []


EDIFACT = FormatHandler(
    name=DocumentFormat.EDIFACT, detect=sniff.is_edifact, process=_process,
    read_interchanges=process_edifact,
    foreign_senders=partial(foreign_senders, kind=DocumentFormat.EDIFACT),
    answer_resolved=_answer_resolved, answer_resolved_in_mail=_answer_resolved,
    order_formats=(OrderFormat.EDIFACT_ORDERS,))
