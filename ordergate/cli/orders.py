"""``ordergate orders``: the sales orders, a list and one in full."""

from __future__ import annotations

from ordergate.cli.command import EXIT_OK, Command, Group, ready_engine
from ordergate.cli.fulfilment import CancelOrder
from ordergate.cli.options import add_json, add_limit, add_status, record_id
from ordergate.cli.output import clip, listing, p, print_json, qty, say, table
from ordergate.errors import UsageError
from ordergate.orders.numbers import amount_text
from ordergate.statuses import OrderStatus


class ListOrders(Command):
    name = "list"
    help = "list orders, newest first"

    def configure(self, parser):
        add_status(parser, OrderStatus)
        add_limit(parser)
        add_json(parser)

    def run(self, args, settings):
        from ordergate.orders.queries import list_orders

        orders = list_orders(ready_engine(settings), status=args.status, limit=args.limit)
        listing(args, "orders", orders,
                ["id", "customer", "po", "status", "lines", "total", "hold reasons"],
                lambda o: [o.order_id, o.customer_id, o.po_number, o.status, o.lines,
                           amount_text(o.total, o.currency), clip("; ".join(o.hold_reasons), 60)])
        return EXIT_OK


def address_text(address: dict | None) -> str:
    """An order's stored address on one line: name, street, city, state, postal code, country
    and the partner's location code."""
    if not address:
        return "-"
    place = " ".join(part for part in (address.get("city"), address.get("state"),
                                       address.get("postal_code")) if part)
    parts = [address.get("name"), *(address.get("street") or []), place, address.get("country")]
    text = ", ".join(part for part in parts if part)
    if address.get("code"):
        qualifier = f"{address['code_qualifier']}:" if address.get("code_qualifier") else ""
        text = f"{text} [code {qualifier}{address['code']}]".strip()
    return text or "-"


class ShowOrder(Command):
    name = "show"
    help = "one order with lines, history and acknowledgements"

    def configure(self, parser):
        parser.add_argument("order_id", type=record_id)
        add_json(parser)

    def run(self, args, settings):
        from ordergate.orders.queries import get_order

        order = get_order(ready_engine(settings), args.order_id)
        if order is None:
            raise UsageError(f"no order {args.order_id}")
        if args.json:
            print_json(order)
            return EXIT_OK
        s = order.summary
        say(f"order {s.order_id}  customer {p(s.customer_id)}  PO {p(s.po_number)}  "
            f"status {p(s.status)}")
        say(f"  total {p(amount_text(s.total, s.currency))}{'' if s.currency else ' (no currency)'}  "
            f"po date {p(order.po_date or '-')}  requested {p(order.requested_date or '-')}")
        say(f"  from document {s.document_id} ({p(order.channel)}, {p(order.partner_id)}, "
            f"{p(order.source_key)})")
        say(f"  buyer    {p(s.customer_id or '(unknown customer)')}"
            + (f" ({p(order.buyer_name)})" if order.buyer_name else ""))
        for label, key in (("ship to", "ship_to"), ("bill to", "bill_to")):
            say(f"  {label:<8} {p(address_text(order.detail.get(key)))}")
        # A cancelled or rejected order keeps why in the same place as a held one's reasons.
        label = {"cancelled": "cancelled", "rejected": "rejected"}.get(s.status, "hold")
        for reason in s.hold_reasons:
            say(f"  {label}: {p(reason)}")
        rows = [[ln["line_number"], ln["buyer_part"] or "", ln["sku"] or "", qty(ln["ordered"]),
                 qty(ln["allocated"]), qty(ln["picked"]), qty(ln["shipped"]),
                 qty(ln["backordered"]), ln["uom"] or "",
                 ln["unit_price"] if ln["unit_price"] is not None else "", ln["status"],
                 clip(ln.get("reason"), 60)] for ln in order.lines]
        say(table(rows, ["line", "buyer part", "sku", "ordered", "allocated", "picked", "shipped",
                         "backordered", "uom", "price", "status", "reason"]))
        if order.shipments:
            say("shipments:")
        for shipment in order.shipments:
            shipped = ", ".join(f"line {ln['line_number']} {qty(ln['quantity'])}"
                                + (f" in {ln['package_id']}" if ln["package_id"] else "")
                                for ln in shipment["lines"])
            say(f"  {shipment['shipment_id']}  {shipment['ship_date']}  {p(shipment['carrier'])} "
                f"{p(shipment['tracking_number'])}: {shipped}")
        say("history:")
        for event in order.events:
            say(f"  {event['at']}  {event['from_status'] or '-'} -> {event['to_status']}  "
                f"by {p(event['actor'])}" + (f"  ({p(event['reason'])})" if event["reason"] else ""))
        say("outbound:")
        for message in order.outbox:
            say(f"  {message['kind']} (set {p(message['reference'])})  {message['status']}  "
                f"{p(message['destination'])}/{p(message['filename'])}")
        return EXIT_OK


GROUP = Group("orders", "sales orders", (ListOrders(), ShowOrder(), CancelOrder()))
