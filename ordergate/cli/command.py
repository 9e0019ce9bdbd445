"""What a command is: its name and help, the options it takes, and what it does.

Each command is one small class holding its options (``configure``) beside its handler
(``run``); a ``Group`` gathers the subcommands of one noun (``orders list``, ``orders show``).
``run`` returns the exit code for the outcomes it knows of and raises the rest: the table in
``ordergate.cli`` turns an error kind into an exit code and one line, so no command repeats it.
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
from dataclasses import dataclass

from ordergate.errors import ConfigError, TransientError
from ordergate.settings import Settings

EXIT_OK = 0
EXIT_ATTENTION = 1  # something a person must look at failed or is held
EXIT_USAGE = 2  # the command or the configuration is wrong


class Command:
    """One command. Subclasses set ``name`` and ``help`` and override ``run``."""

    name: str = ""
    help: str = ""

    def configure(self, parser: argparse.ArgumentParser) -> None:
        """Add this command's arguments and options to ``parser``."""

    def run(self, args: argparse.Namespace, settings: Settings) -> int:
        raise NotImplementedError


@dataclass(frozen=True)
class Group:
    """A noun whose commands are its subcommands: ``ordergate <name> <command>``."""

    name: str
    help: str
    commands: tuple[Command, ...]


def actor(args: argparse.Namespace) -> str:
    """Who acts: ``--by`` or the OS user, recorded in the order's history."""
    return getattr(args, "by", None) or f"cli:{getpass.getuser()}"


def ready_engine(settings: Settings):
    """The engine, with the schema at the latest revision (a no-op when it already is)."""
    from sqlalchemy.exc import OperationalError

    from ordergate.app import open_engine
    from ordergate.store.db import ensure_schema

    try:
        engine = open_engine(settings)  # creates ORDERGATE_HOME's folders
    except OSError as exc:  # e.g. ORDERGATE_HOME names a file, or a folder we may not write
        raise ConfigError(f"cannot use ORDERGATE_HOME {settings.home}: {exc.strerror}"
                          + (f": {exc.filename}" if exc.filename else "")) from exc
    try:
        ensure_schema(engine)
    except OperationalError as exc:  # a server that does not answer, a file that cannot open
        raise unusable(settings, exc) from None
    return engine


def unusable(settings: Settings, exc: Exception) -> ConfigError | TransientError:
    """The error to report when the database cannot be used: transient when another process
    holds its lock, else a configuration error (no server there, a file that cannot open)."""
    return busy_database(exc) or ConfigError(
        f"cannot use the database at {settings.safe_database_url}: {_first_line(exc)}")


def busy_database(exc: BaseException) -> TransientError | None:
    """A TransientError for a driver's "database is locked" (another process held the write
    lock past the busy timeout) or PostgreSQL's lock timeout: the same command later passes."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, (OperationalError, sqlite3.OperationalError)):
        return None
    why = _first_line(exc)
    if "database is locked" in why or "lock timeout" in why or "could not obtain lock" in why:
        return TransientError(f"the database is busy: {why}")
    return None


def _first_line(exc: BaseException) -> str:
    why = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error, sqlite3 not
    return (str(why).strip().splitlines() or [""])[0]


def report_exit(report) -> int:
    """An ingest report's exit code: 1 when a document failed (it is kept, with its reason,
    for ``documents show`` and ``replay``). Held orders do not count: they wait in
    ``holds list``, which is where a person looks for them."""
    from ordergate.statuses import DocumentStatus

    failed = any(doc.status == DocumentStatus.FAILED for doc in report.documents)
    return EXIT_ATTENTION if failed else EXIT_OK
