"""``ordergate invoices``, ``payments`` and ``ar``: invoicing, what customers paid and owe."""

from __future__ import annotations

import argparse
from pathlib import Path

from ordergate.cli.command import (
    EXIT_ATTENTION,
    EXIT_OK,
    Command,
    Group,
    actor,
    ready_engine,
)
from ordergate.cli.options import add_by, add_json, add_limit, add_status, line_quantity, record_id
from ordergate.cli.output import (
    filled_entries,
    invoice_entries,
    listing,
    outbound_paths,
    p,
    print_json,
    say,
    say_filled,
    table,
)
from ordergate.clock import utcnow
from ordergate.errors import UsageError
from ordergate.orders.numbers import amount_text
from ordergate.statuses import InvoiceStatus


class RunInvoices(Command):
    name = "run"
    help = "invoice every shipment not invoiced yet and send each invoice (exit 1 if one could not be made)"

    def configure(self, parser):
        add_by(parser)
        add_json(parser, help='print {"invoices": [...], "not_invoiced": [...]}')

    def run(self, args, settings):
        from ordergate.processing.invoices import run_invoicing

        made = run_invoicing(ready_engine(settings), settings, actor=actor(args), now=utcnow())
        entries = invoice_entries(settings, made)
        refused = [{"shipment_id": n.shipment_id, "order_id": n.order_id, "reason": n.reason}
                   for n in made.not_invoiced]
        if args.json:
            print_json({"invoices": entries, "not_invoiced": refused})
        else:
            say(table([[e["invoice_number"], e["customer_id"], e["order_id"] or "",
                        f"{e['total']:.2f} {e['currency']}", e["channel"],
                        ", ".join(o["kind"] for o in e["outbound"]) or (e["problem"] or "")]
                       for e in entries],
                      ["invoice", "customer", "order", "total", "channel", "sent as"]))
            for entry in refused:
                say(f"not invoiced: shipment {entry['shipment_id']} (order {entry['order_id']}): "
                    f"{p(entry['reason'])}")
            say(f"{len(entries)} invoice{'s' if len(entries) != 1 else ''} made")
        return EXIT_ATTENTION if refused else EXIT_OK


class RemindInvoices(Command):
    name = "remind"
    help = "mail a reminder with the PDF for each overdue invoice of a mail or CSV customer (at most once a week each)"

    def configure(self, parser):
        add_by(parser)
        add_json(parser, help='print {"reminders": [{"invoice_number", "customer_id", "days_overdue", "outbound", "problem"}]}')

    def run(self, args, settings):
        from ordergate.processing.reminders import send_reminders

        done = send_reminders(ready_engine(settings), settings, actor=actor(args), now=utcnow())
        entries = [{"invoice_number": r.invoice_number, "customer_id": r.customer_id,
                    "days_overdue": r.days_overdue, "problem": r.problem,
                    "outbound": outbound_paths(settings, r.outbound)} for r in done]
        if args.json:
            print_json({"reminders": entries})
            return EXIT_OK
        say(table([[e["invoice_number"], e["customer_id"], e["days_overdue"],
                    e["problem"] or ", ".join(o["path"] for o in e["outbound"])] for e in entries],
                  ["invoice", "customer", "days overdue", "sent"]))
        return EXIT_OK


class ListInvoices(Command):
    name = "list"
    help = "invoices and credit notes, newest first"

    def configure(self, parser):
        add_status(parser, InvoiceStatus)
        parser.add_argument("--customer")
        add_limit(parser)
        add_json(parser)

    def run(self, args, settings):
        from ordergate.billing.receivables import list_invoices

        with ready_engine(settings).connect() as conn:
            if args.customer and not _customer_known(conn, args.customer):
                # an empty list would read as "nothing open" for a mistyped id
                raise UsageError(f"there is no customer {args.customer}")
            found = list_invoices(conn, today=utcnow().date(), status=args.status,
                                  customer_id=args.customer, limit=args.limit)
        listing(args, "invoices", [_public(i) for i in found],
                ["id", "number", "customer", "po", "issued", "due", "total", "balance", "status"],
                lambda i: [i["invoice_id"], i["invoice_number"], i["customer_id"],
                           i["po_number"] or "", i["issue_date"], i["due_date"],
                           f"{i['total']} {i['currency']}", i["balance"], i["status"]])
        return EXIT_OK


