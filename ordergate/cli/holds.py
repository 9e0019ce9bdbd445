"""``ordergate holds``: orders waiting for a person, and releasing or rejecting them."""

from __future__ import annotations

from ordergate.cli.command import (
    EXIT_ATTENTION,
    EXIT_OK,
    Command,
    Group,
    actor,
    ready_engine,
)
from ordergate.cli.options import add_by, add_json, record_id
from ordergate.cli.output import p, print_json, say
from ordergate.orders.numbers import amount_text


class ListHolds(Command):
    name = "list"
    help = "held orders with their reasons"

    def configure(self, parser):
        add_json(parser)

    def run(self, args, settings):
        from ordergate.processing.holds import list_holds

        held = list_holds(ready_engine(settings))
        if args.json:
            print_json({"holds": held})
            return EXIT_OK
        if not held:
            print("no orders on hold")
        # A block per order, every reason whole: they are what ops act on.
        for h in held:
            say(f"order {h.order_id}  {p(h.customer_id)}  PO {p(h.po_number)}  "
                f"{p(amount_text(h.total, h.currency))}  via {p(h.channel)}, held since "
                f"{str(h.since)[:19]}")
            for reason in h.reasons:
                say(f"  - {p(reason)}")
        return EXIT_OK


class Release(Command):
    name = "release"
    help = "run the checks again and accept the order if they pass (exit 1 when it stays held)"

    def configure(self, parser):
        parser.add_argument("order_id", type=record_id)
        parser.add_argument("--accept-po-price", action="store_true", help="sell at the PO's prices")
        parser.add_argument("--override-credit", action="store_true",
                            help="accept it past the credit limit or stop")
        parser.add_argument("--accept-ship-to", action="store_true", help="accept the ship-to as it is")
        parser.add_argument("--reviewed", action="store_true",
                            help="the order was checked as read (PDF fields, totals, change requests)")
        parser.add_argument("--sender-verified", action="store_true",
                            help="the customer confirmed an order whose mail was not authenticated")
        parser.add_argument("--note", help="recorded with the release")
        add_by(parser, help="who releases (default: the OS user)")
        add_json(parser)

    def run(self, args, settings):
        from ordergate.clock import utcnow
        from ordergate.orders.checks import Overrides
        from ordergate.processing.holds import release

        overrides = Overrides(accept_po_price=args.accept_po_price, credit=args.override_credit,
                              ship_to=args.accept_ship_to, reviewed=args.reviewed,
                              sender_verified=args.sender_verified)
        outcome = release(ready_engine(settings), settings, args.order_id, actor=actor(args),
                          now=utcnow(), overrides=overrides, note=args.note)
        return show_outcome(args, outcome)


class Reject(Command):
    name = "reject"
    help = "reject the order and tell the customer why"

    def configure(self, parser):
        parser.add_argument("order_id", type=record_id)
        parser.add_argument("--reason", required=True, help="what the customer is told")
        add_by(parser, help="who rejects (default: the OS user)")
        add_json(parser)

    def run(self, args, settings):
        from ordergate.clock import utcnow
        from ordergate.processing.holds import reject

        outcome = reject(ready_engine(settings), settings, args.order_id, actor=actor(args),
                         now=utcnow(), reason=args.reason)
        return show_outcome(args, outcome)


def show_outcome(args, outcome) -> int:
    if args.json:
        print_json({"order_id": outcome.order_id, "status": outcome.status,
                    "reasons": outcome.reasons,
                    "outbound": [{"kind": q.kind, "file": f"{q.destination}/{q.filename}"}
                                 for q in outcome.outbound]})
    else:
        say(f"order {outcome.order_id}: {p(outcome.status)}")
        for reason in outcome.reasons:
            say(f"  - {p(reason)}")
        if outcome.status == "held":
            print("  Fix what the reasons name (e.g. an item_xref.csv row for an unknown item, then "
                  "`ordergate seed`), or release with an override (--accept-po-price, "
                  "--override-credit, --accept-ship-to, --reviewed, --sender-verified), or reject it.")
        for queued in outcome.outbound:
            say(f"  {p(queued.kind)} queued: outbox/{p(queued.destination)}/"
                f"{p(queued.filename)} (delivered by the next outbox run, or "
                f"`ordergate outbox deliver`)")
    return EXIT_OK if outcome.status != "held" else EXIT_ATTENTION


GROUP = Group("holds", "orders on hold: list, release, reject", (ListHolds(), Release(), Reject()))
