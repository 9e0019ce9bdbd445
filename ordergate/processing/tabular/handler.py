"""Order tables in the format registry: CSV, XLSX and XLS files, answered with a CSV
acknowledgement; and the zip archive that is not a workbook, which is refused.

pandas is imported when a table arrives, not by every command that imports the registry.
"""

from __future__ import annotations

from pathlib import PurePath

from ordergate.formats import DocumentFormat, OrderFormat
from ordergate.outbox.kinds import CSV_ACK
from ordergate.outbox.queue import OutboundMessage, Queued, queue_messages
from ordergate.parsers import sniff
from ordergate.parsers.email import Attachment
from ordergate.processing.context import DocumentContext
from ordergate.processing.handlers import (
    AttachedTo,
    AttachmentOrders,
    FormatHandler,
    Processed,
    Resolution,
)


def _process(ctx: DocumentContext, content: bytes) -> Processed:
    from ordergate.processing.tabular.intake import process_tabular

    return process_tabular(ctx, content)


def _read_attached(attachment: Attachment, to: AttachedTo) -> AttachmentOrders:
    """The table's orders; source keys start with the attachment's position in the mail, so
    two attachments carrying the same PO number stay apart until the duplicate check sees them."""
    from ordergate.mappings.tabular_orders import orders_from_table

    table = orders_from_table(attachment.content, channel=to.channel, source_name=attachment.name,
                              customer_id=to.customer_id,
                              column_map=to.profile.column_map if to.profile else None,
                              budget=to.budget)
    result = AttachmentOrders()
    for order in table.orders:
        order.source_key = f"{attachment.index}/{order.source_key}"
        order.partner_id = f"email:{to.customer_id}"
        result.orders.append(order)
    label = f"attachment {attachment.index} ({attachment.name})"
    result.problems.extend(f"{label}: {problem}" for problem in table.problems)
    return result


def _answer_resolved(res: Resolution) -> list[Queued]:
    """A CSV acknowledgement of the one order, to the customer's outbox folder."""
    from ordergate.sinks.csv import render_csv_ack, rows_for_order

    saved = res.saved
    customer_id = saved.order.customer_id or "unknown"
    stem = PurePath(res.source_ref).stem or "orders"
    message = OutboundMessage(
        dedupe_key=f"{CSV_ACK.name}:{res.document_id}:{saved.order.source_key}{res.occasion}",
        kind=CSV_ACK.name, partner_id=f"customer:{customer_id}", customer_id=customer_id,
        destination=customer_id,
        filename=f"{stem}_ack_{res.document_id}_order_{saved.order_id}.csv",
        payload=render_csv_ack(rows_for_order(saved)), document_id=res.document_id,
        order_id=saved.order_id, acknowledges=((saved.order_id, "1"),))
    return queue_messages(res.conn, [message], res.now)


def _table(name: DocumentFormat, detect, detect_attached=None) -> FormatHandler:
    return FormatHandler(name=name, detect=detect, detect_attached=detect_attached,
                         process=_process, read_attached=_read_attached,
                         answer_resolved=_answer_resolved, order_formats=(OrderFormat(name),))


# A dropped text file is an order table only when it names order columns or holds numbers
# below its first row (two lines of prose with a comma each split evenly too); in a mail,
# any table is looked at, and one without orders is reported as such.
CSV = _table(DocumentFormat.CSV, lambda content: sniff.looks_like_csv(content) and
             sniff.looks_like_order_table(content), detect_attached=sniff.looks_like_csv)
XLSX = _table(DocumentFormat.XLSX, sniff.is_xlsx)
XLS = _table(DocumentFormat.XLS, sniff.is_xls)
# An archive that is not a workbook: recognised so the reason it is refused can say what it is.
ZIP = FormatHandler(name=DocumentFormat.ZIP, detect=sniff.is_zip)
