"""``ordergate pick``, ``ship``, ``shipments import``, ``stock receive`` and ``orders cancel``:
the warehouse's side of an order."""

from __future__ import annotations

import argparse
import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

from ordergate.cli.command import (
    EXIT_ATTENTION,
    EXIT_OK,
    Command,
    Group,
    actor,
    ready_engine,
)
from ordergate.cli.options import add_by, add_json, add_limit, line_quantity, record_id
from ordergate.cli.output import (
    clip,
    filled_entries,
    filled_table,
    invoice_entries,
    listing,
    outbound_paths,
    p,
    print_json,
    qty,
    say,
    say_filled,
    table,
)
from ordergate.clock import utcnow
from ordergate.errors import UsageError


# ---------------------------------------------------------------- pick
class Pick(Command):
    name = "pick"
    help = "one pick list (PDF and CSV in ORDERGATE_HOME/picking/) for what is allocated and unpicked"

    def configure(self, parser):
        parser.add_argument("--order", type=record_id, action="append", dest="orders", metavar="ID",
                            help="only this order (repeat for more)")
        add_by(parser)
        add_json(parser, help='print {"pick_lists": [{"pick_list_id", "pdf", "csv", "orders", "lines"}]}')

    def run(self, args, settings):
        from ordergate.processing.fulfilment import pick

        made = pick(ready_engine(settings), settings, order_ids=args.orders, actor=actor(args),
                    now=utcnow())
        lists = [] if made is None else [{
            "pick_list_id": made.pick_list.pick_list_id, "pdf": str(made.pdf), "csv": str(made.csv),
            "orders": sorted({line.order_id for line in made.pick_list.lines}),
            "lines": [{"order_id": line.order_id, "line_number": line.line_number, "sku": line.sku,
                       "quantity": line.quantity, "location": line.location}
                      for line in made.pick_list.lines]}]
        if args.json:
            print_json({"pick_lists": lists})
            return EXIT_OK
        if made is None:
            say("nothing to pick: no open order has allocated stock that is not picked yet")
            return EXIT_OK
        entry = lists[0]
        say(f"pick list {entry['pick_list_id']}: {len(entry['lines'])} lines for "
            f"{len(entry['orders'])} orders")
        say(table([[line.location or "-", line.sku, qty(line.quantity), line.order_id,
                    line.line_number] for line in made.pick_list.lines],
                  ["location", "sku", "quantity", "order", "line"]))
        say(f"  {p(entry['pdf'])}\n  {p(entry['csv'])}")
        return EXIT_OK


