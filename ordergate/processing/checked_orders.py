"""Orders a channel has read in this process (mail attachments, spreadsheets): checked, stored
and acknowledged in one transaction. X12 and EDIFACT prepare theirs in a second process and
store them in their intakes' own batches."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from ordergate.orders.checks import check_order
from ordergate.orders.model import SalesOrder
from ordergate.orders.prepared import prepare_order
from ordergate.orders.store import SavedOrder, save_orders
from ordergate.outbox.queue import Queued
from ordergate.processing.context import DocumentContext
from ordergate.processing.report import OrderReport

Acknowledge = Callable[[Connection, list[SavedOrder]], list[Queued]]


def store_checked(ctx: DocumentContext, orders: list[SalesOrder],
                  acknowledge: Acknowledge) -> list[SavedOrder]:
    """Check and store ``orders``; ``acknowledge`` queues their answers in the same
    transaction, so an order and its acknowledgement exist together or not at all."""
    prepared = [prepare_order(check_order(order, ctx.catalog)) for order in orders]
    with ctx.transaction() as conn:
        saved = save_orders(conn, ctx.document_id, prepared, now=ctx.now, actor=ctx.actor,
                            catalog=ctx.catalog)
        for message in acknowledge(conn, saved):
            ctx.note_outbound(message)
    ctx.report.orders.extend(OrderReport.from_saved(item) for item in saved)
    return saved
