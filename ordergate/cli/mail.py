"""``ordergate mail``: the orders mailbox (IMAP, or the local Maildir)."""

from __future__ import annotations

from ordergate.cli.command import EXIT_OK, Command, Group, ready_engine
from ordergate.cli.flowrun import quiet_run_failures, report_of_flow
from ordergate.cli.options import add_json, add_limit
from ordergate.cli.output import render_ingest_summary, say


class PollMailbox(Command):
    name = "poll"
    help = "run the mailbox flow once (exit 1 when a document failed)"

    def configure(self, parser):
        add_limit(parser, default=None, help="at most this many mails")
        add_json(parser, help="print one JSON object, as ingest --json does")

    def run(self, args, settings):
        def start():
            from ordergate.flows.mail_flow import ingest_mailbox

            return ingest_mailbox(max_mails=args.limit, return_state=True)

        return report_of_flow(args, settings, start)


class Watch(Command):
    name = "watch"
    help = "wait for new mail with IMAP IDLE and process it as it arrives"

    def run(self, args, settings):
        import threading

        from ordergate.flows.runtime import quiet_prefect, without_heartbeats

        quiet_prefect(temporary_server=True)
        quiet_run_failures()
        from ordergate.app import imap_login
        from ordergate.flows.mail_flow import ingest_mailbox
        from ordergate.flows.story import report_of
        from ordergate.sources.imap_idle import watch_mailbox

        imap, password = imap_login(settings)
        ready_engine(settings)
        stop = threading.Event()
        print("watching the mailbox (Ctrl-C stops)", flush=True)
        try:
            with without_heartbeats():
                watch_mailbox(imap, password,
                              lambda: say(render_ingest_summary(
                                  report_of(ingest_mailbox(return_state=True))), flush=True),
                              stop=stop)
        except KeyboardInterrupt:
            stop.set()
        return EXIT_OK


GROUP = Group("mail", "the orders mailbox (IMAP, or the local Maildir)", (PollMailbox(), Watch()))
