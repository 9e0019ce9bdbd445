"""Everything a command prints: JSON, aligned tables, messages and the ingest summary.

Text that came from a sender is escaped on the way out (``ordergate.printable``): a table
cell always, a message's values where they are put in; JSON is ASCII (``\\u001b``), which is
valid and gives the text back exactly.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ordergate.printable import printable as p
from ordergate.printable import printable_lines

__all__ = ["p", "print_json", "say", "table", "listing", "print_report", "render_ingest_summary",
           "source_name", "qty", "size", "invoice_entries", "outbound_paths"]


def to_jsonable(value):
    """dataclasses, Decimals and dates as JSON-friendly values."""
    from ordergate.orders.queries import to_jsonable as convert

    return convert(value)


def print_json(value) -> None:
    # ensure_ascii (the default): every control and non-ASCII character is a \u escape, so the
    # JSON is valid and nothing a sender wrote reaches the terminal raw
    json.dump(to_jsonable(value), sys.stdout, indent=2, ensure_ascii=True)
    sys.stdout.write("\n")


def say(text: str, **print_options) -> None:
    """Print a message we composed: its line breaks stand, any other control or format
    character a value brought along is shown escaped (values that may hold line breaks are
    passed through ``p`` where they are put in)."""
    print(printable_lines(text), **print_options)


def table(rows: list[list], headers: list[str]) -> str:
    """Aligned columns; every cell escaped (``printable``), a line break in one too."""
    rows = [[p(cell) for cell in row] for row in rows]
    widths = [max(len(x) for x in col) for col in zip(headers, *rows)] if rows else [len(h) for h in headers]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def clip(text: str | None, width: int) -> str:
    """``text`` cut to ``width`` characters for a list's column, ending in "…" when it was
    cut, so that nobody reads a cut reason as the whole of it (``show`` gives it all)."""
    text = text or ""
    return text if len(text) <= width else text[:width - 1] + "…"


def listing(args, key: str, items: list, headers: list[str], row) -> None:
    """Print ``items`` as JSON ({key: [...]}) with --json, else as a table of ``row(item)``."""
    if args.json:
        print_json({key: items})
    else:
        say(table([row(item) for item in items], headers))


def print_report(args, report) -> None:
    """An ingest report (ingest, replay, poll, mail poll): ``to_json`` or the summary table."""
    if args.json:
        report.write_json(sys.stdout)
        sys.stdout.write("\n")
    else:
        say(render_ingest_summary(report))


_MAIL_SOURCE = re.compile(r"(?:imaps?|maildir):.*;UID=([^/;]+)")


def source_name(source_ref: str) -> str:
    """A document's source, short: a mail's is an IMAP or Maildir URL ending in ;UID=..., and
    the UID names it best; a file's is its name."""
    mail = _MAIL_SOURCE.fullmatch(source_ref)
    return f"mail {mail.group(1)}" if mail else Path(source_ref).name


MAX_REASONS = 50  # "why" lines in a summary; the rest are counted and found with orders list


def render_ingest_summary(report) -> str:
    rows = []
    for doc in report.documents:
        counts = doc.orders.counts()
        name = (f"mail {clip(doc.title, 60)}" if doc.title and _MAIL_SOURCE.fullmatch(doc.path)
                else source_name(doc.path))
        rows.append([doc.document_id or "-", name, doc.format or "-", doc.status,
                     counts.get("accepted", 0), counts.get("held", 0), counts.get("rejected", 0),
                     counts.get("duplicate", 0), len(doc.outbound), clip(doc.error, 70)])
    text = table(rows, ["doc", "file", "format", "status", "accepted", "held", "rejected",
                        "duplicate", "outbound", "error"])
    reasons = [f"  doc {doc.document_id}: {p(doc.error)}" for doc in report.documents if doc.error]
    attention = [order for doc in report.documents for order in doc.orders
                 if order.status in ("held", "rejected")][:MAX_REASONS]
    reasons += [f"  PO {p(order.po_number)} ({order.status}): {p(reason)}"
                for order in attention for reason in order.hold_reasons]
    unlisted = sum(doc.orders.count("held") + doc.orders.count("rejected")
                   for doc in report.documents) - len(attention)
    if unlisted:
        reasons.append(f"  ... and {unlisted} more held or rejected orders: "
                       f"ordergate orders list --status held (or rejected)")
    if reasons:
        text += "\nwhy:\n" + "\n".join(reasons)
    totals = report.order_counts()
    outbound = sum(len(d.outbound) for d in report.documents)
    footer = (f"{len(report.documents)} documents; orders: " +
              ", ".join(f"{v} {k}" for k, v in totals.items()) + f"; {outbound} outbound documents")
    return f"{text}\n{footer}"


def qty(value) -> str:
    from ordergate.orders.numbers import tidy_quantity

    return "-" if value is None else format(tidy_quantity(value), "f")


def size(count: int) -> str:
    return f"{count / 1e6:,.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def invoice_entries(settings, run) -> list[dict]:
    """What an invoicing run made, as the commands print it."""
    return [{"invoice_number": item.invoiced.invoice.invoice_number,
             "order_id": item.invoiced.invoice.order_id,
             "customer_id": item.invoiced.invoice.customer_id,
             "total": item.invoiced.invoice.total, "currency": item.invoiced.invoice.currency,
             "channel": item.channel, "problem": item.problem,
             "outbound": outbound_paths(settings, item.outbound)}
            for item in run.invoices]


def outbound_paths(settings, queued) -> list[dict]:
    """Where each queued message will be written (delivery writes it there, or mails it)."""
    return [{"kind": q.kind, "path": str(settings.outbox / q.destination / q.filename)}
            for q in queued]



def filled_entries(filled) -> list[dict]:
    """Backordered lines that got stock (from a receipt, a cancelled order, a return), for
    ``--json``."""
    return [{"order_id": f.order_id, "po_number": f.po_number, "customer_id": f.customer_id,
             "line_number": f.line_number, "sku": f.sku, "quantity": f.quantity,
             "still_open": f.still_open, "reference": f.reference} for f in filled]


def filled_table(filled) -> str:
    """The same as a table."""
    return table([[f.order_id, f.po_number, f.line_number, f.sku, qty(f.quantity),
                   qty(f.still_open)] for f in filled],
                 ["order", "po", "line", "sku", "allocated", "still open"])


def say_filled(filled, source: str) -> None:
    """The same as a line and a table; nothing when no line got stock."""
    if not filled:
        return
    say(f"{len(filled)} backordered line{'s' if len(filled) != 1 else ''} got stock from "
        f"{source}")
    say(filled_table(filled))