# ---------------------------------------------------------------- ship
def _ship_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Ship(Command):
    name = "ship"
    help = "record a shipment of an order and send its ship notice (856, DESADV, mail or CSV)"

    def configure(self, parser):
        parser.add_argument("order_id", type=record_id)
        parser.add_argument("--line", type=line_quantity, action="append", dest="lines",
                            metavar="N=QTY", help="ship QTY of line N (repeat; default: everything "
                                                  "allocated and not yet shipped)")
        parser.add_argument("--carrier", required=True, help="the carrier's code, e.g. UPSN")
        parser.add_argument("--tracking", required=True, help="the carrier's tracking number")
        parser.add_argument("--ship-date", type=_ship_date, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--package", help="the SSCC-18 of the package it all ships in")
        add_by(parser)
        add_json(parser, help='print {"shipment_id", "order_id", "po_number", "carrier", '
                              '"tracking", "ship_date", "lines", "outbound"}')

    def run(self, args, settings):
        from ordergate.fulfilment.shipping import (
            DUPLICATE,
            REFUSED,
            ShipLine,
            ShipmentRequest,
        )
        from ordergate.fulfilment.sscc import normalise_sscc
        from ordergate.processing.shipments import ship

        now = utcnow()
        package = normalise_sscc(args.package) if args.package else None
        lines = None if not args.lines else tuple(ShipLine(n, q, package) for n, q in args.lines)
        for label, value, limit in (("--carrier", args.carrier, 40), ("--tracking", args.tracking, 60)):
            if not value.strip() or len(value) > limit:
                raise UsageError(f"{label} must be 1 to {limit} characters")
        request = ShipmentRequest(order_id=args.order_id, carrier=args.carrier.strip(),
                                  tracking_number=args.tracking.strip(),
                                  ship_date=args.ship_date or now.date(), source="ordergate ship",
                                  lines=lines, package_id=package)
        [shipped] = ship(ready_engine(settings), settings, [request], actor=actor(args), now=now)
        result = shipped.result
        if result.status == REFUSED:
            raise UsageError(f"nothing was recorded: {result.reason}")
        if result.status == DUPLICATE:
            raise UsageError(f"order {args.order_id} already has shipment {result.shipment_id} "
                             f"with tracking number {request.tracking_number}; nothing was recorded")
        notice = result.notice
        data = {"shipment_id": result.shipment_id, "order_id": notice.order_id,
                "po_number": notice.po_number, "carrier": notice.carrier,
                "tracking": notice.tracking_number, "ship_date": notice.ship_date,
                "lines": [{"line_number": line.line_number, "sku": line.sku,
                           "quantity": line.quantity} for line in notice.lines],
                "outbound": outbound_paths(settings, shipped.outbound),
                "order_status": result.order_status}
        if shipped.problem:
            data["notice_problem"] = shipped.problem
        data.update(_invoiced(settings, [result.shipment_id], actor(args), now))
        if args.json:
            print_json(data)
            return EXIT_OK
        say(f"shipment {result.shipment_id}: order {notice.order_id} (PO {p(notice.po_number)}) "
            f"via {p(notice.carrier)} {p(notice.tracking_number)} on {notice.ship_date}; the "
            f"order is {result.order_status}")
        say(table([[line.line_number, line.sku, qty(line.quantity), qty(line.open_quantity)]
                   for line in notice.lines], ["line", "sku", "shipped", "still open"]))
        for message in data["outbound"]:
            say(f"  {message['kind']}: {p(message['path'])}")
        if shipped.problem:
            say(f"  no ship notice: {p(shipped.problem)}")
        _say_invoiced(data)
        return EXIT_OK


def _invoiced(settings, shipment_ids: list[int], by: str, now) -> dict:
    """Invoice what just shipped (customers invoiced per shipment); what the commands print."""
    from ordergate.processing.invoices import invoice_shipped

    if not shipment_ids:
        return {"invoices": []}
    run, note = invoice_shipped(ready_engine(settings), settings, shipment_ids, actor=by, now=now)
    data = {"invoices": invoice_entries(settings, run) if run else []}
    if run and run.not_invoiced:
        data["not_invoiced"] = [{"shipment_id": n.shipment_id, "reason": n.reason}
                                for n in run.not_invoiced]
    if note:
        data["invoice_note"] = note
    return data


def _say_invoiced(data: dict) -> None:
    for entry in data.get("invoices", []):
        sent = ", ".join(o["kind"] for o in entry["outbound"]) or entry["problem"] or "not sent"
        say(f"  invoice {entry['invoice_number']}: {entry['total']:.2f} {entry['currency']} ({sent})")
    for entry in data.get("not_invoiced", []):
        say(f"  not invoiced: shipment {entry['shipment_id']}: {p(entry['reason'])}")
    if data.get("invoice_note"):
        say(f"  {p(data['invoice_note'])}")


# ---------------------------------------------------------------- shipments import
class ImportShipments(Command):
    name = "import"
    help = "record the shipments of a warehouse confirmation CSV (exit 1 when a shipment failed)"

    def configure(self, parser):
        parser.add_argument("file", type=Path)
        add_by(parser)
        add_json(parser, help='print {"file", "shipments": [...], "counts"}')

    def run(self, args, settings):
        from ordergate.processing.shipment_files import (
            import_shipments,
            shipment_summary,
        )

        try:
            content = args.file.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
        shipments = import_shipments(ready_engine(settings), settings, content, args.file.name,
                                     actor=actor(args), now=utcnow())
        entries = [_file_entry(settings, s) for s in shipments]
        counts = shipment_summary(shipments)
        invoiced = _invoiced(settings, [e["shipment_id"] for e in entries
                                        if e["status"] == "shipped"], actor(args), utcnow())
        if args.json:
            print_json({"file": str(args.file), "shipments": entries, "counts": counts, **invoiced})
        else:
            say(table([[e["order"], e["tracking"], e["status"], e["shipment_id"] or "",
                        e["error"] or ""] for e in entries],
                      ["order", "tracking", "status", "shipment", "problem"]))
            say(", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
                or "no shipments in the file")
            _say_invoiced(invoiced)
        return EXIT_ATTENTION if counts.get("refused") else EXIT_OK


def _file_entry(settings, shipment) -> dict:
    shipped = shipment.shipped
    result = shipped.result if shipped else None
    return {"order": shipment.order_ref, "order_id": shipment.order_id,
            "tracking": shipment.tracking_number, "rows": shipment.rows,
            "status": shipment.status, "shipment_id": result.shipment_id if result else None,
            "order_status": result.order_status if result else None, "error": shipment.error,
            "lines": [{"line_number": line.line_number, "sku": line.sku, "quantity": line.quantity}
                      for line in result.notice.lines] if result and result.notice else [],
            "outbound": outbound_paths(settings, shipped.outbound) if shipped else [],
            "notice_problem": shipped.problem if shipped else None}


# ---------------------------------------------------------------- stock receive
class ReceiveStock(Command):
    name = "receive"
    help = "book goods received and fill open backorders from them, oldest order first"

    def configure(self, parser):
        parser.add_argument("file", type=Path, nargs="?",
                            help="CSV with columns sku, quantity and optionally reference")
        parser.add_argument("--sku")
        parser.add_argument("--quantity")
        parser.add_argument("--reference", help="the delivery note; the same one twice is refused")
        add_by(parser)
        add_json(parser, help='print {"received": [...], "filled": [...]}')

    def run(self, args, settings):
        from ordergate.processing.fulfilment import receive_stock

        now = utcnow()
        receipts = _receipts(args, now)
        filled = receive_stock(ready_engine(settings), receipts, actor=actor(args), now=now)
        data = {"received": [{"sku": r.sku, "quantity": r.quantity, "reference": r.reference}
                             for r in receipts],
                "filled": filled_entries(filled)}
        if args.json:
            print_json(data)
            return EXIT_OK
        say(f"received {len(receipts)} receipt{'s' if len(receipts) != 1 else ''}; "
            f"{len(filled)} backordered line{'s' if len(filled) != 1 else ''} got stock")
        if filled:
            say(filled_table(filled))
        return EXIT_OK


def _receipts(args, now) -> list:
    from ordergate.fulfilment.receiving import Receipt

    if args.file is not None:
        if args.sku or args.quantity:
            raise UsageError("give a FILE or --sku and --quantity, not both")
        return _receipts_from_file(args.file, args.reference)
    if not args.sku or not args.quantity:
        raise UsageError("give a CSV FILE, or --sku and --quantity")
    quantity = _positive(args.quantity, "--quantity")
    reference = args.reference or f"{args.sku}@{now.isoformat()}"
    return [Receipt(args.sku, quantity, reference)]


def _positive(text: str, what: str) -> Decimal:
    from ordergate.orders.numbers import quantity_from_text

    value = quantity_from_text(text.strip())
    if value is None:
        raise UsageError(f"{what}: {text[:20]!r} is not a quantity above 0 with at most four "
                         f"decimals")
    return value


def _receipts_from_file(path: Path, reference: str | None) -> list:
    import csv
    import io

    from ordergate.fulfilment.receiving import Receipt

    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if len(content) > 20 * 1024 * 1024:
        raise UsageError(f"{path.name} is larger than 20 MB")
    # Rows without a reference are named by the file's content and their line, so the same
    # file booked again is refused.
    digest = hashlib.sha256(content).hexdigest()[:12]
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig", errors="replace"), newline=""))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if "sku" not in header or "quantity" not in header:
        raise UsageError(f"{path.name} line 1: the header needs the columns sku and quantity "
                         f"(and optionally reference)")
    receipts = []
    seen: dict[str, int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, (cell.strip() for cell in cells)))
        where = f"{path.name} line {reader.line_num}"
        if not row.get("sku"):
            raise UsageError(f"{where}, field sku: empty; nothing was booked")
        quantity = _positive(row.get("quantity", ""), f"{where}, field quantity")
        ref = row.get("reference") or (f"{reference}:{reader.line_num}" if reference
                                       else f"{path.name}:{digest}:{reader.line_num}")
        if ref[:200] in seen:  # one delivery note per row: two rows of one would book it twice
            raise UsageError(f"{where}, field reference: {ref[:60]!r} is also the reference of "
                             f"line {seen[ref[:200]]}; nothing was booked")
        seen[ref[:200]] = reader.line_num
        receipts.append(Receipt(row["sku"], quantity, ref[:200], where))
    if not receipts:
        raise UsageError(f"{path.name} has no receipt rows")
    return receipts


