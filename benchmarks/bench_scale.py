"""Scale benchmark: ``ordergate ingest`` through the command line at two interchange sizes, with
its peak memory, and the raw cost of storing the same rows beside it, in one run.

For each database (SQLite in a fresh home; PostgreSQL, a database created per run, when the
local server answers) and each size (``--small`` and ``--large`` orders of 10 lines):

  1. ``ordergate ingest FILE --no-deliver`` in a child process, as a user runs it: wall time and
     the peak resident memory of its process tree (the command and its prepare process, summed
     from /proc every 10 ms: pages the fork shares count twice, so the figure errs high);
  2. the same document through ``ingest_documents`` in this process (no start-up, no output);
  3. the floor: the rows the ingest stored (orders and order lines, read back) inserted again
     into an empty database of the same kind with one SQLAlchemy Core ``executemany`` per table,
     in one transaction.

Goals (issue "Scale"): peak memory at the large size ≤ 300 MB and ≤ 1.3× the small size's; the
large size's rate ≥ 0.8× the small size's; end to end ≥ 0.5× the raw insert of the same rows on
each database. Rewrites the block in BENCHMARKS.md.

    python -m benchmarks.bench_scale [--small N] [--large N] [--runs N] [--large-runs N] [--no-pg]
                                     [--no-write]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.bench_e2e import SKUS, machine, seed_benchmark_masterdata, write_block
from benchmarks.databases import Database, candidates
from benchmarks.gen_850 import generate_850_interchange

MB = 1024 * 1024


@dataclass
class Measure:
    database: str
    orders: int
    cli_seconds: float
    peak_bytes: int
    inproc_seconds: float
    raw_seconds: float

    @property
    def cli_rate(self) -> float:
        return self.orders / self.cli_seconds

    @property
    def inproc_rate(self) -> float:
        return self.orders / self.inproc_seconds

    @property
    def raw_rate(self) -> float:
        return self.orders / self.raw_seconds


# ---------------------------------------------------------------- memory of a process tree
def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found += [int(c) for c in text.split()]
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss(current)
        todo += _children(current)
    return total


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, int, bytes]:
    """Run ``argv``; (seconds, peak RSS of its tree, stdout)."""
    peak = [0]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE)
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss(process.pid))
                done.wait(0.01)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, err = process.communicate()
        elapsed = time.perf_counter() - start
        done.set()
        watcher.join()
        out.seek(0)
        printed = out.read()
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {process.returncode}: "
                             f"{(err or printed).decode(errors='replace')[-2000:]}")
        return elapsed, peak[0], printed


def prepared_engine(home: Path, url: str | None):
    from ordergate.app import open_engine
    from ordergate.settings import Settings
    from ordergate.store.db import upgrade

    settings = Settings(home=home, database_url=url)
    engine = open_engine(settings)
    upgrade(engine)
    seed_benchmark_masterdata(engine)
    return settings, engine


def count_accepted(engine) -> int:
    from sqlalchemy import func, select

    from ordergate.store import tables as t

    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.orders)
                            .where(t.orders.c.status == "accepted")).scalar_one()


# ---------------------------------------------------------------- the three measures
def cli_ingest(db: Database, path: Path, orders: int) -> tuple[float, int, object, str | None]:
    """Seconds and peak bytes of ``ordergate ingest``; the engine and URL of its database."""
    home, url = db.fresh()
    _, engine = prepared_engine(home, url)
    env = dict(os.environ, ORDERGATE_HOME=str(home))
    env.pop("ORDERGATE_DATABASE_URL", None)
    if url:
        env["ORDERGATE_DATABASE_URL"] = url
    seconds, peak, _ = run_measured(
        [sys.executable, "-m", "ordergate", "ingest", str(path), "--no-deliver"], env)
    accepted = count_accepted(engine)
    if accepted != orders:
        raise SystemExit(f"{db.name}: the command line accepted {accepted} of {orders} orders")
    return seconds, peak, engine, url


def inproc_ingest(db: Database, data: bytes, orders: int) -> float:
    from ordergate.documents import RawDocument
    from ordergate.processing.ingest import ingest_documents

    home, url = db.fresh()
    settings, engine = prepared_engine(home, url)
    raw = RawDocument(content=data, channel="benchmark", source_ref="bench.x12")
    try:
        start = time.perf_counter()
        report = ingest_documents(engine, settings, [raw], actor="benchmark")
        seconds = time.perf_counter() - start
        if report.documents[0].status != "processed" or count_accepted(engine) != orders:
            raise SystemExit(f"{db.name}: in-process ingest did not process cleanly: "
                             f"{report.documents[0].error}")
    finally:
        engine.dispose()
    return seconds


def raw_insert(db: Database, source) -> float:
    """Seconds to insert the orders and lines ``source`` holds into an empty database of the
    same kind: one executemany per table, one transaction."""
    from sqlalchemy import select

    from ordergate.store import tables as t

    with source.connect() as conn:
        orders = [dict(r._mapping) for r in conn.execute(select(t.orders))]
        lines = [dict(r._mapping) for r in conn.execute(select(t.order_lines))]
        document_ids = {o["document_id"] for o in orders}
        documents = [dict(r._mapping) for r in conn.execute(
            select(t.documents).where(t.documents.c.id.in_(document_ids)))]
    home, url = db.fresh()
    _, engine = prepared_engine(home, url)
    try:
        with engine.begin() as conn:  # the orders' foreign key needs their document
            conn.execute(t.documents.insert(), documents)
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(t.orders.insert(), orders)
            conn.execute(t.order_lines.insert(), lines)
        return time.perf_counter() - start
    finally:
        engine.dispose()


def measure(db: Database, path: Path, data: bytes, orders: int, runs: int) -> Measure:
    best: Measure | None = None
    for _ in range(max(runs, 1)):
        cli_seconds, peak, engine, _ = cli_ingest(db, path, orders)
        try:
            raw_seconds = raw_insert(db, engine)
        finally:
            engine.dispose()
        inproc_seconds = inproc_ingest(db, data, orders)
        run = Measure(db.name, orders, cli_seconds, peak, inproc_seconds, raw_seconds)
        if best is None:
            best = run
        else:  # each figure at its best: the machine is shared and noisy
            best = Measure(db.name, orders, min(best.cli_seconds, cli_seconds),
                           min(best.peak_bytes, peak),
                           min(best.inproc_seconds, inproc_seconds),
                           min(best.raw_seconds, raw_seconds))
    assert best is not None
    return best


# ---------------------------------------------------------------- report
def report(results: list[Measure], small: int, large: int, runs: int, large_runs: int) -> str:
    table = ["| database | orders | `ordergate ingest` | peak RSS (tree) | in process | "
             "raw insert, same rows | CLI / raw | in process / raw |",
             "|---|---|---|---|---|---|---|---|"]
    for m in results:
        table.append(f"| {m.database} | {m.orders:,} | {m.cli_rate:,.0f} orders/s | "
                     f"{m.peak_bytes / MB:,.0f} MB | {m.inproc_rate:,.0f} orders/s | "
                     f"{m.raw_rate:,.0f} orders/s | {m.cli_rate / m.raw_rate:.2f} | "
                     f"{m.inproc_rate / m.raw_rate:.2f} |")
    verdicts = []
    for name in dict.fromkeys(m.database for m in results):
        by_size = {m.orders: m for m in results if m.database == name}
        s, big = by_size.get(small), by_size.get(large)
        if s is None or big is None:
            continue
        memory_ok = big.peak_bytes <= 300 * MB and big.peak_bytes <= 1.3 * s.peak_bytes
        rate_ok = big.cli_rate >= 0.8 * s.cli_rate
        ratio_ok = min(s.cli_rate / s.raw_rate, big.cli_rate / big.raw_rate) >= 0.5
        verdicts.append(
            f"- {name}: peak memory {big.peak_bytes / MB:,.0f} MB at {large:,} orders, "
            f"{big.peak_bytes / s.peak_bytes:.2f}× the {small:,}-order peak (goal ≤ 300 MB and "
            f"≤ 1.3×: {'met' if memory_ok else 'not met'}); rate {big.cli_rate / s.cli_rate:.2f}× "
            f"the smaller document's (goal ≥ 0.8×: {'met' if rate_ok else 'not met'}); end to end "
            f"{s.cli_rate / s.raw_rate:.2f}× and {big.cli_rate / big.raw_rate:.2f}× the raw insert "
            f"(goal ≥ 0.5×: {'met' if ratio_ok else 'not met'}).")
    header = (f"X12 850 interchanges of {small:,} and {large:,} orders × 10 lines; each figure the "
              f"best of {runs} runs at {small:,} and of {large_runs} at {large:,}. "
              f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.")
    return header + "\n\n" + "\n".join(table) + "\n\n" + "\n".join(verdicts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    # Best of three at the small size: a 10,000-order run is a few seconds, and one slow run
    # on this shared kind of machine moved its ratio by a third. The large size is measured
    # once (about a minute each on PostgreSQL); its figures moved by a few percent.
    parser.add_argument("--runs", type=int, default=3, help="runs at the small size")
    parser.add_argument("--large-runs", type=int, default=1, help="runs at the large size")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    results: list[Measure] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        databases = candidates(workdir, pg=not args.no_pg)
        try:
            for orders in (args.small, args.large):
                data = generate_850_interchange(orders, 10, skus=SKUS, po_prefix=f"S{orders}-")
                path = workdir / f"orders_{orders}.x12"
                path.write_bytes(data)
                for db in databases:
                    runs = args.runs if orders == args.small else args.large_runs
                    m = measure(db, path, data, orders, runs)
                    print(f"{db.name} {orders:,}: CLI {m.cli_rate:,.0f}/s peak "
                          f"{m.peak_bytes / MB:,.0f} MB; in process {m.inproc_rate:,.0f}/s; "
                          f"raw insert {m.raw_rate:,.0f}/s", flush=True)
                    results.append(m)
                path.unlink()
        finally:
            for db in databases:
                db.close()
    block = report(results, args.small, args.large, args.runs, args.large_runs)
    print(block)
    if not args.no_write:
        write_block(block, name="bench_scale", title="Scale: memory and the raw-insert floor")


if __name__ == "__main__":
    main()
