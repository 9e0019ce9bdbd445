"""Shipping benchmark: the 10,000 X12 850s of bench_e2e ingested, then every line of every order
shipped from one warehouse file, in one run.

Each run, into a fresh database:
  1. the 850 interchange end to end, as bench_e2e measures it (store, parse, map, check, save,
     997 and 855s queued);
  2. a shipment CSV shipping every allocated line of every order: one shipment per order with
     its own tracking number, every fourth order in two SSCC-labelled packages; then
     ``import_shipments`` on it (reading the file, recording shipments and lines, stock and
     order updates, and an X12 856 per shipment queued in the outbox), timed alone.
Then the run is checked: every order shipped, a shipment per order, no stock left allocated,
and the outbox's 856 interchanges, read back with our X12 reader, hold an ST*856 per shipment.
A run that fails a check stops the benchmark rather than report a figure for broken work.

SQLite always; PostgreSQL (127.0.0.1:5432, user postgres, a database created per run and
dropped afterwards) when the server answers. Each figure is the best of ``--runs`` runs. The
shipping rate is reported as a ratio to the ingest rate of the same run set, so the goal
(≥ 5,000 orders/s shipped on SQLite) can be read against the machine of the day. Rewrites the
figures block in BENCHMARKS.md unless ``--no-write``.

    python -m benchmarks.bench_ship [--orders N] [--runs N] [--no-write]
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.bench_e2e import SKUS, end_to_end, machine, write_block
from benchmarks.databases import pg_admin
from benchmarks.gen_850 import generate_850_interchange

GOAL = 5_000  # orders/s shipped on SQLite
PACKED_EVERY = 4  # every fourth order ships in two SSCC-labelled packages
CARRIERS = ("UPSN", "FDEG", "USPS")
COMPANY_PREFIX = "0614141"  # GS1's example company prefix


@dataclass(slots=True)
class Run:
    ingest: float  # seconds
    ship: float
    orders: int
    interchanges: int  # 856 interchanges in the outbox


def sscc(serial: int) -> str:
    from ordergate.gs1 import check_digit

    body = "0" + COMPANY_PREFIX + f"{serial:09d}"
    return body + check_digit(body)


def shipment_csv(engine, ship_date: date) -> tuple[bytes, int]:
    """One row per allocated order line: a shipment per order, packed or loose; and the number
    of packages the file names."""
    from ordergate.orders.prepared import SHIPPING_LINES
    from ordergate.store import tables as t

    lines = t.order_lines
    with engine.connect() as conn:
        rows = conn.execute(select(lines.c.order_id, lines.c.line_number, lines.c.ship_quantity)
                            .where(lines.c.status.in_(sorted(SHIPPING_LINES)),
                                   lines.c.ship_quantity > 0)
                            .order_by(lines.c.order_id, lines.c.line_number)).all()
    by_order: dict[int, list] = {}
    for row in rows:
        by_order.setdefault(row.order_id, []).append(row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["order_id", "line_number", "quantity", "carrier", "tracking_number",
                     "ship_date", "package_id"])
    packages: set[str] = set()
    for n, (order_id, order_lines) in enumerate(by_order.items()):
        tracking = f"1ZBENCH{order_id:011d}"
        carrier = CARRIERS[n % len(CARRIERS)]
        half = (len(order_lines) + 1) // 2
        for i, line in enumerate(order_lines):
            package = sscc(order_id * 2 + (i >= half)) if n % PACKED_EVERY == 0 else ""
            if package:
                packages.add(package)
            writer.writerow([order_id, line.line_number, f"{line.ship_quantity.normalize():f}",
                             carrier, tracking, ship_date.isoformat(), package])
    return out.getvalue().encode("ascii"), len(packages)


def ship_and_check(engine, settings, orders: int) -> tuple[float, int]:
    """Seconds to import the shipment file of every order, and the 856 interchanges queued."""
    from ordergate.processing.shipment_files import import_shipments

    # After every PO date of the interchange (March 2024): no shipment leaves before its order.
    content, packages = shipment_csv(engine, date(2024, 4, 1))
    start = time.perf_counter()
    shipments = import_shipments(engine, settings, content, "bench_ship.csv", actor="benchmark",
                                 now=datetime.now(timezone.utc))
    elapsed = time.perf_counter() - start
    statuses = {s.status for s in shipments}
    if statuses != {"shipped"} or len(shipments) != orders:
        problems = [s.error for s in shipments if s.status != "shipped"][:3]
        raise SystemExit(f"shipping run did not ship cleanly: {len(shipments)} shipments, "
                         f"statuses {sorted(statuses)}: {problems}")
    return elapsed, check(engine, orders, packages)


def check(engine, orders: int, packages: int) -> int:
    """Everything shipped and announced; returns the number of 856 interchanges."""
    from ordergate.outbox.kinds import X12_856
    from ordergate.parsers.x12 import TransactionSet, iter_x12
    from ordergate.store import tables as t

    with engine.connect() as conn:
        statuses = dict(conn.execute(select(t.orders.c.status, func.count())
                                     .group_by(t.orders.c.status)).all())
        shipments = conn.execute(select(func.count()).select_from(t.shipments)).scalar_one()
        shipment_ids = set(conn.execute(select(t.shipments.c.id)).scalars())
        unshipped = conn.execute(select(func.count()).select_from(t.order_lines).where(
            t.order_lines.c.shipped_quantity < t.order_lines.c.ship_quantity)).scalar_one()
        allocated = conn.execute(select(func.coalesce(func.sum(t.stock.c.allocated), 0))).scalar_one()
        payloads = conn.execute(select(t.outbox.c.payload)
                                .where(t.outbox.c.kind == X12_856.name)).scalars().all()
    if statuses != {"shipped": orders}:
        raise SystemExit(f"orders not all shipped afterwards: {statuses}")
    if shipments != orders or unshipped or allocated:
        raise SystemExit(f"{shipments} shipments for {orders} orders, {unshipped} lines not "
                         f"shipped in full, {allocated} still allocated")
    announced: list[str] = []
    marked = 0  # MAN*GM: a package by its SSCC
    for payload in payloads:
        for event in iter_x12(payload):
            if isinstance(event, TransactionSet):
                if event.set_id != "856" or event.problems:
                    raise SystemExit(f"outbox 856 with problems: {event.set_id} {event.problems}")
                announced.append(event.segments[1][2])  # BSN02, the shipment id
                marked += sum(1 for s in event.segments if s[0] == "MAN" and s[1] == "GM")
    if len(announced) != orders or {int(n) for n in announced} != shipment_ids:
        raise SystemExit(f"{len(announced)} ST*856 sets in the outbox for {orders} shipments")
    if marked != packages:
        raise SystemExit(f"{marked} MAN*GM packages in the 856s for the file's {packages}")
    return len(payloads)


def sqlite_run(data: bytes) -> Run:
    from ordergate.app import open_engine
    from ordergate.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        ingest, orders = end_to_end(data, home)
        settings = Settings(home=home, database_url=None)
        engine = open_engine(settings)
        try:
            ship, interchanges = ship_and_check(engine, settings, orders)
        finally:
            engine.dispose()
    return Run(ingest, ship, orders, interchanges)


def pg_run(data: bytes, admin) -> Run:
    from ordergate.app import open_engine
    from ordergate.settings import Settings

    name = f"ordergate_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            ingest, orders = end_to_end(data, home, database_url=url)
            settings = Settings(home=home, database_url=url)
            engine = open_engine(settings)
            try:
                ship, interchanges = ship_and_check(engine, settings, orders)
            finally:
                engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return Run(ingest, ship, orders, interchanges)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="runs per database; the best counts")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    data = generate_850_interchange(args.orders, args.lines, skus=SKUS)
    admin = pg_admin()
    sqlite_runs: list[Run] = []
    pg_runs: list[Run] = []
    try:
        for n in range(max(args.runs, 1)):  # alternated, so both see the machine of the moment
            sqlite_runs.append(sqlite_run(data))
            print(f"run {n + 1} SQLite: ingest {sqlite_runs[-1].ingest:.2f} s, "
                  f"ship {sqlite_runs[-1].ship:.2f} s", flush=True)
            if admin is not None:
                pg_runs.append(pg_run(data, admin))
                print(f"run {n + 1} PostgreSQL: ingest {pg_runs[-1].ingest:.2f} s, "
                      f"ship {pg_runs[-1].ship:.2f} s", flush=True)
    finally:
        if admin is not None:
            admin.dispose()

    orders = sqlite_runs[0].orders
    interchanges = sqlite_runs[0].interchanges

    def rates(runs: list[Run]) -> tuple[float, float]:
        return (orders / min(r.ingest for r in runs), orders / min(r.ship for r in runs))

    sq_ingest, sq_ship = rates(sqlite_runs)
    met = "met" if sq_ship >= GOAL else "NOT met"
    rows = [("850 ingest end to end", f"{sq_ingest:,.0f} orders/s"),
            ("`shipments import`, every 856 queued", f"{sq_ship:,.0f} orders/s"),
            ("shipping / ingest", f"{sq_ship / sq_ingest:.2f}x")]
    columns = ["SQLite"]
    if pg_runs:
        pg_ingest, pg_ship = rates(pg_runs)
        columns.append("PostgreSQL")
        pg = [f"{pg_ingest:,.0f} orders/s", f"{pg_ship:,.0f} orders/s", f"{pg_ship / pg_ingest:.2f}x"]
        rows = [(a, b, c) for (a, b), c in zip(rows, pg)]
    table = ["| measure | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    table += ["| " + " | ".join(row) + " |" for row in rows]
    header = (f"{orders:,} orders × {args.lines} lines: the bench_e2e interchange ingested, then "
              f"every line shipped from one CSV ({orders:,} shipments, a tracking number each, "
              f"every {PACKED_EVERY}th order in two SSCC packages), {orders:,} 856s queued in "
              f"{interchanges} interchange{'s' * (interchanges != 1)}; best of {len(sqlite_runs)} "
              f"run{'s' * (len(sqlite_runs) != 1)}, each into a fresh "
              f"database{', PostgreSQL on 127.0.0.1' if pg_runs else ' (PostgreSQL not reachable)'}. "
              f"Goal ≥ {GOAL:,} orders/s shipped on SQLite: {met}. Run "
              f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.")
    block = header + "\n\n" + "\n".join(table)
    print(block)
    if not args.no_write:
        write_block(block, name="bench_ship", title="Shipping")


if __name__ == "__main__":
    main()