# ---------------------------------------------------------------- orders cancel
class CancelOrder(Command):
    name = "cancel"
    help = "cancel an order nothing of which has shipped; its stock and credit go back"

    def configure(self, parser):
        parser.add_argument("order_id", type=record_id)
        parser.add_argument("--reason", required=True, help="told to the customer")
        add_by(parser)
        add_json(parser, help='print {"order_id", "po_number", "status", "outbound"}')

    def run(self, args, settings):
        from ordergate.processing.fulfilment import cancel

        done = cancel(ready_engine(settings), settings, args.order_id, reason=args.reason,
                      actor=actor(args), now=utcnow())
        data = {"order_id": done.order_id, "po_number": done.po_number, "status": done.status,
                "outbound": outbound_paths(settings, done.outbound),
                "filled": filled_entries(done.filled)}
        if args.json:
            print_json(data)
            return EXIT_OK
        say(f"order {done.order_id} (PO {p(done.po_number)}) is cancelled")
        for message in data["outbound"]:
            say(f"  {message['kind']}: {p(message['path'])}")
        say_filled(done.filled, "its stock")
        return EXIT_OK


class ListShipments(Command):
    name = "list"
    help = "shipments, newest first"

    def configure(self, parser):
        parser.add_argument("--order", type=record_id, help="only this order's")
        add_limit(parser)
        add_json(parser)

    def run(self, args, settings):
        from ordergate.orders.queries import list_shipments

        shipments = list_shipments(ready_engine(settings), order_id=args.order, limit=args.limit)
        listing(args, "shipments", shipments,
                ["id", "order", "customer", "po", "ship date", "carrier", "tracking", "lines",
                 "quantity", "source"],
                lambda s: [s.shipment_id, s.order_id, s.customer_id, s.po_number, s.ship_date,
                           s.carrier, s.tracking_number, s.lines, qty(s.quantity), clip(s.source, 40)])
        return EXIT_OK


SHIPMENTS = Group("shipments", "warehouse shipments: import confirmations, list them",
                  (ImportShipments(), ListShipments()))
