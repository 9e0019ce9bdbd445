"""The scale demo: ordergate deployed as ops deploy it on a small cluster, here on one machine,
with one worker and then with two.

It starts a Prefect server (its own ``PREFECT_HOME`` under ``var/scale-demo``), creates the
``ordergate`` process work pool and runs ``ordergate deploy`` with two drop-folder polls at
once (``ORDERGATE_DROP_FOLDER_RUNS=2``), exactly as the README's deployment steps do. Then, per round (one
worker, then two):

  1. a fresh PostgreSQL database, migrated, with the benchmark master data, stock for 60 % of
     what the files want per SKU (some lines run short) and a credit limit at 70 % of their
     value (some orders are held): the races two workers could lose are all in play;
  2. ``--files`` interchanges of ``--orders`` 850s (10 lines each) into the shared inbox;
  3. ``--workers`` × ``prefect worker start --pool ordergate --limit 1``, with the same
     ``ORDERGATE_HOME`` (inbox, outbox) and ``ORDERGATE_DATABASE_URL``, started and online
     before the files arrive; one drop-folder poll per worker made due when they do (the
     schedule adds one every ``--poll`` seconds);
  4. the time until every file has left the inbox, every document is processed and every
     outbox message delivered; then the invariants (``benchmarks/invariants.py``): every order
     once, every 855 and 997 once and written once, stock never below zero or over-allocated,
     credit exposure equal to the accepted orders, no claim left behind; and from the Prefect
     API, no drop-folder run failed, how many ran at once and how many made orders.

    python -m benchmarks.scale_demo [--files 50] [--orders 400] [--workers 1 2] [--poll 5]
                                    [--no-write]

Needs PostgreSQL at 127.0.0.1:5432 (several workers share one database; SQLite is a
one-machine database). Exits 1 when an invariant broke, keeping the round's home and database.
Rewrites the scale-demo block in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.bench_e2e import ROOT, machine, seed_benchmark_masterdata, write_block
from benchmarks.databases import pg_admin
from benchmarks.invariants import check, make_files, tighten

DEMO = ROOT / "var" / "scale-demo"
DATABASE = "ordergate_scale_demo"
DEPLOYMENT = "ingest-drop-folder/drop-folder-poll-worker"
ROUND_TIMEOUT_SECONDS = 1800


@dataclass
class Round:
    workers: int
    orders: int
    seconds: float = 0.0
    busy_seconds: float = 0.0
    runs: int = 0
    failed_runs: int = 0
    most_at_once: int = 0
    runs_with_orders: int = 0
    broken: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    @property
    def busy_rate(self) -> float:
        return self.orders / self.busy_seconds if self.busy_seconds else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command(program: str, *args: str, env: dict[str, str]) -> None:
    """A ``prefect`` or ``ordergate`` command, run from the checkout as ops run it; its output
    shown on failure."""
    done = subprocess.run([sys.executable, "-m", program, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{program} {' '.join(args)} failed ({done.returncode}):\n"
                         f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


class Api:
    """The few Prefect REST calls the demo needs (the same the UI makes)."""

    def __init__(self, url: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=url, timeout=30)

    def call(self, method: str, path: str, **options):
        """A request, tried again while the server answers 503: a Prefect server on SQLite
        answers that while its scheduler holds the database."""
        deadline = time.monotonic() + 90
        while True:
            response = self.http.request(method, path, **options)
            if response.status_code != 503 or time.monotonic() > deadline:
                response.raise_for_status()
                return response
            time.sleep(1)

    def deployment_id(self) -> str:
        flow, name = DEPLOYMENT.split("/")
        return self.call("GET", f"/deployments/name/{flow}/{name}").json()["id"]

    def runs(self, deployment_id: str | None = None) -> list[dict]:
        """The flow runs of one deployment, or of all."""
        found, offset = [], 0
        only = {"deployments": {"id": {"any_": [deployment_id]}}} if deployment_id else {}
        while True:
            page = self.call("POST", "/flow_runs/filter", json={
                **only, "limit": 200, "offset": offset}).json()
            found += page
            if len(page) < 200:
                return found
            offset += 200

    def drop_late_runs(self) -> None:
        """Runs that came due while no worker ran: a round starts without a backlog, so
        that both rounds start alike."""
        now = datetime.now(timezone.utc)
        for run in self.runs():
            state = run.get("state") or {}
            if state.get("type") == "SCHEDULED" and _when(run["expected_start_time"]) < now:
                self.call("DELETE", f"/flow_runs/{run['id']}")

    def poll_now(self, deployment_id: str) -> None:
        """A drop-folder poll due now, as the schedule makes them (or ops with "Run")."""
        self.call("POST", f"/deployments/{deployment_id}/create_flow_run", json={})

    def workers_online(self, since: datetime) -> int:
        found = self.call("POST", "/work_pools/ordergate/workers/filter", json={}).json()
        return sum(1 for worker in found if worker.get("status") == "ONLINE"
                   and _when(worker["last_heartbeat_time"]) >= since)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def most_at_once(runs: list[dict]) -> int:
    """The largest number of the runs that were running at the same moment."""
    edges = []
    for run in runs:
        if run.get("start_time") and run.get("end_time"):
            edges += [(_when(run["start_time"]), 1), (_when(run["end_time"]), -1)]
    running = peak = 0
    for _, step in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        running += step
        peak = max(peak, running)
    return peak


def fresh_database(admin) -> str:
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    return admin.url.set(database=DATABASE).render_as_string(hide_password=False)


def drop_into(inbox: Path, paths: list[Path]) -> None:
    """Into the inbox as an uploader does: written under a name the scan skips, then renamed."""
    inbox.mkdir(parents=True, exist_ok=True)
    for path in paths:
        partial = inbox / f"{path.name}.part"
        shutil.copyfile(path, partial)
        os.replace(partial, inbox / path.name)


def progress(engine, inbox: Path, files: int) -> tuple[bool, str]:
    from sqlalchemy import func, select

    from ordergate.store import tables as t

    with engine.connect() as conn:
        documents = dict(conn.execute(select(t.documents.c.status, func.count())
                                      .group_by(t.documents.c.status)).all())
        waiting = conn.execute(select(func.count()).select_from(t.outbox)
                               .where(t.outbox.c.status != "sent")).scalar_one()
        orders = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
    left = sum(1 for p in inbox.iterdir() if p.is_file())
    finished = documents.get("processed", 0) + documents.get("failed", 0)
    done = left == 0 and finished == files and waiting == 0
    return done, (f"{files - left}/{files} files taken, {finished} documents finished, "
                  f"{orders} orders, {waiting} messages to deliver")


def start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen]:
    workers = []
    for number in range(1, count + 1):
        log = open(logs / f"worker-{number}.log", "wb")  # noqa: SIM115 - the worker's whole life
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", "ordergate",
             "--name", f"worker-{number}", "--limit", "1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        log.close()
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def wait_for_runs_to_end(api: Api, deployment_id: str, since: datetime) -> list[dict]:
    """The round's drop-folder runs, once none of them is still pending or running."""
    deadline = time.monotonic() + 120
    while True:
        runs = [run for run in api.runs(deployment_id)
                if run.get("start_time") and _when(run["start_time"]) >= since]
        busy = [run for run in runs if (run.get("state") or {}).get("type") in
                ("PENDING", "RUNNING")]
        if not busy or time.monotonic() > deadline:
            return runs
        time.sleep(1)


