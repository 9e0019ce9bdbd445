"""``ordergate notify setup``: the notification block and automations on the Prefect server."""

from __future__ import annotations

import os

from ordergate.cli.command import EXIT_OK, Command, Group
from ordergate.cli.options import add_json
from ordergate.cli.output import p, print_json, say
from ordergate.errors import ConfigError


def require_prefect_server(what: str) -> None:
    """Refuse a command that changes a Prefect server when none is named: the temporary one
    a command would start ends with the command, and with it what was made there."""
    if not os.environ.get("PREFECT_API_URL"):
        raise ConfigError(f"{what} a running Prefect server: set PREFECT_API_URL (`ordergate "
                          f"serve` prints its address)")


class Setup(Command):
    name = "setup"
    help = ("create (or update) the notification block and one automation per event on the "
            "Prefect server at PREFECT_API_URL")

    def configure(self, parser):
        add_json(parser, help='print {"channel", "block", "automations": [names]}')

    def run(self, args, settings):
        # The temporary server a command would start ends with it, automations and all.
        require_prefect_server("notify setup configures")
        from ordergate.flows.notify import setup_notifications
        from ordergate.flows.runtime import quiet_prefect

        quiet_prefect()
        made = setup_notifications(settings)
        if args.json:
            print_json({"channel": made.channel, "block": made.block,
                        "automations": made.automations})
        else:
            say(f"notification block {p(made.block)} ({made.channel}); automations: "
                f"{', '.join(made.automations)}")
        return EXIT_OK


GROUP = Group("notify", "tell ops at once of holds and failures (Prefect automations)", (Setup(),))
