"""What ops open in the Prefect UI's Artifacts page.

Per run, only when the run did something (an empty poll publishes nothing, so the last useful
version stays on top): the documents and orders of the run, its holds and failures, and the
messages it delivered with their control numbers.

Standing, across runs, a new version only when the content changed:
- ``ordergate-holds``: every open hold with its age, reasons and the commands that resolve it;
- ``ordergate-attention``: failed documents, messages that could not be delivered, and what
  partners' 997/CONTRL rejected.

Names, PO numbers and reasons come from senders: table cells are ``printable`` (controls and
bidi overrides shown escaped), and the Markdown shows them as literal text (``markdown_text``),
so a PO number cannot add a link, an image or a table cell of its own.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import Engine, func, select

from ordergate.orders.numbers import amount_text
from ordergate.flows.story import document_name
from ordergate.printable import markdown_text as _md
from ordergate.printable import printable as _p
from ordergate.processing.report import IngestReport
from ordergate.statuses import DocumentStatus, OutboxStatus
from ordergate.store import tables as t

HOLDS_KEY = "ordergate-holds"
ATTENTION_KEY = "ordergate-attention"
MAX_LISTED = 100  # rows per standing section; the count says how many more


def order_rows(report: IngestReport) -> list[dict[str, str]]:
    rows = []
    for doc in report.documents:
        base = {"document": str(doc.document_id or "-"), "file": _p(document_name(doc)),
                "document status": doc.status}
        if not doc.orders:
            rows.append({**base, "order": "-", "customer": "-", "po": "-", "order status": "-",
                         "total": "-", "note": _p((doc.error or "")[:200])})
        for order in doc.orders:
            rows.append({**base, "order": str(order.order_id or "-"),
                         "customer": _p(order.customer_id or "-"), "po": _p(order.po_number or "-"),
                         "order status": order.status,
                         "total": _p(amount_text(order.total, order.currency)),
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
            lines += [f"## Document {doc.document_id} ({_md(document_name(doc))}) — failed",
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


def publish_outbound(engine: Engine, deliveries: list) -> None:
    """The messages a run delivered or tried: kind, file, customer, control numbers, status."""
    from prefect.artifacts import create_table_artifact

    if not deliveries:
        return
    ids = [item.id for item in deliveries]
    with engine.connect() as conn:
        known = {row.id: row for row in conn.execute(
            select(t.outbox.c.id, t.outbox.c.customer_id, t.outbox.c.partner_id,
                   t.outbox.c.interchange_control, t.outbox.c.group_control)
            .where(t.outbox.c.id.in_(ids)))}
    rows = []
    for item in deliveries:
        row = known.get(item.id)
        control = "/".join(part for part in (row.interchange_control, row.group_control)
                           if part) if row else ""
        rows.append({"message": str(item.id), "kind": item.kind, "file": _p(item.filename),
                     "customer": _p((row.customer_id if row else None) or "-"),
                     "to": _p(item.destination), "control numbers": control or "-",
                     "status": item.status, "error": _p((item.error or "")[:200])})
    create_table_artifact(key="outbound", table=rows,
                          description="Messages this run delivered or tried to deliver")


def refresh_standing(engine: Engine, *, now: datetime | None = None) -> int:
    """Publish the standing holds and attention pages where they changed; how many were."""
    now = now or datetime.now(timezone.utc)
    pages = {HOLDS_KEY: (holds_page(engine, now), "Every open hold, across runs"),
             ATTENTION_KEY: (attention_page(engine, now),
                             "Failed documents, failed deliveries, rejected acknowledgements")}
    return sum(_publish_if_changed(key, markdown, description)
               for key, (markdown, description) in pages.items())


def _publish_if_changed(key: str, markdown: str, description: str) -> bool:
    from prefect.artifacts import Artifact, create_markdown_artifact

    try:
        latest = Artifact.get(key)
        if latest is not None and latest.data == markdown:
            return False
        create_markdown_artifact(key=key, markdown=markdown, description=description)
        return True
    except Exception as exc:  # noqa: BLE001 - the run's work is stored; the page waits
        logging.getLogger("ordergate.flows").warning("could not publish %s: %s", key, exc)
        return False


def _age(since: datetime | None, now: datetime) -> str:
    """Hours or days, so the page changes when a hold changes, not at every run."""
    if since is None:
        return "?"
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    hours = max(int((now - since).total_seconds() // 3600), 0)
    return f"{hours // 24} d" if hours >= 48 else f"{hours} h" if hours else "< 1 h"


def holds_page(engine: Engine, now: datetime) -> str:
    from ordergate.processing.holds import list_holds

    held = list_holds(engine)
    lines = ["# Open holds", ""]
    if not held:
        return "\n".join(lines + ["No order is on hold."])
    lines += [f"{len(held)} order{'s' * (len(held) != 1)} on hold, oldest first.", ""]
    for hold in sorted(held, key=lambda h: (str(h.since), h.order_id))[:MAX_LISTED]:
        since = f"{hold.since:%Y-%m-%d %H:%M} UTC" if hold.since else "?"
        lines.append(f"## PO {_md(hold.po_number or '?')} · {_md(hold.customer_id or '?')} — "
                     f"order {hold.order_id}, held {_age(hold.since, now)} (since {since})")
        lines.append(f"{_md(amount_text(hold.total, hold.currency))} via {_md(hold.channel)}")
        lines += [f"- {_md(reason)}" for reason in hold.reasons] or ["- (no reason recorded)"]
        lines += ["", f"Release: `ordergate holds release {hold.order_id}` · "
                      f"reject: `ordergate holds reject {hold.order_id} --reason \"...\"`", ""]
    if len(held) > MAX_LISTED:
        lines.append(f"… and {len(held) - MAX_LISTED} more: `ordergate holds list`")
    return "\n".join(lines)


def attention_page(engine: Engine, now: datetime) -> str:
    documents, outbox = t.documents, t.outbox
    with engine.connect() as conn:
        failed_docs = conn.execute(
            select(documents.c.id, documents.c.source_ref, documents.c.format, documents.c.error,
                   documents.c.channel, documents.c.sender)
            .where(documents.c.status == DocumentStatus.FAILED)
            .order_by(documents.c.id.desc()).limit(MAX_LISTED)).all()
        failed_docs_count = conn.execute(select(func.count()).select_from(documents).where(
            documents.c.status == DocumentStatus.FAILED)).scalar_one()
        undelivered = conn.execute(
            select(outbox.c.id, outbox.c.kind, outbox.c.destination, outbox.c.filename,
                   outbox.c.status, outbox.c.attempts, outbox.c.last_error,
                   outbox.c.next_attempt_at)
            .where((outbox.c.status == OutboxStatus.FAILED)
                   | ((outbox.c.status == OutboxStatus.PENDING)
                      & outbox.c.last_error.is_not(None)))
            .order_by(outbox.c.id.desc()).limit(MAX_LISTED)).all()
        rejected = conn.execute(
            select(outbox.c.id, outbox.c.kind, outbox.c.destination, outbox.c.filename,
                   outbox.c.ack_detail)
            .where(outbox.c.ack_status == "rejected")
            .order_by(outbox.c.id.desc()).limit(MAX_LISTED)).all()
    lines = ["# Needs attention", ""]
    if not (failed_docs or undelivered or rejected):
        return "\n".join(lines + ["Nothing: no failed document, undelivered message or "
                                  "rejected acknowledgement."])
    if failed_docs:
        lines += [f"## Failed documents ({failed_docs_count})", ""]
        for row in failed_docs:
            name = (f"mail from {row.sender}" if row.channel == "email" and row.sender
                    else row.source_ref.rsplit("/", 1)[-1])
            lines.append(f"- document {row.id} · {_md(name)} ({_md(row.format or 'unknown')}): "
                         f"{_md((row.error or 'failed')[:300])} — fix it, then "
                         f"`ordergate replay {row.id}`")
        lines.append("")
    if undelivered:
        lines += ["## Messages not delivered", ""]
        for row in undelivered:
            state = ("failed for good" if row.status == OutboxStatus.FAILED else
                     f"retrying, next try {row.next_attempt_at:%Y-%m-%d %H:%M} UTC"
                     if row.next_attempt_at else "retrying")
            lines.append(f"- message {row.id} · {row.kind} {_md(row.filename)} to "
                         f"{_md(row.destination)}: {state} after {row.attempts} tries: "
                         f"{_md((row.last_error or '')[:300])}")
        lines.append("")
    if rejected:
        lines += ["## Rejected by the partner", ""]
        for row in rejected:
            lines.append(f"- message {row.id} · {row.kind} {_md(row.filename)} to "
                         f"{_md(row.destination)}: {_md((row.ack_detail or 'rejected')[:300])}")
        lines.append("")
    return "\n".join(lines)
