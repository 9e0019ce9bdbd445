"""``ordergate db``: the database schema and its file."""

from __future__ import annotations

from ordergate.cli.command import EXIT_ATTENTION, EXIT_OK, Command, Group, unusable
from ordergate.cli.options import add_json
from ordergate.cli.output import p, print_json, size

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


class Backup(Command):
    """Not through ``ready_engine``: a backup copies the database as it is."""

    name = "backup"
    help = ("copy the database into DIR while workers run (SQLite's online backup, pg_dump for "
            "PostgreSQL), with a manifest of its row counts")

    def configure(self, parser):
        parser.add_argument("folder", metavar="DIR")
        add_json(parser, help='print {"file", "database", "revision", "created_at", "bytes", '
                              '"counts"}')

    def run(self, args, settings):
        from dataclasses import asdict
        from pathlib import Path

        from sqlalchemy.exc import OperationalError

        from ordergate.app import open_engine
        from ordergate.clock import utcnow
        from ordergate.store.backup import backup
        from ordergate.store.db import current_revision

        engine = open_engine(settings)
        try:
            info = backup(engine, Path(args.folder), now=utcnow(),
                          revision=current_revision(engine))
        except OperationalError as exc:
            raise unusable(settings, exc) from None
        if args.json:
            print_json(asdict(info))
            return EXIT_OK
        print(f"backed up {settings.safe_database_url} (revision {info.revision}) to {p(info.file)} "
              f"({size(info.bytes)}): " + ", ".join(f"{count} {name}"
                                                    for name, count in info.counts.items()))
        return EXIT_OK


class Restore(Command):
    name = "restore"
    help = ("restore a backup into an empty database (--force: replace what it holds); EDI "
            "control numbers then move ahead so none sent after the backup is reused")

    def configure(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--force", action="store_true",
                            help="replace the documents and orders the database holds")
        add_json(parser, help='print {"file", "database", "revision", "counts", "expected", '
                              '"matches", "sequences_moved", "last_invoice_numbers"}')

    def run(self, args, settings):
        from dataclasses import asdict
        from pathlib import Path

        from sqlalchemy.exc import OperationalError

        from ordergate.app import open_engine
        from ordergate.store.backup import RESTORE_JUMP, restore
        from ordergate.store.db import upgrade

        engine = open_engine(settings)
        try:
            info = restore(engine, Path(args.file), force=args.force, upgrade=upgrade)
        except OperationalError as exc:
            raise unusable(settings, exc) from None
        if args.json:
            print_json(asdict(info))
            return EXIT_OK if info.matches is not False else EXIT_ATTENTION
        print(f"restored {p(info.file)} into {settings.safe_database_url} (now at revision "
              f"{info.revision}): " + ", ".join(f"{count} {name}" for name, count in info.counts.items()))
        if info.matches is False:
            print(f"the counts differ from the backup's manifest: {info.expected}")
        elif info.matches is None:
            print("the backup has no manifest beside it: its counts were not checked")
        print(f"{info.sequences_moved} EDI control-number sequences moved ahead by "
              f"{RESTORE_JUMP:,}, so that no number sent after the backup is used again")
        if info.last_invoice_numbers:
            print("last invoice numbers in the restored database: "
                  + ", ".join(info.last_invoice_numbers)
                  + " (invoices issued after the backup are not in it: enter them again)")
        return EXIT_OK if info.matches is not False else EXIT_ATTENTION


GROUP = Group("db", "database schema, backups", (Upgrade(), Vacuum(), Backup(), Restore()))
