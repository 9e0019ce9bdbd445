"""Invoicing runs: the shipments not invoiced yet become invoices, each sent the way its
customer ordered, or the way its partner profile says (``invoice_channel``):

- ``edi``: an X12 810 to the address the 850 came from, an EDIFACT INVOIC to the interchange
  the ORDERS came in;
- ``email``: the invoice PDF (a Factur-X e-invoice) in the thread of the PO mail, or to the
  customer's invoice address;
- ``csv``: the PDF by mail to the invoice address and the invoice as a CSV in
  ``outbox/<customer>/``.

Invoices are made in batches, each batch with its messages in one transaction, so an invoice
is never stored unsent or sent twice. ``ordergate invoices run``, the commands that ship, and
the ``invoice-run`` deployment all run this.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from ordergate.billing.invoicing import Invoiced, NotInvoiced, bill_groups, invoice_shipments
from ordergate.formats import DocumentFormat, OrderFormat
from ordergate.masterdata.catalog import Catalog
from ordergate.masterdata.company import load_company
from ordergate.orders.detail import order_heads
from ordergate.orders.model import ReplyAddress
from ordergate.outbox.queue import Queued
from ordergate.processing.pipeline import collector_paused
from ordergate.settings import Settings
from ordergate.store import tables as t

EDI, EMAIL, CSV = "edi", "email", "csv"
BATCH = 500  # invoices per transaction


@dataclass(slots=True)
class InvoiceOut:
    invoiced: Invoiced
    channel: str = ""
    outbound: list[Queued] = field(default_factory=list)
    problem: str | None = None  # why it could not be sent (it is made and stays open)


@dataclass(slots=True)
class InvoiceRun:
    invoices: list[InvoiceOut] = field(default_factory=list)
    not_invoiced: list[NotInvoiced] = field(default_factory=list)


def run_invoicing(engine: Engine, settings: Settings, *, actor: str, now: datetime,
                  shipment_ids: list[int] | None = None) -> InvoiceRun:
    """Invoice every shipment not invoiced yet (or those of ``shipment_ids``): one invoice per
    shipment, or per day for the customers whose profile says ``invoice_policy: daily``."""
    # Thousands of invoices are thousands of short-lived objects each (lines, segments, JSON)
    # that reference counting frees: the cyclic collector walking them was a tenth of a run.
    with collector_paused():
        return _run_invoicing(engine, settings, actor=actor, now=now, shipment_ids=shipment_ids)


def _run_invoicing(engine: Engine, settings: Settings, *, actor: str, now: datetime,
                   shipment_ids: list[int] | None) -> InvoiceRun:
    run = InvoiceRun()
    with engine.connect() as conn:
        company = load_company(conn)  # no company: a ConfigError before anything is begun
        catalog = Catalog.load(conn)
        days = _daily_keys(conn, catalog, shipment_ids)
        pending = _pending(conn, shipment_ids)
    for chunk in _chunks(pending, days):
        with engine.begin() as conn:
            catalog = Catalog.load(conn)
            made, refused = invoice_shipments(conn, company, catalog, shipment_ids=chunk,
                                              now=now, actor=actor,
                                              together=lambda row: days.get(row.id))
            items = [InvoiceOut(invoiced) for invoiced in made]
            if items:
                send(conn, settings, catalog, items, now=now)
        run.invoices.extend(items)
        run.not_invoiced.extend(refused)
    return run


def _not_invoiced(query, shipment_ids: list[int] | None):
    query = (query.outerjoin(t.invoice_shipments,
                             t.invoice_shipments.c.shipment_id == t.shipments.c.id)
             .where(t.invoice_shipments.c.shipment_id.is_(None)))
    return query if shipment_ids is None else query.where(t.shipments.c.id.in_(shipment_ids))


def _pending(conn: Connection, shipment_ids: list[int] | None) -> list[int]:
    if shipment_ids is not None and not shipment_ids:
        return []
    return list(conn.execute(_not_invoiced(select(t.shipments.c.id), shipment_ids)
                             .order_by(t.shipments.c.id)).scalars())


def _daily_keys(conn: Connection, catalog: Catalog,
                shipment_ids: list[int] | None) -> dict[int, tuple]:
    """The shipments of daily-invoiced customers not invoiced yet, each with the key of the
    invoice that bills it: the customer, the ship date and the currency — one invoice per
    customer per day — and, for customers invoiced by EDI, the order too: an 810's BIG and an
    INVOIC's RFF+ON name one purchase order, so an EDI customer's day is an invoice per PO."""
    daily = sorted(customer_id for customer_id, profile in catalog.profiles.items()
                   if profile.invoice_policy == "daily")
    if not daily or (shipment_ids is not None and not shipment_ids):
        return {}
    query = _not_invoiced(
        select(t.shipments.c.id, t.shipments.c.ship_date, t.orders.c.id.label("order_id"),
               t.orders.c.customer_id, t.orders.c.currency, t.orders.c.format,
               t.documents.c.format.label("document_format"))
        .join(t.orders, t.orders.c.id == t.shipments.c.order_id)
        .outerjoin(t.documents, t.documents.c.id == t.orders.c.document_id), shipment_ids)
    keys = {}
    for row in conn.execute(query.where(t.orders.c.customer_id.in_(daily))):
        per_order = invoice_channel(row, row.document_format, catalog) == EDI
        keys[row.id] = (row.customer_id, row.ship_date, row.currency or "",
                        row.order_id if per_order else None)
    return keys


def _chunks(pending: list[int], days: dict[int, tuple]) -> list[list[int]]:
    """``pending`` in transactions of about ``BATCH`` shipments, each day's invoice whole in
    one (a day of more than ``BATCH`` shipments is a transaction of its own)."""
    chunks: list[list[int]] = [[]]
    for group in bill_groups(pending, days.get):
        if chunks[-1] and len(chunks[-1]) + len(group) > BATCH:
            chunks.append([])
        chunks[-1].extend(group)
    return [chunk for chunk in chunks if chunk]


def invoice_channel(order, document_format: str | None, catalog: Catalog) -> str:
    profile = catalog.profile(order.customer_id)
    if profile is not None and profile.invoice_channel:
        return profile.invoice_channel
    if order.format in (OrderFormat.X12_850, OrderFormat.EDIFACT_ORDERS):
        return EDI
    return EMAIL if document_format == DocumentFormat.EMAIL else CSV


def send(conn: Connection, settings: Settings, catalog: Catalog, items: list[InvoiceOut], *,
         now: datetime) -> None:
    formats = dict(conn.execute(select(t.documents.c.id, t.documents.c.format).where(
        t.documents.c.id.in_(sorted({i.invoiced.order.document_id for i in items})))).all())
    by_channel: dict[str, list[InvoiceOut]] = defaultdict(list)
    for item in items:
        order = item.invoiced.order
        item.channel = invoice_channel(order, formats.get(order.document_id), catalog)
        by_channel[item.channel].append(item)
    if by_channel[EDI]:
        _edi(conn, settings, by_channel[EDI], now=now)
    mailed = by_channel[EMAIL] + by_channel[CSV]
    if mailed:
        from ordergate.processing.email.invoices import queue_invoice_mails

        queue_invoice_mails(conn, settings, catalog, mailed, now=now)
    if by_channel[CSV]:
        from ordergate.processing.tabular.invoices import queue_csv_invoices

        queue_csv_invoices(conn, by_channel[CSV], now=now)


def _edi(conn: Connection, settings: Settings, items: list[InvoiceOut], *, now: datetime) -> None:
    from ordergate.processing.edifact.invoices import queue_invoics
    from ordergate.processing.x12.replies import queue_810s

    x12: dict[tuple, list[InvoiceOut]] = defaultdict(list)
    replies: dict[tuple, ReplyAddress] = {}  # each group's address, as its first order gave it
    edifact: list[InvoiceOut] = []
    for item in items:
        order = item.invoiced.order
        if order.format == OrderFormat.X12_850:
            found = order_heads(order.detail).reply_to
            if found is None:
                item.problem = "the order has no X12 reply address, so no 810 was sent"
                continue
            key = tuple(sorted(found.model_dump().items()))
            replies.setdefault(key, found)
            x12[key].append(item)
        elif order.format == OrderFormat.EDIFACT_ORDERS:
            edifact.append(item)
        else:
            item.problem = (f"the profile asks for EDI invoices, but order {order.order_id} came "
                            f"as {order.format}: no 810 or INVOIC can be addressed")
    for key, group in x12.items():
        reply = replies[key]
        queued = queue_810s(conn, [item.invoiced.invoice for item in group], reply,
                            our_id=tuple(settings.our_x12), now=now)
        for item in group:
            item.outbound.extend(queued)
    if edifact:
        queue_invoics(conn, settings, edifact, now=now)


def invoice_shipped(engine: Engine, settings: Settings, shipment_ids: list[int], *, actor: str,
                    now: datetime) -> tuple[InvoiceRun | None, str | None]:
    """Invoice the shipments just recorded whose customers are invoiced per shipment; the rest
    wait for the daily ``invoice-run``. Without a company profile nothing is invoiced and the
    second value says so (the shipments stay uninvoiced until the profile is loaded)."""
    from ordergate.errors import ConfigError

    with engine.connect() as conn:
        catalog = Catalog.load(conn)
        customers = dict(conn.execute(select(t.shipments.c.id, t.orders.c.customer_id)
                                      .join(t.orders, t.orders.c.id == t.shipments.c.order_id)
                                      .where(t.shipments.c.id.in_(shipment_ids))).all())
    now_ids = [sid for sid in shipment_ids if (profile := catalog.profile(customers.get(sid, "")))
               is None or profile.invoice_policy == "per_shipment"]
    if not now_ids:
        return None, None
    try:
        return run_invoicing(engine, settings, actor=actor, now=now, shipment_ids=now_ids), None
    except ConfigError as exc:
        return None, f"not invoiced yet: {exc}"
