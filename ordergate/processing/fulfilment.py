"""Fulfilment commands over the database: pick lists written to ``ORDERGATE_HOME/picking/``,
orders cancelled and the customer told, goods received into stock.

Each runs in one transaction; the files of a pick list are written after it commits (a pick
list whose files could not be written is still recorded, and ``ordergate pick`` says where
they failed to go).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from ordergate.fulfilment.cancelling import cancel_order
from ordergate.fulfilment.model import PickList
from ordergate.fulfilment.picking import make_pick_list
from ordergate.fulfilment.receiving import FilledLine, Receipt, fill_from_freed, receive
from ordergate.outbox.queue import Queued, write_atomically
from ordergate.processing.hold_replies import answerable, queue_resolution
from ordergate.settings import Settings
from ordergate.statuses import OrderStatus


@dataclass(slots=True)
class PickListFiles:
    pick_list: PickList
    pdf: Path
    csv: Path


def pick(engine: Engine, settings: Settings, *, order_ids: list[int] | None, actor: str,
         now: datetime) -> PickListFiles | None:
    from ordergate.sinks.picking import render_pick_list_csv, render_pick_list_pdf

    with engine.begin() as conn:
        pick_list = make_pick_list(conn, order_ids=order_ids, actor=actor, now=now)
    if pick_list is None:
        return None
    folder = settings.home / "picking"
    folder.mkdir(parents=True, exist_ok=True)
    pdf, csv = folder / f"{pick_list.pick_list_id}.pdf", folder / f"{pick_list.pick_list_id}.csv"
    write_atomically(csv, render_pick_list_csv(pick_list))
    write_atomically(pdf, render_pick_list_pdf(pick_list))
    return PickListFiles(pick_list, pdf, csv)


@dataclass(slots=True)
class Cancelled:
    order_id: int
    po_number: str
    status: str
    outbound: list[Queued] = field(default_factory=list)
    # backordered lines of other orders that got the stock this one gave back
    filled: list[FilledLine] = field(default_factory=list)


def cancel(engine: Engine, settings: Settings, order_id: int, *, reason: str, actor: str,
           now: datetime) -> Cancelled:
    """Cancel the order and queue the customer's answer in the same transaction."""
    with engine.begin() as conn:
        prepared, freed = cancel_order(conn, order_id, reason=reason, actor=actor, now=now)
        saved = answerable(prepared, order_id, OrderStatus.CANCELLED)
        outbound = queue_resolution(conn, settings, saved, now=now, occasion=":cancelled")
        filled = fill_from_freed(conn, freed, reference=f"order {order_id} cancelled")
    return Cancelled(order_id, prepared.po_number, OrderStatus.CANCELLED, outbound, filled)


def receive_stock(engine: Engine, receipts: list[Receipt], *, actor: str,
                  now: datetime) -> list[FilledLine]:
    with engine.begin() as conn:
        return receive(conn, receipts, actor=actor, now=now)
