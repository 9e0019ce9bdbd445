"""Storing one CSV/XLSX/XLS order file: whose orders they are, the checked orders, the CSV ack.

A table does not say who sent it the way an X12 envelope does, so the customer comes from a
customer_id column, else from the hint the document arrived with (the drop folder
``inbox/<customer_id>/`` or ``ordergate ingest --customer``). A hint naming no known customer
fails the document (a misnamed folder would otherwise attach orders to nobody); a PO whose
customer is unknown or missing gets no order, and the file's other POs carry on.

Each PO becomes a checked order; orders are saved in batches of ``settings.store_batch_size``,
each batch in one transaction with its CSV acknowledgement to ``outbox/<customer_id>/``, so an
order is never stored unanswered. POs the file's rows kept from becoming orders are listed in
the first acknowledgement too, so the customer learns about them without asking; a file refused
whole is answered with one row saying why, when its customer is known from the hint.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from sqlalchemy import Connection

from ordergate.errors import DocumentError
from ordergate.mappings.tabular_orders import TabularResult, orders_from_table
from ordergate.masterdata.catalog import Catalog
from ordergate.orders.model import SalesOrder
from ordergate.orders.store import FAILED, PROCESSED, SavedOrder
from ordergate.outbox.kinds import CSV_ACK
from ordergate.outbox.queue import OutboundMessage, Queued, queue_messages
from ordergate.processing.checked_orders import store_checked
from ordergate.processing.context import DocumentContext
from ordergate.processing.report import OrderReport
from ordergate.sinks.csv import (
    AckRow,
    render_csv_ack,
    row_for_rejected_po,
    rows_for_order,
)

ACK_KIND = CSV_ACK.name
HOW_TO_NAME_A_CUSTOMER = ("add a customer_id column, drop the file into inbox/<customer_id>/, "
                          "or run: ordergate ingest FILE --customer <customer_id>")
# How the tabular mapping names the rows of a PO it refused, and where a row's problem is.
_REFUSED_ROWS = re.compile(r"^PO (?P<po>.*): no order made, because of the problems on rows? "
                           r"(?P<rows>[\d, ]+)$")
_PROBLEM_ROW = re.compile(r"^(?:sheet '[^']*', )?row (\d+)\b")


class UnknownCustomer(DocumentError):
    """The customer the file arrived for is not in the master data."""


class NoCustomer(DocumentError):
    """Nothing says whose orders the file holds."""


def process_tabular(ctx: DocumentContext, content: bytes) -> tuple[str, str | None]:
    hinted = _hinted_customer(ctx)
    name = PurePath(ctx.report.path).name
    try:
        table = _read_orders(ctx, content, name, hinted)
    except DocumentError as exc:
        if hinted is not None:  # the customer learns the file was refused, and why
            _answer_refused_file(ctx, str(exc), hinted, name)
        raise
    if hinted is None and table.orders and all(o.customer_id is None for o in table.orders):
        raise NoCustomer(f"{name}: no customer for this file: no row names one and the file came "
                         f"without one; {HOW_TO_NAME_A_CUSTOMER}")

    orders: list[SalesOrder] = []
    refused: list[tuple[str, str]] = [(po, _refusal_reason(po, table.problems))
                                      for po in table.rejected]
    problems = list(table.problems)
    for order in table.orders:
        problem = _customer_problem(ctx.catalog, order)
        if problem is None:
            orders.append(order)
        else:
            problems.append(problem)
            refused.append((order.po_number, problem))
    ctx.report.problems.extend(problems)

    # Refused POs are answered to the one customer the file is known to be from; a file mixing
    # customers without a hint leaves that unknown, and they are only reported.
    customers = {order.customer_id for order in orders}
    file_customer = hinted or (customers.pop() if len(customers) == 1 else None)
    ctx.report.orders.extend(OrderReport.rejected(po, file_customer, po, [reason])
                             for po, reason in refused)
    rejected_rows = [row_for_rejected_po(po, reason) for po, reason in refused]
    saved = _store(ctx, orders, rejected_rows if file_customer else [], file_customer, name)
    if saved:
        return PROCESSED, None
    return FAILED, "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)"
                                              if len(problems) > 3 else "")


# ---------------------------------------------------------------- whose file
def _hinted_customer(ctx: DocumentContext) -> str | None:
    hint = ctx.customer_hint
    if hint is None:
        return None
    if hint in ctx.catalog.customers:
        return hint
    raise UnknownCustomer(f"{ctx.hint_origin()} names customer '{hint}', which is "
                          f"not a known customer (customers.csv){_did_you_mean(ctx.catalog, hint)}")


def _did_you_mean(catalog: Catalog, customer_id: str) -> str:
    """Folder names are typed by hand; a case slip is the usual mistake."""
    folded = customer_id.casefold()
    for known in catalog.customers:
        if known.casefold() == folded:
            return f"; did you mean '{known}'?"
    return ""


def _customer_problem(catalog: Catalog, order: SalesOrder) -> str | None:
    """Why the order's customer cannot be used, or None. A hinted customer is known already,
    so an unknown one here came from the file's customer column."""
    customer_id = order.customer_id
    row = order.lines[0].source_position if order.lines else None
    where = f"row {row}, " if row is not None else ""
    if customer_id is None:
        return (f"PO {order.po_number}: no customer ({where}the customer column is empty and the "
                f"file came without one); {HOW_TO_NAME_A_CUSTOMER}")
    if customer_id not in catalog.customers:
        return (f"PO {order.po_number}: customer '{customer_id}' ({where}customer column) is not "
                f"a known customer (customers.csv){_did_you_mean(catalog, customer_id)}")
    return None


