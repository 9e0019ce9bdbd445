"""``ordergate documents``: what was received, its status and why."""

from __future__ import annotations

from pathlib import Path

from ordergate.cli.command import EXIT_OK, Command, Group, ready_engine
from ordergate.cli.options import add_json, add_limit, add_status, record_id
from ordergate.cli.output import clip, listing, p, print_json, say, source_name
from ordergate.errors import UsageError
from ordergate.formats import DocumentFormat
from ordergate.statuses import STORED_DOCUMENT_STATUSES


class ListDocuments(Command):
    name = "list"
    help = "list documents, newest first"

    def configure(self, parser):
        add_status(parser, STORED_DOCUMENT_STATUSES)
        parser.add_argument("--format", choices=[f.value for f in DocumentFormat],
                            help="only documents read as this format")
        add_limit(parser)
        add_json(parser)

    def run(self, args, settings):
        from ordergate.orders.queries import list_documents

        documents = list_documents(ready_engine(settings), status=args.status, format=args.format,
                                   limit=args.limit)
        listing(args, "documents", documents,
                ["id", "channel", "source", "format", "status", "orders", "error"],
                lambda d: [d.document_id, d.channel, source_name(d.source_ref), d.format or "-",
                           d.status, d.orders, clip(d.error, 70)])
        return EXIT_OK


class ShowDocument(Command):
    """One document: where it came from, what became of it and why; --save writes the stored
    bytes (a mail with its attachments, an EDI file) so a person can open what was received."""

    name = "show"
    help = "one document, its status and reason; --save FILE writes what was received"

    def configure(self, parser):
        parser.add_argument("document_id", type=record_id)
        parser.add_argument("--save", metavar="FILE", help="write the stored bytes to FILE")
        add_json(parser, help='print {"document_id", "channel", "source_ref", "format", "status", '
                              '"error", "size", "received_at", "processed_at", "claim", "saved"}')

    def run(self, args, settings):
        from ordergate.orders.queries import document_claim, load_document

        engine = ready_engine(settings)
        row = load_document(engine, args.document_id)
        if row is None:
            raise UsageError(f"no document {args.document_id}")
        claim = document_claim(engine, row.id)
        if args.json:
            saved = _save(row, args.save)
            print_json({"document_id": row.id, "channel": row.channel, "source_ref": row.source_ref,
                        "format": row.format, "status": row.status, "error": row.error,
                        "size": row.size, "received_at": row.received_at,
                        "processed_at": row.processed_at,
                        "claim": None if claim is None else {
                            "holder": claim.holder, "claimed_at": claim.claimed_at,
                            "expires_at": claim.expires_at},
                        "saved": None if saved is None else {"path": str(saved),
                                                             "bytes": len(row.content)}})
            return EXIT_OK
        say(f"document {row.id}  {row.format or '-'}  {row.status}  via {p(row.channel)}  "
            f"received {str(row.received_at)[:19]}")
        say(f"  source: {p(row.source_ref)}")
        if row.error:
            say(f"  error: {p(row.error)}")
        if claim is not None:
            say(f"  being processed by {p(claim.holder)} since {claim.claimed_at:%Y-%m-%d %H:%M:%S} UTC "
                f"(its claim runs until {claim.expires_at:%Y-%m-%d %H:%M:%S} UTC unless renewed)")
        saved = _save(row, args.save)
        if saved is not None:
            say(f"  saved {len(row.content)} bytes to {saved}"
                + ("  (a mail: open it with a mail program to see its attachments)"
                   if row.format == "email" else ""))
        return EXIT_OK


def _save(row, name: str | None) -> Path | None:
    """Write the document's bytes to ``name`` ("" too: it names no file, and says so)."""
    if name is None:
        return None
    target = Path(name)
    try:
        target.write_bytes(row.content)
    except OSError as exc:
        raise UsageError(f"cannot save document {row.id} to {p(target)}: {exc.strerror}") from exc
    return target


GROUP = Group("documents", "received documents", (ListDocuments(), ShowDocument()))
