"""X12 in the format registry: an interchange starting with ISA, answered with 997/855/TA1."""

from __future__ import annotations

from functools import partial

from ordergate.formats import DocumentFormat, OrderFormat
from ordergate.orders.model import SalesOrder
from ordergate.outbox.queue import Queued
from ordergate.parsers import sniff
from ordergate.processing.context import DocumentContext
from ordergate.processing.edi_senders import foreign_senders
from ordergate.processing.handlers import FormatHandler, Processed, Resolution
from ordergate.processing.outcome import document_status
from ordergate.processing.x12.intake import process_x12
from ordergate.processing.x12.replies import queue_855s


def _process(ctx: DocumentContext, content: bytes) -> Processed:
    return document_status(process_x12(ctx, content), ctx.report)


def _answer_resolved(res: Resolution) -> list[Queued]:
    """An 855 to the address the order's envelope gave (kept in the order's detail)."""
    reply = SalesOrder.model_validate_json(res.saved.order.detail).reply_to
    if reply is None:
        return []
    return queue_855s(res.conn, [res.saved], reply, document_id=res.document_id, now=res.now,
                      occasion=res.occasion)


X12 = FormatHandler(
    name=DocumentFormat.X12, detect=sniff.is_x12, process=_process, read_interchanges=process_x12,
    foreign_senders=partial(foreign_senders, kind=DocumentFormat.X12),
    answer_resolved=_answer_resolved, answer_resolved_in_mail=_answer_resolved,
    order_formats=(OrderFormat.X12_850,), reads_maps=True)
