"""Soak benchmark of ``ordergate serve``: the served deployments on a short poll for a long
while, with files arriving, and the Prefect API's latency as ops' browsers would see it.

Starts ``ordergate serve`` (its own local Prefect server on a free port) in a fresh home with
``ORDERGATE_POLL_INTERVAL_SECONDS`` (default 5); drops an X12 interchange of a few orders
(one in ten held, every fifth file broken) every ``--every`` seconds; and every second asks
the API what the UI asks (flow runs, task runs, artifacts, health), timing each call. At the
end: p50/p95/max latency, calls that failed or answered 5xx, flow runs by state, the most
flow-run processes alive at once, and the orders stored against the files dropped. Rewrites
the block in BENCHMARKS.md unless ``--no-write``.

    python -m benchmarks.soak_serve [--minutes 30] [--poll 5] [--every 10] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.bench_e2e import SKUS, machine, seed_benchmark_masterdata, write_block
from benchmarks.gen_850 import generate_850_interchange

GOAL_P95_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def flow_run_processes(parent: int) -> int:
    """Processes below ``parent`` running a flow run (Prefect starts one per run)."""
    found = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
    children: dict[int, list[tuple[int, str]]] = {}
    for line in found.splitlines()[1:]:
        pid, ppid, args = line.strip().split(None, 2) + [""] * (3 - len(line.strip().split(None, 2)))
        children.setdefault(int(ppid), []).append((int(pid), args))
    count, stack = 0, [parent]
    while stack:
        for pid, args in children.get(stack.pop(), []):
            stack.append(pid)
            if "prefect.engine" in args or "flow_run" in args:
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--poll", type=int, default=5)
    parser.add_argument("--every", type=float, default=10, help="seconds between dropped files")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    import httpx
    from sqlalchemy import func, select

    from ordergate.app import open_engine
    from ordergate.settings import Settings
    from ordergate.store import tables as t
    from ordergate.store.db import upgrade

    work = Path(tempfile.mkdtemp(prefix="ordergate-soak-"))
    home, port = work / "home", free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ORDERGATE_", "PREFECT_"))},
           "ORDERGATE_HOME": str(home), "ORDERGATE_POLL_INTERVAL_SECONDS": str(args.poll),
           "ORDERGATE_PREFECT_PORT": str(port), "PREFECT_HOME": str(work / "prefect"),
           "ORDERGATE_X12_ID": "ZZ:ORDERGATE"}
    os.environ.update({"ORDERGATE_HOME": str(home)})
    engine = open_engine(Settings(home=home, database_url=None))
    upgrade(engine)
    seed_benchmark_masterdata(engine)
    (home / "inbox").mkdir(parents=True, exist_ok=True)
    serve = subprocess.Popen([sys.executable, "-m", "ordergate", "serve"], env=env,
                             stdout=subprocess.DEVNULL, stderr=(work / "serve.err").open("wb"),
                             start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    latencies: list[float] = []
    statuses: Counter = Counter()
    dropped = broken = peak = 0
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or serve.poll() is not None:
                raise SystemExit(f"serve did not come up; see {work / 'serve.err'}")
            time.sleep(1)
        started = time.monotonic()
        end, next_drop = started + args.minutes * 60, started
        calls = [("POST", "/flow_runs/filter", {"limit": 50, "sort": "START_TIME_DESC"}),
                 ("POST", "/task_runs/filter", {"limit": 50}),
                 ("POST", "/artifacts/latest/filter", {"limit": 50}),
                 ("GET", "/health", None)]
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < end:
                now = time.monotonic()
                if now >= next_drop:
                    dropped += 1
                    data = generate_850_interchange(5, 5, skus=SKUS, seed=dropped,
                                                    po_prefix=f"SOAK{dropped:05d}X",
                                                    isa_control=dropped)
                    if dropped % 5 == 0:
                        data, broken = b"not an order " + data[:40], broken + 1
                    path = home / "inbox" / f"soak_{dropped:05d}.edi"
                    path.with_suffix(".part").write_bytes(data)
                    path.with_suffix(".part").rename(path)
                    next_drop += args.every
                for method, route, body in calls:
                    begun = time.perf_counter()
                    try:
                        answer = client.request(method, api + route, json=body)
                        statuses[answer.status_code] += 1
                    except httpx.HTTPError as exc:
                        statuses[type(exc).__name__] += 1
                    latencies.append(time.perf_counter() - begun)
                peak = max(peak, flow_run_processes(serve.pid))
                time.sleep(max(0.0, 1 - (time.monotonic() - now)))
            # the files still in the inbox get their poll before anything is counted
            settle = time.monotonic() + 120
            while any((home / "inbox").glob("*.edi")) and time.monotonic() < settle:
                time.sleep(1)
            time.sleep(args.poll * 2)
            states = Counter()
            for state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED", "RUNNING", "PENDING"):
                answer = client.post(f"{api}/flow_runs/count", json={
                    "flow_runs": {"state": {"type": {"any_": [state]}}}})
                if answer.status_code == 200 and answer.json():
                    states[state.lower()] = answer.json()
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
    with engine.connect() as conn:
        orders = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
        failed = conn.execute(select(func.count()).select_from(t.documents)
                              .where(t.documents.c.status == "failed")).scalar_one()
    server_errors = sum(count for code, count in statuses.items()
                        if not isinstance(code, int) or code >= 500)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    met = "met" if p95 < GOAL_P95_SECONDS and server_errors == 0 else "NOT met"
    block = (f"`ordergate serve` for {args.minutes:g} min at a {args.poll} s poll, a 5-order X12 file "
             f"every {args.every:g} s (every 5th broken), the API asked what the UI asks every "
             f"second. Goal p95 < {GOAL_P95_SECONDS:g} s and no 5xx: {met}. Run "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.\n\n"
             "| measure | result |\n|---|---|\n"
             f"| API calls | {len(latencies):,} (p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
             f"max {max(latencies) * 1000:.0f} ms) |\n"
             f"| failed calls or 5xx | {server_errors} |\n"
             f"| files dropped | {dropped} ({broken} broken): {orders} orders stored, {failed} "
             f"documents failed |\n"
             f"| flow runs by state | {', '.join(f'{k} {v}' for k, v in sorted(states.items()))} |\n"
             f"| flow-run processes alive at once, most | {peak} |")
    print(block)
    if not args.no_write:
        write_block(block, name="soak_serve", title="Serving for a long while (`soak_serve`)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
