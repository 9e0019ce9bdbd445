"""The ``ordergate`` command line. Prefect is imported only by the commands that run flows,
so listing orders stays quick."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import re
import sys
from pathlib import Path

from pydantic import ValidationError

from ordergate.app import open_engine
from ordergate.errors import ConfigError
from ordergate.orders import queries
from ordergate.orders.numbers import tidy_quantity
from ordergate.printable import printable as _p
from ordergate.printable import printable_lines
from ordergate.settings import Settings

# Free space in a SQLite file worth mentioning after an upgrade.
VACUUM_HINT_BYTES = 64 * 1024 * 1024


def _actor(args: argparse.Namespace) -> str:
    return getattr(args, "by", None) or f"cli:{getpass.getuser()}"


def _print_json(value) -> None:
    # ensure_ascii (the default): every control and non-ASCII character is a \u escape, so the
    # JSON is valid and nothing a sender wrote reaches the terminal raw
    json.dump(queries.to_jsonable(value), sys.stdout, indent=2, ensure_ascii=True)
    sys.stdout.write("\n")


def _say(text: str, **print_options) -> None:
    """Print a message we composed: its line breaks stand, any other control or format
    character a value brought along is shown escaped (values that may hold line breaks are
    passed through ``_p`` where they are put in)."""
    print(printable_lines(text), **print_options)


def _table(rows: list[list[str]], headers: list[str]) -> str:
    """Aligned columns; every cell escaped (``printable``), a line break in one too."""
    rows = [[_p(cell) for cell in row] for row in rows]
    widths = [max(len(x) for x in col) for col in zip(headers, *rows)] if rows else [len(h) for h in headers]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- commands
def cmd_db_upgrade(args, settings: Settings) -> int:
    from ordergate.orders.db import current_revision, free_bytes, upgrade

    engine = open_engine(settings)
    upgrade(engine)
    print(f"database {settings.safe_database_url} is at revision {current_revision(engine)}")
    free = free_bytes(engine) or 0
    if free >= VACUUM_HINT_BYTES:  # e.g. after 0007 moved every document's bytes
        print(f"{_size(free)} of the database file is free space: "
              f"`ordergate db vacuum` gives it back to the disk")
    return 0


def cmd_db_vacuum(args, settings: Settings) -> int:
    """Not through ``_ready_engine``: vacuuming never changes the schema on its own."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from ordergate.orders.db import free_bytes, vacuum

    engine = open_engine(settings)
    try:
        before = free_bytes(engine)
        truncated = vacuum(engine)
    except (OperationalError, sqlite3.OperationalError) as exc:  # e.g. a writer held it too long
        raise _unusable(settings, exc) from None
    if before is None:
        print(f"database {settings.safe_database_url} vacuumed: its free space is reusable by "
              f"PostgreSQL (VACUUM FULL returns it to the disk, locking each table meanwhile)")
    elif truncated:
        print(f"database {settings.safe_database_url} vacuumed: {_size(before)} given back")
    else:
        print(f"database {settings.safe_database_url} vacuumed: {_size(before)} freed, given back "
              f"to the disk once the other connections reading it are done")
    return 0


def _size(count: int) -> str:
    return f"{count / 1e6:,.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def cmd_seed(args, settings: Settings) -> int:
    from ordergate.orders.masterdata import seed_masterdata

    engine = _ready_engine(settings)
    report = seed_masterdata(engine, Path(args.folder))
    for name, count in report.counts.items():
        _say(f"{_p(name)}: {count} rows loaded")
    return 0


def _ready_engine(settings: Settings):
    """The engine, with the schema at the latest revision (a no-op when it already is)."""
    from ordergate.orders.db import upgrade

    from sqlalchemy.exc import OperationalError

    engine = open_engine(settings)
    try:
        upgrade(engine)
    except OperationalError as exc:  # a server that does not answer, a file that cannot open
        raise _unusable(settings, exc) from None
    return engine


