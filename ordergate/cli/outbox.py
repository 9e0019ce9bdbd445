"""``ordergate outbox``: the outbound messages, and delivering the pending ones now."""

from __future__ import annotations

from ordergate.cli.command import EXIT_ATTENTION, EXIT_OK, Command, Group, ready_engine
from ordergate.cli.options import add_json, add_limit, add_status
from ordergate.cli.output import clip, listing, p, print_json, say
from ordergate.statuses import OutboxStatus


class ListOutbox(Command):
    name = "list"
    help = "list outbound messages, newest first"

    def configure(self, parser):
        add_status(parser, OutboxStatus)
        parser.add_argument("--ack", choices=["pending", "accepted", "rejected"],
                            help="only those the partner's 997/CONTRL left in this state")
        add_limit(parser)
        add_json(parser)

    def run(self, args, settings):
        from ordergate.outbox.queue import list_outbox

        rows = list_outbox(ready_engine(settings), status=args.status, limit=args.limit,
                           ack=args.ack)
        listing(args, "outbox", rows,
                ["id", "kind", "status", "ack", "destination", "filename", "created", "tries",
                 "error"],
                lambda r: [r.id, r.kind, r.status,
                           (r.ack_status or "-") + (f": {clip(r.ack_detail, 50)}" if r.ack_detail else ""),
                           r.destination, r.filename, r.created_at, r.attempts,
                           _error(r)])
        return EXIT_OK


class Deliver(Command):
    name = "deliver"
    help = "deliver pending messages now (exit 1 when one could not be delivered)"

    def configure(self, parser):
        add_json(parser, help='print {"deliveries": [{"id", "kind", "path", "status"}]}')

    def run(self, args, settings):
        from ordergate.app import open_mailer
        from ordergate.processing.delivery import deliver

        deliveries = deliver(ready_engine(settings), settings, mailer=open_mailer(settings))
        if args.json:
            print_json({"deliveries": [{"id": d.id, "kind": d.kind,
                                        "path": None if d.path is None else str(d.path),
                                        "status": d.status, "error": d.error,
                                        "attempts": d.attempts} for d in deliveries]})
        else:
            for d in deliveries:
                say(f"{p(d.kind)}  {d.status}  {p(d.path or d.filename)}"
                    + (f"  {p(d.error)}" if d.error else ""))
            print(f"{len(deliveries)} messages handled")
        return EXIT_OK if all(d.status == "sent" for d in deliveries) else EXIT_ATTENTION


def _error(row) -> str:
    """The last error and, for a message still pending, when it is tried again."""
    if not row.last_error or row.status == "sent":
        return ""
    retry = f" (next try {row.next_attempt_at:%Y-%m-%d %H:%M} UTC)" if row.next_attempt_at else ""
    return f"{clip(' '.join(row.last_error.split()), 80)}{retry}"


GROUP = Group("outbox", "outbound messages", (ListOutbox(), Deliver()))
