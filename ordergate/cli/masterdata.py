"""``ordergate seed`` and ``ordergate stock``: master data in, stock levels out."""

from __future__ import annotations

from pathlib import Path

from ordergate.cli.command import EXIT_OK, Command, ready_engine
from ordergate.cli.fulfilment import ReceiveStock
from ordergate.cli.options import add_json
from ordergate.cli.output import clip, listing, p, print_json, qty, say


class Seed(Command):
    name = "seed"
    help = "load master data CSV files from a folder (upsert)"

    def configure(self, parser):
        parser.add_argument("folder")
        add_json(parser, help='print {"loaded": {file name: rows}}')

    def run(self, args, settings):
        from ordergate.masterdata.seed import seed_masterdata

        report = seed_masterdata(ready_engine(settings), Path(args.folder))
        if args.json:
            print_json({"loaded": dict(report.counts)})
        else:
            for name, count in report.counts.items():
                say(f"{p(name)}: {count} rows loaded")
        return EXIT_OK


class Stock(Command):
    name = "stock"
    help = "stock per SKU: on hand, allocated, available, reorder suggestions; stock receive"

    def configure(self, parser):
        parser.add_argument("--reorders", action="store_true", help="only SKUs below their reorder point")
        add_json(parser)
        # ``ordergate stock`` lists; ``ordergate stock receive`` books goods received.
        sub = parser.add_subparsers(dest="stock_command", required=False)
        receive = ReceiveStock()
        receive.configure(sub.add_parser(receive.name, help=receive.help))
        sub.choices[receive.name].set_defaults(handler=receive)

    def run(self, args, settings):
        from ordergate.orders.allocation import stock_report

        with ready_engine(settings).connect() as conn:
            lines = stock_report(conn, only_reorders=args.reorders)
        listing(args, "stock", lines,
                ["sku", "on hand", "allocated", "available", "reorder point", "reorder now", "description"],
                lambda s: [s.sku, qty(s.on_hand), qty(s.allocated), qty(s.available),
                           qty(s.reorder_point), qty(s.suggested), clip(s.description, 40)])
        return EXIT_OK