def play_round(workers: int, admin, api: Api, deployment_id: str, paths: list[Path],
               pos: set[str], base_env: dict[str, str]) -> tuple[Round, Path]:
    from sqlalchemy import func, select

    from ordergate.app import open_engine
    from ordergate.settings import Settings
    from ordergate.store import tables as t
    from ordergate.store.db import upgrade

    home = DEMO / f"home-{workers}-workers"
    shutil.rmtree(home, ignore_errors=True)
    url = fresh_database(admin)
    engine = open_engine(Settings(home=home, database_url=url))
    upgrade(engine)
    seed_benchmark_masterdata(engine)
    tighten(engine, paths)
    env = dict(base_env, ORDERGATE_HOME=str(home), ORDERGATE_DATABASE_URL=url)
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    since = datetime.now(timezone.utc)
    running = start_workers(workers, env, logs)
    result = Round(workers=workers, orders=len(pos))
    try:
        # The workers are up and waiting, as in production, before the files arrive.
        deadline = time.monotonic() + 120
        while api.workers_online(since) < workers:
            if time.monotonic() > deadline or any(w.poll() is not None for w in running):
                raise SystemExit(f"the workers did not come online; see {logs}")
            time.sleep(0.5)
        api.drop_late_runs()
        print(f"{workers} worker{'s' * (workers > 1)}: {len(paths)} interchanges "
              f"({len(pos):,} orders) into {home / 'inbox'}", flush=True)
        drop_into(home / "inbox", paths)
        start = time.perf_counter()
        for _ in range(workers):  # polls due now; the schedule adds one every --poll seconds
            api.poll_now(deployment_id)
        last_said = start
        while True:
            done, said = progress(engine, home / "inbox", len(paths))
            if done:
                break
            if time.perf_counter() - start > ROUND_TIMEOUT_SECONDS:
                result.broken.append(f"not done after {ROUND_TIMEOUT_SECONDS} s: {said}")
                break
            if any(worker.poll() is not None for worker in running):
                result.broken.append(f"a worker exited; see {logs}")
                break
            if time.perf_counter() - last_said >= 10:
                print(f"  {time.perf_counter() - start:5.0f} s  {said}", flush=True)
                last_said = time.perf_counter()
            time.sleep(0.25)
        result.seconds = time.perf_counter() - start
        runs = wait_for_runs_to_end(api, deployment_id, since)
    finally:
        stop_workers(running)
    result.runs = len(runs)
    result.failed_runs = sum(1 for run in runs if run["state"]["type"] in ("FAILED", "CRASHED"))
    result.most_at_once = most_at_once(runs)
    if result.failed_runs:
        result.broken.append(f"{result.failed_runs} drop-folder runs failed or crashed")
    with engine.connect() as conn:
        result.runs_with_orders = conn.execute(
            select(func.count(t.order_events.c.actor.distinct()))
            .where(t.order_events.c.from_status.is_(None))).scalar_one()
        first = conn.execute(select(func.min(t.order_events.c.at))).scalar_one()
        last = conn.execute(select(func.max(t.outbox.c.sent_at))).scalar_one()
    if first and last:
        result.busy_seconds = (last - first).total_seconds()
    result.broken += check(engine, home, pos, len(paths))
    engine.dispose()
    print(f"  done in {result.seconds:.1f} s: {result.rate:,.0f} orders/s; {result.runs} "
          f"drop-folder runs, at most {result.most_at_once} at once, {result.runs_with_orders} "
          f"made orders; {'invariants hold' if not result.broken else '; '.join(result.broken)}",
          flush=True)
    return result, home