def _unusable(settings: Settings, exc: Exception) -> ConfigError:
    why = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error, sqlite3 not
    return ConfigError(f"cannot use the database at {settings.safe_database_url}: "
                       f"{(str(why).strip().splitlines() or [''])[0]}")


def _listing(args, key: str, items: list, headers: list[str], row) -> int:
    """Print ``items`` as JSON ({key: [...]}) with --json, else as a table of ``row(item)``."""
    if args.json:
        _print_json({key: items})
    else:
        _say(_table([row(item) for item in items], headers))
    return 0


def cmd_ingest(args, settings: Settings) -> int:
    from ordergate.processing.dropfolder_run import deliver_and_annotate, ingest_paths

    engine = _ready_engine(settings)
    report = ingest_paths(engine, settings, [Path(p) for p in args.paths], actor=_actor(args),
                          customer=args.customer)
    if not args.no_deliver:
        deliver_and_annotate(engine, settings, report)
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        _say(render_ingest_summary(report))
    return 0 if all(d.status != "failed" for d in report.documents) else 1


def cmd_mail_poll(args, settings: Settings) -> int:
    from ordergate.flows.runtime import quiet_prefect

    quiet_prefect()
    _ready_engine(settings)
    from ordergate.flows.mail_flow import ingest_mailbox

    from ordergate.flows.runtime import without_heartbeats

    with without_heartbeats():
        report = ingest_mailbox(max_mails=args.limit)
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        _say(render_ingest_summary(report))
    return 0


