"""What each flow run shows ops in the Prefect UI: a table of documents and orders, and every
hold with its reason.

Names, PO numbers and reasons come from senders: table cells are ``printable`` (controls and
bidi overrides shown escaped), and the Markdown page shows them as literal text
(``markdown_text``), so a PO number cannot add a link, an image or a table cell of its own.
"""

from __future__ import annotations

from ordergate.printable import markdown_text as _md
from ordergate.printable import printable as _p
from ordergate.processing.report import IngestReport


def order_rows(report: IngestReport) -> list[dict[str, str]]:
    rows = []
    for doc in report.documents:
        base = {"document": str(doc.document_id or "-"), "file": _p(doc.path.rsplit("/", 1)[-1]),
                "document status": doc.status}
        if not doc.orders:
            rows.append({**base, "order": "-", "customer": "-", "po": "-", "order status": "-",
                         "total": "-", "note": _p((doc.error or "")[:200])})
        for order in doc.orders:
            rows.append({**base, "order": str(order.order_id or "-"),
                         "customer": _p(order.customer_id or "-"), "po": _p(order.po_number or "-"),
                         "order status": order.status,
                         "total": _p(f"{order.total} {order.currency or ''}".strip())
                         if order.total is not None else "-",
                         "note": _p("; ".join(order.hold_reasons)[:200])})
    return rows


def holds_markdown(report: IngestReport) -> str:
    lines = ["# Holds and rejections", ""]
    count = 0
    for doc in report.documents:
        for order in doc.orders:
            if order.status in ("held", "rejected"):
                count += 1
                lines.append(f"## PO {_md(order.po_number or '?')} "
                             f"({_md(order.customer_id or 'unknown customer')}) "
                             f"— {order.status}, order {order.order_id or '-'}, document {doc.document_id}")
                lines += ([f"- {_md(reason)}" for reason in order.hold_reasons]
                          or ["- (no reason recorded)"])
                lines.append("")
        if doc.status == "failed":
            count += 1
            lines += [f"## Document {doc.document_id} ({_md(doc.path.rsplit('/', 1)[-1])}) — failed",
                      f"- {_md(doc.error)}", ""]
    if not count:
        lines.append("No holds, rejections or failed documents in this run.")
    return "\n".join(lines)


def publish(report: IngestReport, *, key_prefix: str) -> None:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    rows = order_rows(report)
    create_table_artifact(key=f"{key_prefix}-orders", table=rows or [{"document": "none"}],
                          description="Documents and orders in this run")
    create_markdown_artifact(key=f"{key_prefix}-holds", markdown=holds_markdown(report),
                             description="Every hold, rejection and failed document with its reason")
