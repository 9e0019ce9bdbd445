"""Commands that process documents: ``ingest`` files now, ``replay`` a stored one, ``poll``
the drop folder once, ``serve`` the schedules or ``deploy`` them for process workers. Prefect is
imported only by the last three."""

from __future__ import annotations

from pathlib import Path

from ordergate.cli.command import (
    EXIT_ATTENTION,
    EXIT_OK,
    Command,
    actor,
    ready_engine,
    report_exit,
)
from ordergate.cli.flowrun import report_of_flow
from ordergate.cli.options import add_by, add_json, record_id
from ordergate.cli.output import print_json, print_report, say
from ordergate.errors import UsageError
from ordergate.statuses import DocumentStatus

_REPORT_JSON = "print one JSON object (the keys are listed in the README)"


class Ingest(Command):
    name = "ingest"
    help = "process files now, through the same code the flows use"

    def configure(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        add_json(parser, help="print one JSON object")
        parser.add_argument("--customer",
                            help="the customer these files come from, where the format does not say")
        parser.add_argument("--no-deliver", action="store_true",
                            help="queue acknowledgements but do not deliver them")
        add_by(parser)

    def run(self, args, settings):
        from ordergate.app import open_mailer
        from ordergate.processing.dropfolder_run import (
            deliver_and_annotate,
            ingest_paths,
        )

        engine = ready_engine(settings)
        report = ingest_paths(engine, settings, [Path(p) for p in args.paths], actor=actor(args),
                              customer=args.customer, spool_orders=args.json)
        if not args.no_deliver:
            deliver_and_annotate(engine, settings, report, mailer=open_mailer(settings))
        print_report(args, report)
        return report_exit(report)


class Replay(Command):
    """Process a stored document again (after fixing master data, say)."""

    name = "replay"
    help = "process a stored failed (or half-done) document again"

    def configure(self, parser):
        parser.add_argument("document_id", type=record_id)
        add_json(parser, help=_REPORT_JSON)
        add_by(parser)

    def run(self, args, settings):
        from ordergate.app import open_mailer
        from ordergate.documents import RawDocument
        from ordergate.orders.queries import load_document
        from ordergate.processing.dropfolder_run import deliver_and_annotate
        from ordergate.processing.ingest import ingest_documents

        engine = ready_engine(settings)
        row = load_document(engine, args.document_id)
        if row is None:
            raise UsageError(f"no document {args.document_id}")
        if row.status in (DocumentStatus.PROCESSED, DocumentStatus.DUPLICATE):
            raise UsageError(f"document {args.document_id} is already {row.status}; nothing to "
                             f"replay (replay is for failed or interrupted documents)")
        raw = RawDocument(content=row.content, channel=row.channel, source_ref=row.source_ref,
                          sender=row.sender, customer_hint=row.customer_hint,
                          received_at=row.received_at)
        report = ingest_documents(engine, settings, [raw], actor=actor(args),
                                  spool_orders=args.json)
        deliver_and_annotate(engine, settings, report, mailer=open_mailer(settings))
        print_report(args, report)
        stuck = (DocumentStatus.FAILED, DocumentStatus.IN_PROGRESS)
        return EXIT_ATTENTION if report.documents[0].status in stuck else EXIT_OK


class Poll(Command):
    """Run the drop-folder flow once (as the schedule would), then print the summary."""

    name = "poll"
    help = "run the drop-folder ingest flow once (exit 1 when a document failed)"

    def configure(self, parser):
        add_json(parser, help=_REPORT_JSON)

    def run(self, args, settings):
        def start():
            from ordergate.flows.ingest_flow import ingest_drop_folder

            return ingest_drop_folder(return_state=True)

        return report_of_flow(args, settings, start)


class Serve(Command):
    name = "serve"
    help = "serve the Prefect deployments (drop-folder poll, outbox delivery)"

    def run(self, args, settings):
        from ordergate.flows.runtime import quiet_prefect

        quiet_prefect()
        from ordergate.flows.serve import serve

        ready_engine(settings)
        serve(settings)
        return EXIT_OK



class Deploy(Command):
    name = "deploy"
    help = ("create or update the deployments for process workers of a work pool on the "
            "Prefect server at PREFECT_API_URL (names ending -worker)")

    def configure(self, parser):
        parser.add_argument("--pool", default="ordergate",
                            help="the process work pool (default: %(default)s)")
        add_json(parser, help='print {"pool", "deployments": [flow/deployment names]}')

    def run(self, args, settings):
        from ordergate.cli.notify import require_prefect_server

        require_prefect_server("deploy creates deployments on")
        from ordergate.flows.runtime import quiet_prefect

        quiet_prefect()
        from ordergate.flows.serve import deploy

        made = deploy(settings, args.pool)
        if args.json:
            print_json({"pool": args.pool, "deployments": made})
        else:
            say(f"work pool {args.pool}: {', '.join(made)}; start a worker with `prefect worker "
                f"start --pool {args.pool}` where ORDERGATE_HOME and ORDERGATE_DATABASE_URL are "
                f"set")
        return EXIT_OK