def _read_orders(ctx: DocumentContext, content: bytes, name: str,
                 hinted: str | None) -> TabularResult:
    profile = ctx.catalog.profile(hinted)
    try:
        return orders_from_table(content, channel=ctx.channel, source_name=name,
                                 customer_id=hinted,
                                 column_map=profile.column_map if profile else None,
                                 budget=ctx.settings.parse_budget)
    except DocumentError as exc:
        if hinted is not None:
            raise
        # The customer's column map may be what reads this layout; without a customer none was
        # tried, and the person fixing this should know.
        raise DocumentError(f"{exc} (the file came without a customer, so no customer's column "
                            f"map was tried: drop it into inbox/<customer_id>/ or use "
                            f"--customer)") from exc


def _refusal_reason(po_number: str, problems: list[str]) -> str:
    """The mapping's summary for a refused PO, with the problems of the rows it names."""
    for problem in problems:
        match = _REFUSED_ROWS.match(problem)
        if match and match["po"] == po_number:
            rows = {int(n) for n in re.findall(r"\d+", match["rows"])}
            details = [p for p in problems if (m := _PROBLEM_ROW.match(p)) and int(m[1]) in rows]
            return "; ".join([problem, *details])
    return f"PO {po_number}: no order made"


# ---------------------------------------------------------------- storing and answering
def _store(ctx: DocumentContext, orders: list[SalesOrder], rejected_rows: list[AckRow],
           file_customer: str | None, name: str) -> list[SavedOrder]:
    size = max(1, ctx.settings.store_batch_size)
    batches = [orders[start:start + size] for start in range(0, len(orders), size)] or [[]]
    stored: list[SavedOrder] = []
    for number, batch in enumerate(batches, start=1):
        refused = rejected_rows if number == 1 else []
        if not batch and not refused:
            continue
        stored.extend(store_checked(ctx, batch, lambda conn, saved, refused=refused, number=number:
                                    _queue_acks(conn, ctx, saved, refused, file_customer,
                                                str(number), name)))
    return stored


def _answer_refused_file(ctx: DocumentContext, reason: str, customer_id: str, name: str) -> None:
    """A key of its own: once the cause is fixed (say, a column map added) and the document
    replayed, the orders' acknowledgement must not be taken for this one already queued."""
    with ctx.transaction() as conn:
        for message in _queue_acks(conn, ctx, [], [row_for_rejected_po("", reason)], customer_id,
                                   "refused", name):
            ctx.note_outbound(message)


def _queue_acks(conn: Connection, ctx: DocumentContext, saved: list[SavedOrder],
                refused: list[AckRow], file_customer: str | None, batch: str,
                name: str) -> list[Queued]:
    """One acknowledgement per customer of the batch. The key is the document, batch and
    customer: a rerun cuts the same batches, so it finds its acks queued and adds none."""
    by_customer: dict[str, tuple[list[SavedOrder], list[AckRow]]] = {}
    for item in saved:  # in file order: the ack reads like the file it answers
        by_customer.setdefault(item.order.customer_id or "", ([], []))[0].append(item)
    if refused and file_customer:
        by_customer.setdefault(file_customer, ([], []))[1].extend(refused)
    stem = PurePath(name).stem or "orders"
    suffix = "" if batch == "1" else f"_{batch}"
    messages = []
    for customer_id, (items, refused_rows) in by_customer.items():
        rows = [row for item in items for row in rows_for_order(item)] + refused_rows
        messages.append(OutboundMessage(
            dedupe_key=f"{ACK_KIND}:{ctx.document_id}:{batch}:{customer_id}", kind=ACK_KIND,
            partner_id=f"customer:{customer_id}", customer_id=customer_id,
            destination=customer_id, filename=f"{stem}_ack_{ctx.document_id}{suffix}.csv",
            payload=render_csv_ack(rows), document_id=ctx.document_id,
            order_id=items[0].order_id if len(items) == 1 and items[0].outcome == "new" else None,
            acknowledges=tuple((item.order_id, str(position))
                               for position, item in enumerate(items, start=1)
                               if item.outcome == "new")))
    return queue_messages(conn, messages, ctx.now)
