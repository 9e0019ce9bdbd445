"""Interactive at scale: ``orders list`` over 1,000,000 orders and the delivery of 10,000
queued messages, on SQLite and PostgreSQL.

The orders are inserted directly (one executemany; a small stored detail, one held order in a
thousand), since what is measured is the listing, not the intake. ``orders list`` is timed as
ops run it, through the command line in a child process (start-up included), and its query
alone in process, for every status filter: none, the common one (accepted), a rare one (held)
and one no order has (cancelled), which is the one a careless plan scans the table for. The
10,000 messages are X12 997s of about 1 KB, pending, delivered by ``deliver_pending`` into the
outbox folder.

    python -m benchmarks.bench_queries [--orders N] [--messages N] [--no-pg] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.bench_e2e import machine, write_block
from benchmarks.bench_scale import prepared_engine
from benchmarks.databases import Database, candidates

STATUSES = (None, "accepted", "held", "cancelled")


def fill(engine, orders: int, messages: int) -> None:
    from ordergate.store import tables as t

    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(t.documents.insert(), [{"id": 1, "content_hash": "bench", "channel": "bench",
                                             "source_ref": "bench", "received_at": now, "size": 1,
                                             "status": "processed"}])
        for start in range(0, orders, 100_000):
            conn.execute(t.orders.insert(), [
                {"document_id": 1, "source_key": str(n), "channel": "bench", "format": "x12_850",
                 "partner_id": "ZZ:BENCHBUY", "customer_id": "BENCH", "po_number": f"Q{n:08d}",
                 "purpose": "00", "status": "held" if n % 1000 == 0 else "accepted",
                 "detail": "{}", "total": 100, "created_at": now, "updated_at": now}
                for n in range(start, min(orders, start + 100_000))])
        payload = b"ISA*" + b"X" * 1000 + b"~"
        conn.execute(t.outbox.insert(), [
            {"dedupe_key": f"bench-{n}", "kind": "997", "partner_id": "ZZ:BENCHBUY",
             "customer_id": "BENCH", "destination": "BENCH", "filename": f"997_{n:06d}.x12",
             "document_id": 1, "payload": payload, "status": "pending", "attempts": 0,
             "created_at": now} for n in range(messages)])


def cli_seconds(home: Path, url: str | None, *argv: str) -> float:
    env = dict(os.environ, ORDERGATE_HOME=str(home))
    env.pop("ORDERGATE_DATABASE_URL", None)
    if url:
        env["ORDERGATE_DATABASE_URL"] = url
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ordergate", *argv], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(db: Database, orders: int, messages: int) -> list[str]:
    from ordergate.orders.queries import list_orders
    from ordergate.outbox.queue import deliver_pending

    home, url = db.fresh()
    settings, engine = prepared_engine(home, url)
    try:
        fill(engine, orders, messages)
        rows = []
        for status in STATUSES:
            query = min(_timed(lambda: list_orders(engine, status=status)) for _ in range(3))
            argv = ["orders", "list"] + (["--status", status] if status else [])
            command = cli_seconds(home, url, *argv)
            rows.append(f"| {db.name} | `orders list{' --status ' + status if status else ''}` "
                        f"| {command * 1000:,.0f} ms | {query * 1000:,.1f} ms |")
        start = time.perf_counter()
        delivered = deliver_pending(engine, settings.outbox)
        seconds = time.perf_counter() - start
        if len(delivered) != messages or any(d.status != "sent" for d in delivered):
            raise SystemExit(f"{db.name}: {len(delivered)} of {messages} messages delivered")
        rows.append(f"| {db.name} | deliver {messages:,} pending messages | "
                    f"{seconds:,.1f} s ({messages / seconds:,.0f} messages/s) | |")
        return rows
    finally:
        engine.dispose()


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="ordergate-bench-queries-"))
    databases = candidates(workdir, pg=not args.no_pg)
    rows: list[str] = []
    try:
        for db in databases:
            rows += measure(db, args.orders, args.messages)
            print("\n".join(rows[-(len(STATUSES) + 1):]), flush=True)
    finally:
        for db in databases:
            db.close()
    table = ["| database | what | command line (start-up included) | query alone |",
             "|---|---|---|---|", *rows]
    header = (f"{args.orders:,} orders (1 in 1,000 held), {args.messages:,} pending 1 KB "
              f"messages. Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.")
    block = header + "\n\n" + "\n".join(table)
    print(block)
    if not args.no_write:
        write_block(block, name="bench_queries", title="Interactive at scale")


if __name__ == "__main__":
    main()