def cmd_mail_watch(args, settings: Settings) -> int:
    import threading

    from ordergate.flows.runtime import quiet_prefect

    quiet_prefect()
    from ordergate.flows.mail_flow import ingest_mailbox
    from ordergate.sources.imap import ImapSettings, imap_password
    from ordergate.sources.imap_idle import watch_mailbox

    _ready_engine(settings)
    stop = threading.Event()
    print("watching the mailbox (Ctrl-C stops)", flush=True)
    from ordergate.flows.runtime import without_heartbeats

    try:
        with without_heartbeats():
            watch_mailbox(ImapSettings.from_env(), imap_password(),
                          lambda: _say(render_ingest_summary(ingest_mailbox()), flush=True),
                          stop=stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def cmd_holds_list(args, settings: Settings) -> int:
    from ordergate.processing.holds import list_holds

    held = list_holds(_ready_engine(settings))
    if args.json:
        _print_json({"holds": held})
        return 0
    if not held:
        print("no orders on hold")
    # A block per order, every reason whole: they are what ops act on.
    for h in held:
        _say(f"order {h.order_id}  {_p(h.customer_id)}  PO {_p(h.po_number)}  {h.total} "
             f"{_p(h.currency or '')}  via {_p(h.channel)}, held since {str(h.since)[:19]}")
        for reason in h.reasons:
            _say(f"  - {_p(reason)}")
    return 0


def cmd_holds_release(args, settings: Settings) -> int:
    from ordergate.orders.checks import Overrides
    from ordergate.processing.holds import release
    from ordergate.sources.document import utcnow

    overrides = Overrides(accept_po_price=args.accept_po_price, credit=args.override_credit,
                          ship_to=args.accept_ship_to, reviewed=args.reviewed,
                          sender_verified=args.sender_verified)
    outcome = release(_ready_engine(settings), settings, args.order_id, actor=_actor(args),
                      now=utcnow(), overrides=overrides, note=args.note)
    return _hold_outcome(args, outcome)


def cmd_holds_reject(args, settings: Settings) -> int:
    from ordergate.processing.holds import reject
    from ordergate.sources.document import utcnow

    outcome = reject(_ready_engine(settings), settings, args.order_id, actor=_actor(args),
                     now=utcnow(), reason=args.reason)
    return _hold_outcome(args, outcome)


def _hold_outcome(args, outcome) -> int:
    if args.json:
        _print_json({"order_id": outcome.order_id, "status": outcome.status,
                     "reasons": outcome.reasons,
                     "outbound": [{"kind": q.kind, "file": f"{q.destination}/{q.filename}"}
                                  for q in outcome.outbound]})
    else:
        _say(f"order {outcome.order_id}: {_p(outcome.status)}")
        for reason in outcome.reasons:
            _say(f"  - {_p(reason)}")
        if outcome.status == "held":
            print("  Fix what the reasons name (e.g. an item_xref.csv row for an unknown item, then "
                  "`ordergate seed`), or release with an override (--accept-po-price, "
                  "--override-credit, --accept-ship-to, --reviewed, --sender-verified), or reject it.")
        for queued in outcome.outbound:
            _say(f"  {_p(queued.kind)} queued: outbox/{_p(queued.destination)}/"
                 f"{_p(queued.filename)} (delivered by the next outbox run, or "
                 f"`ordergate outbox deliver`)")
    return 0 if outcome.status != "held" else 1


_MAIL_SOURCE = re.compile(r"(?:imaps?|maildir):.*;UID=([^/;]+)")


def _source_name(source_ref: str) -> str:
    """A document's source, short: a mail's is an IMAP or Maildir URL ending in ;UID=..., and
    the UID names it best; a file's is its name."""
    mail = _MAIL_SOURCE.fullmatch(source_ref)
    return f"mail {mail.group(1)}" if mail else Path(source_ref).name


def render_ingest_summary(report) -> str:
    rows = []
    for doc in report.documents:
        counts: dict[str, int] = {}
        for order in doc.orders:
            counts[order.status] = counts.get(order.status, 0) + 1
        rows.append([doc.document_id or "-", _source_name(doc.path), doc.format or "-", doc.status,
                     counts.get("accepted", 0), counts.get("held", 0), counts.get("rejected", 0),
                     counts.get("duplicate", 0), len(doc.outbound), (doc.error or "")[:70]])
    table = _table(rows, ["doc", "file", "format", "status", "accepted", "held", "rejected",
                          "duplicate", "outbound", "error"])
    reasons = [f"  doc {doc.document_id}: {_p(doc.error)}" for doc in report.documents if doc.error]
    reasons += [f"  PO {_p(order.po_number)} ({order.status}): {_p(reason)}"
                for doc in report.documents for order in doc.orders
                if order.status in ("held", "rejected") for reason in order.hold_reasons]
    if reasons:
        table += "\nwhy:\n" + "\n".join(reasons)
    totals = report.order_counts()
    outbound = sum(len(d.outbound) for d in report.documents)
    footer = (f"{len(report.documents)} documents; orders: " +
              ", ".join(f"{v} {k}" for k, v in totals.items()) + f"; {outbound} outbound documents")
    return f"{table}\n{footer}"


def cmd_orders_list(args, settings: Settings) -> int:
    engine = _ready_engine(settings)
    return _listing(args, "orders", queries.list_orders(engine, status=args.status, limit=args.limit),
                    ["id", "customer", "po", "status", "lines", "total", "hold reasons"],
                    lambda o: [o.order_id, o.customer_id, o.po_number, o.status, o.lines,
                               f"{o.total} {o.currency or ''}".strip(), "; ".join(o.hold_reasons)[:60]])


def cmd_orders_show(args, settings: Settings) -> int:
    engine = _ready_engine(settings)
    order = queries.get_order(engine, args.order_id)
    if order is None:
        print(f"no order {args.order_id}", file=sys.stderr)
        return 2
    if args.json:
        _print_json(order)
        return 0
    s = order.summary
    _say(f"order {s.order_id}  customer {_p(s.customer_id)}  PO {_p(s.po_number)}  "
         f"status {_p(s.status)}")
    _say(f"  total {s.total} {_p(s.currency or '(no currency)')}  "
         f"po date {_p(order.po_date or '-')}  requested {_p(order.requested_date or '-')}")
    _say(f"  from document {s.document_id} ({_p(order.channel)}, {_p(order.partner_id)}, "
         f"{_p(order.source_key)})")
    for reason in s.hold_reasons:
        _say(f"  hold: {_p(reason)}")
    rows = [[ln["line_number"], ln["buyer_part"] or "", ln["sku"] or "", ln["quantity"],
             "" if ln.get("ship_quantity") is None else _qty(ln["ship_quantity"]), ln["uom"] or "",
             ln["unit_price"] if ln["unit_price"] is not None else "", ln["status"],
             (ln.get("reason") or "")[:60]] for ln in order.lines]
    _say(_table(rows, ["line", "buyer part", "sku", "qty", "ships", "uom", "price", "status", "reason"]))
    _say("history:")
    for event in order.events:
        _say(f"  {event['at']}  {event['from_status'] or '-'} -> {event['to_status']}  "
             f"by {_p(event['actor'])}" + (f"  ({_p(event['reason'])})" if event["reason"] else ""))
    _say("outbound:")
    for message in order.outbox:
        _say(f"  {message['kind']} (set {_p(message['reference'])})  {message['status']}  "
             f"{_p(message['destination'])}/{_p(message['filename'])}")
    return 0


def cmd_stock(args, settings: Settings) -> int:
    from ordergate.orders.allocation import stock_report

    with _ready_engine(settings).connect() as conn:
        lines = stock_report(conn, only_reorders=args.reorders)
    return _listing(args, "stock", lines,
                    ["sku", "on hand", "allocated", "available", "reorder point", "reorder now", "description"],
                    lambda s: [s.sku, _qty(s.on_hand), _qty(s.allocated), _qty(s.available),
                               _qty(s.reorder_point), _qty(s.suggested), (s.description or "")[:40]])


def _qty(value) -> str:
    return "-" if value is None else format(tidy_quantity(value), "f")


def cmd_outbox_list(args, settings: Settings) -> int:
    from ordergate.orders.outbox import list_outbox

    engine = _ready_engine(settings)
    return _listing(args, "outbox", list_outbox(engine, status=args.status, limit=args.limit),
                    ["id", "kind", "status", "destination", "filename", "created"],
                    lambda r: [r.id, r.kind, r.status, r.destination, r.filename, r.created_at])


def cmd_outbox_deliver(args, settings: Settings) -> int:
    from ordergate.processing.delivery import deliver

    engine = _ready_engine(settings)
    deliveries = deliver(engine, settings)
    for d in deliveries:
        _say(f"{_p(d.kind)}  {d.status}  {_p(d.path)}")
    print(f"{len(deliveries)} messages handled")
    return 0 if all(d.status == "sent" for d in deliveries) else 1


def cmd_documents_list(args, settings: Settings) -> int:
    engine = _ready_engine(settings)
    return _listing(args, "documents", queries.list_documents(engine, status=args.status, limit=args.limit),
                    ["id", "channel", "source", "format", "status", "orders", "error"],
                    lambda d: [d.document_id, d.channel, _source_name(d.source_ref), d.format or "-",
                               d.status, d.orders, (d.error or "")[:70]])


def cmd_documents_show(args, settings: Settings) -> int:
    """One document: where it came from, what became of it and why; --save writes the stored
    bytes (a mail with its attachments, an EDI file) so a person can open what was received."""
    engine = _ready_engine(settings)
    row = queries.load_document(engine, args.document_id)
    if row is None:
        print(f"no document {args.document_id}", file=sys.stderr)
        return 2
    _say(f"document {row.id}  {row.format or '-'}  {row.status}  via {_p(row.channel)}  "
         f"received {str(row.received_at)[:19]}")
    _say(f"  source: {_p(row.source_ref)}")
    if row.error:
        _say(f"  error: {_p(row.error)}")
    claim = queries.document_claim(engine, row.id)
    if claim is not None:
        _say(f"  being processed by {_p(claim.holder)} since {claim.claimed_at:%Y-%m-%d %H:%M:%S} UTC "
              f"(its claim runs until {claim.expires_at:%Y-%m-%d %H:%M:%S} UTC unless renewed)")
    if args.save is not None:  # "" too: it names no file, and says so below
        target = Path(args.save)
        try:
            target.write_bytes(row.content)
        except OSError as exc:
            _say(f"cannot save document {row.id} to {_p(target)}: {exc.strerror}", file=sys.stderr)
            return 2
        _say(f"  saved {len(row.content)} bytes to {target}"
              + ("  (a mail: open it with a mail program to see its attachments)"
                 if row.format == "email" else ""))
    return 0


def cmd_replay(args, settings: Settings) -> int:
    """Process a stored document again (after fixing master data, say)."""
    from ordergate.processing.dropfolder_run import deliver_and_annotate
    from ordergate.processing.ingest import ingest_documents
    from ordergate.sources.document import RawDocument

    engine = _ready_engine(settings)
    row = queries.load_document(engine, args.document_id)
    if row is None:
        print(f"no document {args.document_id}", file=sys.stderr)
        return 2
    if row.status in ("processed", "duplicate"):
        _say(f"document {args.document_id} is already {row.status}; nothing to replay (replay is "
              f"for failed or interrupted documents)", file=sys.stderr)
        return 2
    raw = RawDocument(content=row.content, channel=row.channel, source_ref=row.source_ref,
                      sender=row.sender, customer_hint=row.customer_hint, received_at=row.received_at)
    report = ingest_documents(engine, settings, [raw], actor=_actor(args))
    deliver_and_annotate(engine, settings, report)
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        _say(render_ingest_summary(report))
    return 0 if report.documents[0].status not in ("failed", "in_progress") else 1


def cmd_poll(args, settings: Settings) -> int:
    """Run the drop-folder flow once (as the schedule would), then print the summary."""
    from ordergate.flows.runtime import quiet_prefect, without_heartbeats

    quiet_prefect()
    from ordergate.flows.ingest_flow import ingest_drop_folder

    _ready_engine(settings)
    with without_heartbeats():
        report = ingest_drop_folder()
    _say(render_ingest_summary(report))
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from ordergate.flows.runtime import quiet_prefect

    quiet_prefect()
    from ordergate.flows.serve import serve

    _ready_engine(settings)
    serve(settings)
    return 0


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ordergate", description="Purchase orders in, sales orders and acknowledgements out.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="run the Alembic migrations to the latest revision").set_defaults(func=cmd_db_upgrade)
    db.add_parser("vacuum", help="SQLite: give the file's free space back to the disk (rewrites "
                  "the file, needs as much free disk); PostgreSQL: VACUUM").set_defaults(func=cmd_db_vacuum)

    seed = sub.add_parser("seed", help="load master data CSV files from a folder (upsert)")
    seed.add_argument("folder")
    seed.set_defaults(func=cmd_seed)

    ingest = sub.add_parser("ingest", help="process files now, through the same code the flows use")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--json", action="store_true", help="print one JSON object")
    ingest.add_argument("--customer", help="the customer these files come from, where the format does not say")
    ingest.add_argument("--no-deliver", action="store_true", help="queue acknowledgements but do not deliver them")
    ingest.add_argument("--by", help="who is acting (default: cli:<OS user>)")
    ingest.set_defaults(func=cmd_ingest)

    orders = sub.add_parser("orders", help="sales orders").add_subparsers(dest="orders_command", required=True)
    lst = orders.add_parser("list", help="list orders, newest first")
    lst.add_argument("--status", choices=["accepted", "held", "rejected"])
    lst.add_argument("--limit", type=int, default=200)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_orders_list)
    show = orders.add_parser("show", help="one order with lines, history and acknowledgements")
    show.add_argument("order_id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_orders_show)

    outbox = sub.add_parser("outbox", help="outbound messages").add_subparsers(dest="outbox_command", required=True)
    olst = outbox.add_parser("list", help="list outbound messages, newest first")
    olst.add_argument("--status", choices=["pending", "sent"])
    olst.add_argument("--limit", type=int, default=200)
    olst.add_argument("--json", action="store_true")
    olst.set_defaults(func=cmd_outbox_list)
    outbox.add_parser("deliver", help="deliver pending messages now").set_defaults(func=cmd_outbox_deliver)

    docs = sub.add_parser("documents", help="received documents").add_subparsers(dest="documents_command", required=True)
    dlst = docs.add_parser("list", help="list documents, newest first")
    dlst.add_argument("--status", choices=["received", "processed", "failed", "duplicate"])
    dlst.add_argument("--limit", type=int, default=200)
    dlst.add_argument("--json", action="store_true")
    dlst.set_defaults(func=cmd_documents_list)
    dshow = docs.add_parser("show", help="one document, its status and reason; --save FILE writes what was received")
    dshow.add_argument("document_id", type=int)
    dshow.add_argument("--save", metavar="FILE", help="write the stored bytes to FILE")
    dshow.set_defaults(func=cmd_documents_show)

    replay = sub.add_parser("replay", help="process a stored failed (or half-done) document again")
    replay.add_argument("document_id", type=int)
    replay.add_argument("--json", action="store_true")
    replay.add_argument("--by")
    replay.set_defaults(func=cmd_replay)

    sub.add_parser("poll", help="run the drop-folder ingest flow once").set_defaults(func=cmd_poll)
    stock = sub.add_parser("stock", help="stock per SKU: on hand, allocated, available, reorder suggestions")
    stock.add_argument("--reorders", action="store_true", help="only SKUs below their reorder point")
    stock.add_argument("--json", action="store_true")
    stock.set_defaults(func=cmd_stock)
    holds = sub.add_parser("holds", help="orders on hold: list, release, reject").add_subparsers(
        dest="holds_command", required=True)
    hlist = holds.add_parser("list", help="held orders with their reasons")
    hlist.add_argument("--json", action="store_true")
    hlist.set_defaults(func=cmd_holds_list)
    hrel = holds.add_parser("release", help="run the checks again and accept the order if they pass "
                            "(exit 1 when it stays held)")
    hrel.add_argument("order_id", type=int)
    hrel.add_argument("--accept-po-price", action="store_true", help="sell at the PO's prices")
    hrel.add_argument("--override-credit", action="store_true", help="accept it past the credit limit or stop")
    hrel.add_argument("--accept-ship-to", action="store_true", help="accept the ship-to as it is")
    hrel.add_argument("--reviewed", action="store_true",
                      help="the order was checked as read (PDF fields, totals, change requests)")
    hrel.add_argument("--sender-verified", action="store_true",
                      help="the customer confirmed an order whose mail was not authenticated")
    hrel.add_argument("--note", help="recorded with the release")
    hrel.add_argument("--by", help="who releases (default: the OS user)")
    hrel.add_argument("--json", action="store_true")
    hrel.set_defaults(func=cmd_holds_release)
    hrej = holds.add_parser("reject", help="reject the order and tell the customer why")
    hrej.add_argument("order_id", type=int)
    hrej.add_argument("--reason", required=True, help="what the customer is told")
    hrej.add_argument("--by", help="who rejects (default: the OS user)")
    hrej.add_argument("--json", action="store_true")
    hrej.set_defaults(func=cmd_holds_reject)
    mail = sub.add_parser("mail", help="the orders mailbox (IMAP, or the local Maildir)").add_subparsers(
        dest="mail_command", required=True)
    mpoll = mail.add_parser("poll", help="run the mailbox flow once")
    mpoll.add_argument("--limit", type=int)
    mpoll.add_argument("--json", action="store_true")
    mpoll.set_defaults(func=cmd_mail_poll)
    mail.add_parser("watch", help="wait for new mail with IMAP IDLE and process it as it arrives"
                    ).set_defaults(func=cmd_mail_watch)
    sub.add_parser("serve", help="serve the Prefect deployments (drop-folder poll, outbox delivery)").set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ordergate.processing.holds import HoldError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        settings = Settings()
        return args.func(args, settings)
    except ValidationError as exc:  # a bad ORDERGATE_* setting
        _say(f"ordergate: bad setting: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:  # e.g. a master data file's bad value, quoted
        _say(f"ordergate: {exc}", file=sys.stderr)
        return 2
    except HoldError as exc:
        _say(f"ordergate: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `ordergate orders list | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
