"""Crash soak: ``ordergate ingest`` killed with SIGKILL at random moments, rerun until it
finishes, and the invariants checked after every trial, on SQLite and PostgreSQL.

Each trial starts from a fresh database with the benchmark master data, tight stock (some
lines run short and are backordered) and a credit limit (some orders are held), and ingests
the same few interchanges through the command line, outbox delivery included. The first run
is killed (the command and its prepare process, the whole process group) at a moment drawn
uniformly over the time a clean run takes; each rerun is killed again with probability
``--rekill``; the last one runs to the end. Then:

- every PO of the files is one order, with all its lines and exactly one 855 link (none while
  it is held: it is answered on release), and its 855 is in the outbox once;
- one 997 per interchange, no message queued twice (a dedupe key per message);
- stock: what is allocated equals the allocated quantities of the accepted orders' lines, and
  never more than on hand;
- credit: each customer's open orders equal the totals of its accepted orders, within the limit;
- every document processed, no claim left behind;
- every outbox row sent, its file in ``outbox/`` with the same bytes, and no other file there.

    python -m benchmarks.crash_soak [--trials N] [--orders N] [--files N] [--no-pg] [--seed S]

Prints one line per trial and a summary; exits 1 when an invariant broke (the trial's home
and database are kept for a look).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from benchmarks.bench_e2e import SKUS, seed_benchmark_masterdata
from benchmarks.databases import Database, candidates
from benchmarks.invariants import check, make_files


def prepare(db: Database, credit_limit: Decimal | None, on_hand: int):
    from sqlalchemy import update

    from ordergate.app import open_engine
    from ordergate.settings import Settings
    from ordergate.store import tables as t
    from ordergate.store.db import upgrade

    home, url = db.fresh()
    engine = open_engine(Settings(home=home, database_url=url))
    upgrade(engine)
    seed_benchmark_masterdata(engine)
    with engine.begin() as conn:
        conn.execute(update(t.stock).values(on_hand=on_hand))
        conn.execute(update(t.customers).values(credit_limit=credit_limit))
    return home, url, engine


def command(home: Path, url: str | None, paths: list[Path]) -> tuple[list[str], dict]:
    # Files this size are prepared in a second process, as large ones are: both get killed.
    env = dict(os.environ, ORDERGATE_HOME=str(home), ORDERGATE_PARALLEL_FROM_BYTES="100000")
    env.pop("ORDERGATE_DATABASE_URL", None)
    if url:
        env["ORDERGATE_DATABASE_URL"] = url
    return [sys.executable, "-m", "ordergate", "ingest", *map(str, paths)], env


def run(argv: list[str], env: dict, kill_after: float | None) -> int | None:
    """Exit code, or None when killed."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    if kill_after is None:
        _, err = process.communicate()
        if process.returncode not in (0, 1):
            raise SystemExit(f"ingest exited {process.returncode}: {err.decode()[-1500:]}")
        return process.returncode
    try:
        process.wait(timeout=kill_after)
        return process.returncode  # finished before the kill
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None


def soak(db: Database, paths: list[Path], pos: set[str], trials: int, rekill: float,
         rng: random.Random) -> tuple[int, int]:
    # A clean run: how long the whole takes, and what the credit limit should be to hold some.
    home, url, engine = prepare(db, None, 10**9)
    argv, env = command(home, url, paths)
    start = time.perf_counter()
    run(argv, env, None)
    full = time.perf_counter() - start
    from sqlalchemy import func, select

    from ordergate.store import tables as t

    with engine.connect() as conn:
        demand = conn.execute(select(func.sum(t.orders.c.total))).scalar_one()
        wanted = conn.execute(select(func.sum(t.order_lines.c.quantity))).scalar_one()
    engine.dispose()
    limit = (Decimal(demand) * Decimal("0.7")).quantize(Decimal("0.01"))
    on_hand = int(Decimal(wanted) / len(SKUS) * Decimal("0.6"))  # some lines run short
    print(f"{db.name}: a clean run takes {full:.1f} s; credit limit {limit}, {on_hand} on hand "
          f"per SKU", flush=True)
    kills = failures = 0
    for trial in range(1, trials + 1):
        home, url, engine = prepare(db, limit, on_hand)
        argv, env = command(home, url, paths)
        runs, killed = 0, 0
        kill_after: float | None = rng.uniform(0.0, full)
        while True:
            runs += 1
            code = run(argv, env, kill_after)
            if code is None:
                killed += 1
                kill_after = rng.uniform(0.0, full) if rng.random() < rekill and runs < 5 else None
                continue
            if code == 0:
                break
            if runs > 8:
                break
            kill_after = None
        kills += killed
        broken = check(engine, home, pos, len(paths))
        engine.dispose()
        print(f"{db.name} trial {trial}: killed {killed}×, {runs} runs: "
              f"{'ok' if not broken else '; '.join(broken)}", flush=True)
        if broken:
            failures += 1
            print(f"  kept: {home} {url or ''}", flush=True)
    return kills, failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=50, help="per database")
    parser.add_argument("--orders", type=int, default=300, help="orders per interchange")
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--rekill", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="ordergate-crash-soak-"))
    paths, pos = make_files(workdir, args.files, args.orders)
    databases = candidates(workdir, pg=not args.no_pg)
    total_failures = 0
    for db in databases:
        kills, failures = soak(db, paths, pos, args.trials, args.rekill, rng)
        total_failures += failures
        print(f"{db.name}: {args.trials} trials, {kills} kills, {failures} with a broken "
              f"invariant", flush=True)
    if total_failures:  # the evidence stays: homes under the work folder, databases as named
        print(f"kept for a look: {workdir}")
        sys.exit(1)
    for db in databases:
        db.close()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
