"""``ordergate db``: the database schema and its file."""

from __future__ import annotations

from ordergate.cli.command import EXIT_OK, Command, Group, unusable
from ordergate.cli.options import add_json
from ordergate.cli.output import print_json, size

# Free space in a SQLite file worth mentioning after an upgrade.
VACUUM_HINT_BYTES = 64 * 1024 * 1024


class Upgrade(Command):
    name = "upgrade"
    help = "run the Alembic migrations to the latest revision"

    def configure(self, parser):
        add_json(parser, help='print {"database", "revision", "free_bytes"}')

    def run(self, args, settings):
        from sqlalchemy.exc import OperationalError

        from ordergate.app import open_engine
        from ordergate.store.db import current_revision, free_bytes, upgrade

        engine = open_engine(settings)
        try:
            upgrade(engine)
        except OperationalError as exc:  # a server that does not answer, a file that cannot open
            raise unusable(settings, exc) from None
        revision, free = current_revision(engine), free_bytes(engine)
        if args.json:
            print_json({"database": settings.safe_database_url, "revision": revision,
                        "free_bytes": free})
            return EXIT_OK
        print(f"database {settings.safe_database_url} is at revision {revision}")
        if (free or 0) >= VACUUM_HINT_BYTES:  # e.g. after 0007 moved every document's bytes
            print(f"{size(free)} of the database file is free space: "
                  f"`ordergate db vacuum` gives it back to the disk")
        return EXIT_OK


class Vacuum(Command):
    """Not through ``ready_engine``: vacuuming never changes the schema on its own."""

    name = "vacuum"
    help = ("SQLite: give the file's free space back to the disk (rewrites the file, needs as "
            "much free disk); PostgreSQL: VACUUM")

    def configure(self, parser):
        add_json(parser, help='print {"database", "freed_bytes", "given_back"}')

    def run(self, args, settings):
        import sqlite3

        from sqlalchemy.exc import OperationalError

        from ordergate.app import open_engine
        from ordergate.store.db import free_bytes, vacuum

        engine = open_engine(settings)
        try:
            before = free_bytes(engine)
            truncated = vacuum(engine)
        except (OperationalError, sqlite3.OperationalError) as exc:  # e.g. a writer held it too long
            raise unusable(settings, exc) from None
        if args.json:
            # freed_bytes is None for PostgreSQL, which does not say; given_back is whether
            # the file shrank now (SQLite) or the space is reusable (PostgreSQL)
            print_json({"database": settings.safe_database_url, "freed_bytes": before,
                        "given_back": truncated})
        elif before is None:
            print(f"database {settings.safe_database_url} vacuumed: its free space is reusable by "
                  f"PostgreSQL (VACUUM FULL returns it to the disk, locking each table meanwhile)")
        elif truncated:
            print(f"database {settings.safe_database_url} vacuumed: {size(before)} given back")
        else:
            print(f"database {settings.safe_database_url} vacuumed: {size(before)} freed, given back "
                  f"to the disk once the other connections reading it are done")
        return EXIT_OK


GROUP = Group("db", "database schema", (Upgrade(), Vacuum()))
