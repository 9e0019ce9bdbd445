"""The ``ordergate`` command line: the parser, and the one table from error kind to exit code.

Exit codes, the same for every command:

* 0: all good;
* 1: something a person must look at failed or is held (a document failed, a delivery
  failed, a released order stays held), or a transient problem (a mail server that does not
  answer) stopped the run: running it again later may pass;
* 2: the command line or the configuration is wrong (a bad setting, an unusable database,
  no such order, an order that is not held).

Each command returns 0 or 1 for the outcomes it reports; errors are raised and turned into
one line on stderr and an exit code by ``EXIT_CODES``, never into a traceback. Anything
unexpected is a bug: one line naming it, the traceback in ``ORDERGATE_HOME/errors.log``.

Commands import what they need when they run (Prefect only for the flows), so that
``ordergate orders list`` starts quickly.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path

from ordergate.cli import (
    billing,
    db,
    documents,
    fulfilment,
    holds,
    mail,
    masterdata,
    notify,
    orders,
    outbox,
    report,
    run,
)
from ordergate.cli.command import (
    EXIT_ATTENTION,
    EXIT_OK,
    EXIT_USAGE,
    Command,
    Group,
    busy_database,
)
from ordergate.cli.output import say
from ordergate.errors import (
    ConfigError,
    DocumentError,
    InternalError,
    OrdergateError,
    TransientError,
    UsageError,
)
from ordergate.printable import install_log_escaping, printable

__all__ = ["EXIT_CODES", "build_parser", "exit_code_for", "main"]

log = logging.getLogger("ordergate.cli")

# error kind -> exit code and the line on stderr; the first kind the error is an instance of
# decides, so a subclass listed before its base can get its own.
EXIT_CODES: tuple[tuple[type[Exception], int, str], ...] = (
    (ConfigError, EXIT_USAGE, "ordergate: {error}"),
    (UsageError, EXIT_USAGE, "ordergate: {error}"),
    (TransientError, EXIT_ATTENTION, "ordergate: {error} (this may pass: try again later)"),
    (DocumentError, EXIT_ATTENTION, "ordergate: {error}"),
    (OrdergateError, EXIT_ATTENTION, "ordergate: {error}"),
)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

# Top-level commands and groups, in the order ``ordergate --help`` lists them.
COMMANDS: tuple[Command | Group, ...] = (
    db.GROUP, masterdata.Seed(), run.Ingest(), orders.GROUP, outbox.GROUP, documents.GROUP,
    run.Replay(), run.Poll(), masterdata.Stock(), holds.GROUP, fulfilment.Pick(),
    fulfilment.Ship(), fulfilment.SHIPMENTS, billing.INVOICES, billing.RETURNS, billing.PAYMENTS,
    billing.AR,
    report.Report(), mail.GROUP, run.Serve(), run.Deploy(), notify.GROUP,
)


def exit_code_for(error: Exception) -> tuple[int, str] | None:
    """The exit code and message line for an error of a kind in ``EXIT_CODES``, else None
    (a bug: reported as an internal error with its traceback)."""
    if isinstance(error, InternalError):
        return None
    for kind, code, line in EXIT_CODES:
        if isinstance(error, kind):
            return code, line.format(error=error)
    return None


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line, as every other error of the command line is: the
    usage it prints first ran to several lines; ``--help`` still shows it all."""

    def error(self, message: str):  # type: ignore[override]
        # printable: the message quotes what was typed, which may hold control characters
        self.exit(EXIT_USAGE, f"{self.prog}: {printable(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ordergate", description="Purchase orders in, sales orders and acknowledgements out.",
        epilog="exit codes: 0 all good; 1 something to look at failed or is held (or a transient "
               "problem: try again); 2 usage or configuration error")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)
    for entry in COMMANDS:
        if isinstance(entry, Group):
            group = sub.add_parser(entry.name, help=entry.help).add_subparsers(
                dest=f"{entry.name}_command", required=True)
            for command in entry.commands:
                _add(group, command)
        else:
            _add(sub, entry)
    return parser


def _add(subparsers, command: Command) -> None:
    parser = subparsers.add_parser(command.name, help=command.help)
    command.configure(parser)
    parser.set_defaults(handler=command)


def main(argv: list[str] | None = None) -> int:
    # From here on a sender's control or bidi characters in a log message are shown escaped.
    install_log_escaping()
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    # Prefect's run loggers work at INFO (their records go to its API, for the UI); the
    # terminal's handler itself keeps to the command's level, or they would print here too.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    settings = None
    try:
        settings = _settings()
        return args.handler.run(args, settings)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `ordergate orders list | head`
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the one place every error becomes an exit code
        known = exit_code_for(busy_database(exc) or exc)  # a locked database is transient
        if known is not None:
            code, line = known
            log.debug("exit %d", code, exc_info=True)
            say(line, file=sys.stderr)
            return code
        command_line = sys.argv[1:] if argv is None else argv
        return _internal_error(exc, settings, command_line, verbose=args.verbose)


def _settings():
    from ordergate.settings import Settings

    return Settings()  # a bad ORDERGATE_* setting is a ConfigError naming the variable


def _internal_error(exc: Exception, settings, command_line: list[str], *, verbose: bool) -> int:
    """A bug: one line on stderr, the traceback where it can be read later."""
    where = _append_traceback(exc, settings, command_line)
    if verbose:
        log.error("internal error", exc_info=exc)
    hint = f"details in {where}" if where else "run again with -v for the details"
    # printable: the message may quote a sender's text, line breaks included, and stays one line
    say(f"ordergate: internal error: {type(exc).__name__}: {printable(str(exc))}; {hint}",
        file=sys.stderr)
    return EXIT_ATTENTION


def _append_traceback(exc: Exception, settings, command_line: list[str]) -> Path | None:
    if settings is None:
        return None
    path = Path(settings.home) / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log_file:
            log_file.write(f"--- {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC "
                           f"ordergate {' '.join(command_line)}\n")
            log_file.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return path