def table(rounds: list[Round]) -> str:
    lines = ["| workers | orders | drop to done | orders/s | first order to last delivery | "
             "orders/s | drop-folder runs (at most at once, made orders) | invariants |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rounds:
        lines.append(f"| {r.workers} | {r.orders:,} | {r.seconds:.1f} s | {r.rate:,.0f} | "
                     f"{r.busy_seconds:.1f} s | {r.busy_rate:,.0f} | {r.runs} ({r.most_at_once}, "
                     f"{r.runs_with_orders}) | {'hold' if not r.broken else 'BROKEN'} |")
    if len(rounds) > 1 and rounds[0].rate:
        lines.append("")
        lines.append(f"{rounds[-1].workers} workers against 1: "
                     f"{rounds[-1].rate / rounds[0].rate:.2f}× drop to done, "
                     f"{rounds[-1].busy_rate / rounds[0].busy_rate:.2f}× first order to last "
                     f"delivery.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--orders", type=int, default=400, help="orders per interchange")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--poll", type=int, default=60,
                        help="ORDERGATE_POLL_INTERVAL_SECONDS of the deployments")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    admin = pg_admin()
    if admin is None:
        raise SystemExit("the scale demo needs PostgreSQL at 127.0.0.1:5432: several workers "
                         "share one database")
    shutil.rmtree(DEMO, ignore_errors=True)
    (DEMO / "interchanges").mkdir(parents=True)
    paths, pos = make_files(DEMO / "interchanges", args.files, args.orders, po_prefix="SD",
                            name="weekly")
    # Prefect's own state (its profile, its server's database) stays inside the demo.
    os.environ["PREFECT_HOME"] = str(DEMO / "prefect")
    os.environ.pop("PREFECT_API_URL", None)
    from ordergate.flows.serve import local_prefect_server

    port = free_port()
    with local_prefect_server(port, log_dir=DEMO / "logs") as api_url:
        print(f"Prefect server: http://127.0.0.1:{port} (log: {DEMO / 'logs'})", flush=True)
        # All seven deployments, as ops deploy them: the mailbox poll and the outbox delivery
        # take worker slots too. The drop-folder polls that matter are made due at once.
        base_env = dict(os.environ, PREFECT_API_URL=api_url,
                        PREFECT_WORKER_QUERY_SECONDS="2",
                        ORDERGATE_POLL_INTERVAL_SECONDS=str(args.poll),
                        ORDERGATE_DROP_FOLDER_RUNS=str(max(args.workers)))
        command("prefect", "work-pool", "create", "ordergate", "--type", "process", "--overwrite",
                env=base_env)
        command("ordergate", "deploy", env=base_env)
        api = Api(api_url)
        deployment_id = api.deployment_id()
        rounds = []
        for workers in args.workers:
            result, home = play_round(workers, admin, api, deployment_id, paths, pos,
                                      base_env)
            rounds.append(result)
            if result.broken:
                print(f"kept for a look: {home}, database {DATABASE}")
                sys.exit(1)
    admin.dispose()
    block = table(rounds)
    print()
    print(block)
    if not args.no_write:
        write_block(f"Machine: {machine()}. {args.files} interchanges × {args.orders} orders × "
                    f"10 lines, PostgreSQL, Prefect server and workers on this one machine; "
                    f"all seven deployments, polls every {args.poll} s, workers query every 2 s "
                    f"(`make scale-demo`, {datetime.now(timezone.utc):%Y-%m-%d}).\n\n{block}",
                    name="scale_demo", title="Several workers on one database (`make scale-demo`)")


if __name__ == "__main__":
    main()
