"""A return recorded and its credit note sent in one transaction, the way the customer's
invoices go (``processing.invoices.send``): a credit memo 810 (BIG07 CR), an INVOIC 381, or a
Factur-X credit note by mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from ordergate.billing.invoicing import Invoiced
from ordergate.billing.returns import Returned, ReturnLine, create_return
from ordergate.masterdata.catalog import Catalog
from ordergate.masterdata.company import load_company
from ordergate.processing.invoices import InvoiceOut, send
from ordergate.settings import Settings


def record_return(engine: Engine, settings: Settings, order_id: int, lines: list[ReturnLine], *,
                  reason: str, restock: bool, actor: str,
                  now: datetime) -> tuple[Returned, InvoiceOut]:
    with engine.begin() as conn:
        company = load_company(conn)
        catalog = Catalog.load(conn)
        returned = create_return(conn, company, catalog, order_id, lines, reason=reason,
                                 restock=restock, actor=actor, now=now)
        item = InvoiceOut(Invoiced(returned.credit_note, returned.order))
        send(conn, settings, catalog, [item], now=now)
    return returned, item
