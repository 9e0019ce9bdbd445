"""How long migration 0007 (document bytes into a table of their own) takes per GB.

A database at revision 0006 is filled with ``--gb`` GB of stored X12 interchanges (8 MB each,
bytes in the document rows, as that version stored them), then ``ordergate.store.db.upgrade``
brings it to the head and is timed: on PostgreSQL the copy is committed in batches of about
64 MB, on SQLite it is one statement. Figures go into the README ("Upgrading") and
BENCHMARKS.md.

    python -m benchmarks.bench_migration [--gb 1] [--no-pg] [--no-write]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.bench_e2e import SKUS, machine, write_block
from benchmarks.databases import Database, candidates
from benchmarks.gen_850 import generate_850_interchange

DOCUMENT_BYTES = 8 * 1024 * 1024


def fill(engine, gb: float) -> int:
    """Documents of about 8 MB until ``gb`` GB are stored; their total size in bytes."""
    from sqlalchemy import text

    body = generate_850_interchange(11_000, 10, skus=SKUS)[:DOCUMENT_BYTES]
    total, n = 0, 0
    while total < gb * 1e9:
        content = body + f"~document {n}".encode()
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO documents (content_hash, channel, source_ref, received_at, size, "
                "status, content) VALUES (:hash, 'bench', :ref, CURRENT_TIMESTAMP, :size, "
                "'processed', :content)"),
                {"hash": f"{n:064d}", "ref": f"bench{n}.x12", "size": len(content),
                 "content": content})
        total += len(content)
        n += 1
    return total


def measure(db: Database, gb: float) -> tuple[float, int]:
    from ordergate.app import open_engine
    from ordergate.settings import Settings
    from ordergate.store.db import upgrade

    home, url = db.fresh()
    engine = open_engine(Settings(home=home, database_url=url))
    upgrade(engine, "0006")
    size = fill(engine, gb)
    start = time.perf_counter()
    upgrade(engine)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ordergate-bench-migration-"))
    databases = candidates(workdir, pg=not args.no_pg)
    lines = ["| database | document bytes | 0006 → head | per GB |", "|---|---|---|---|"]
    try:
        for db in databases:
            seconds, size = measure(db, args.gb)
            per_gb = seconds / (size / 1e9)
            lines.append(f"| {db.name} | {size / 1e9:.2f} GB | {seconds:.1f} s | {per_gb:.0f} s |")
            print(lines[-1], flush=True)
    finally:
        for db in databases:
            db.close()
        shutil.rmtree(workdir, ignore_errors=True)
    block = (f"Machine: {machine()}. `python -m benchmarks.bench_migration --gb {args.gb:g}` "
             f"({datetime.now(timezone.utc):%Y-%m-%d}): migration 0007 copies every stored "
             f"document's bytes into `document_contents`.\n\n" + "\n".join(lines))
    print(block)
    if not args.no_write:
        write_block(block, name="bench_migration", title="Upgrading a large database")


if __name__ == "__main__":
    main()