def _customer_known(conn, customer_id: str) -> bool:
    from sqlalchemy import exists, or_, select

    from ordergate.store import tables as t

    # A customer since removed from customers.csv may still have invoices: those count too.
    return conn.execute(select(or_(
        exists().where(t.customers.c.customer_id == customer_id),
        exists().where(t.invoices.c.customer_id == customer_id)))).scalar()


def _public(summary) -> dict:
    data = {name: getattr(summary, name) for name in summary.__slots__}
    data.pop("lines", None)
    data.pop("outbound", None)
    return data


def _invoice_ref(text: str) -> int | str:
    """An invoice id, or an invoice number as printed on it (anything that is not digits)."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return record_id(text)
    if not text or len(text) > 60:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is neither an invoice id nor an "
                                         f"invoice number")
    return text


class ShowInvoice(Command):
    name = "show"
    help = "one invoice with its lines, payments and where it was sent"

    def configure(self, parser):
        parser.add_argument("invoice_id", type=_invoice_ref, metavar="ID",
                            help="the invoice's id, or its number (INV-2026-000001)")
        add_json(parser)

    def run(self, args, settings):
        from ordergate.billing.receivables import get_invoice

        with ready_engine(settings).connect() as conn:
            invoice = get_invoice(conn, args.invoice_id, today=utcnow().date())
        if invoice is None:
            raise UsageError(f"no invoice {args.invoice_id}")
        data = {name: getattr(invoice, name) for name in invoice.__slots__}
        data["outbound"] = [{"kind": o["kind"], "path": str(settings.outbox / o["destination"] /
                                                            o["filename"])}
                            for o in invoice.outbound]
        if args.json:
            print_json(data)
            return EXIT_OK
        say(f"{invoice.kind.replace('_', ' ')} {invoice.invoice_number}  customer "
            f"{p(invoice.customer_id)}  order {invoice.order_id or '-'}  PO "
            f"{p(invoice.po_number or '-')}  status {invoice.status}")
        money = lambda value: p(amount_text(value, invoice.currency))  # noqa: E731
        say(f"  issued {invoice.issue_date}  due {invoice.due_date}  total {money(invoice.total)}"
            f"  paid {money(invoice.paid)}  balance {money(invoice.balance)}")
        say(table([[line["line_number"], line["sku"], line["quantity"], line["unit_price"],
                    line["tax_rate"], line["amount"], line["tax"]] for line in invoice.lines],
                  ["line", "sku", "quantity", "price", "tax %", "amount", "tax"]))
        for out in data["outbound"]:
            say(f"  {out['kind']}: {p(out['path'])}")
        return EXIT_OK


class ImportPayments(Command):
    name = "import"
    help = "apply a payments CSV (exit 1 when a row was refused)"

    def configure(self, parser):
        parser.add_argument("file", type=Path)
        add_by(parser)
        add_json(parser, help='print {"file", "payments": [...], "counts"}')

    def run(self, args, settings):
        from ordergate.processing.payment_files import import_payments

        try:
            content = args.file.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
        rows = import_payments(ready_engine(settings), content, args.file.name, actor=actor(args),
                               now=utcnow())
        entries = []
        for row in rows:
            result = row.result
            entries.append({"line": row.line, "status": row.status, "error": row.error,
                            "reference": result.payment.reference if result else None,
                            "invoice_number": result.payment.invoice_number if result else None,
                            "applied": result.applied if result else None,
                            "unapplied": result.unapplied if result else None,
                            "invoice_status": result.invoice_status if result else None,
                            "balance": result.balance if result else None})
        counts: dict[str, int] = {}
        for entry in entries:
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        if args.json:
            print_json({"file": str(args.file), "payments": entries, "counts": counts})
        else:
            say(table([[e["line"], e["reference"] or "", e["invoice_number"] or "", e["status"],
                        e["applied"] if e["applied"] is not None else "",
                        e["unapplied"] if e["unapplied"] else "",
                        e["balance"] if e["balance"] is not None else "", e["error"] or ""]
                       for e in entries],
                      ["line", "reference", "invoice", "status", "applied", "unapplied credit",
                       "balance", "problem"]))
        return EXIT_ATTENTION if counts.get("refused") else EXIT_OK


class Aging(Command):
    name = "aging"
    help = "per customer, the open balance by days past due"

    def configure(self, parser):
        add_json(parser, help='print {"as_of", "customers": [{"customer_id", "currency", '
                              '"current", "1-30", "31-60", "61-90", "over_90", "balance", '
                              '"unapplied_credit"}]}')

    def run(self, args, settings):
        from ordergate.billing.receivables import AGING_BUCKETS, aging

        today = utcnow().date()
        with ready_engine(settings).connect() as conn:
            report = aging(conn, today=today)
        if args.json:
            print_json({"as_of": today, "customers": report})
            return EXIT_OK
        say(f"receivables as of {today}")
        say(table([[r["customer_id"], r["currency"], *[r[b] for b in AGING_BUCKETS],
                    r["balance"], r["unapplied_credit"]] for r in report],
                  ["customer", "currency", "current", "1-30", "31-60", "61-90", "over 90",
                   "balance", "credit"]))
        return EXIT_OK


class CreateReturn(Command):
    name = "create"
    help = "record goods sent back and send the customer a credit note"

    def configure(self, parser):
        parser.add_argument("order_id", type=record_id)
        parser.add_argument("--line", type=line_quantity, action="append", dest="lines",
                            metavar="N=QTY", required=True, help="QTY of line N came back (repeat)")
        parser.add_argument("--reason", required=True, help="told to the customer on the credit note")
        parser.add_argument("--restock", action="store_true", help="put the goods back on hand")
        add_by(parser)
        add_json(parser, help='print {"return_id", "order_id", "credit_note": {...}, "restocked", "outbound"}')

    def run(self, args, settings):
        from ordergate.billing.returns import ReturnLine
        from ordergate.processing.returns import record_return

        returned, item = record_return(
            ready_engine(settings), settings, args.order_id,
            [ReturnLine(n, q) for n, q in args.lines], reason=args.reason, restock=args.restock,
            actor=actor(args), now=utcnow())
        note = returned.credit_note
        data = {"return_id": returned.return_id, "order_id": args.order_id,
                "credit_note": {"invoice_id": note.invoice_id, "invoice_number": note.invoice_number,
                                "corrects": note.corrects, "subtotal": note.subtotal,
                                "tax": note.tax, "total": note.total, "currency": note.currency,
                                "lines": [{"line_number": l.line_number, "sku": l.sku,
                                           "quantity": l.quantity, "amount": l.amount}
                                          for l in note.lines]},
                "restocked": returned.restocked,
                "filled": filled_entries(returned.filled),
                "outbound": outbound_paths(settings, item.outbound)}
        if item.problem:
            data["problem"] = item.problem
        if args.json:
            print_json(data)
            return EXIT_OK
        say(f"return {returned.return_id} of order {args.order_id}: credit note "
            f"{note.invoice_number} over {note.total:.2f} {note.currency}"
            + (f" (credits {note.corrects})" if note.corrects else ""))
        for out in data["outbound"]:
            say(f"  {out['kind']}: {p(out['path'])}")
        if item.problem:
            say(f"  not sent: {p(item.problem)}")
        say_filled(returned.filled, "the goods put back")
        return EXIT_OK


RETURNS = Group("returns", "goods customers send back", (CreateReturn(),))
INVOICES = Group("invoices", "invoices and credit notes",
                 (RunInvoices(), ListInvoices(), ShowInvoice(), RemindInvoices()))
PAYMENTS = Group("payments", "payments received", (ImportPayments(),))
AR = Group("ar", "accounts receivable", (Aging(),))
