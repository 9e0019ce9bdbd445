"""EDIFACT end-to-end benchmark: 10,000 ORDERS with 10 lines each, against pydifact's own parse rate.

Measures, in one run, on bytes from ``gen_orders`` (UNOC, EANCOM D96A, umlauts and released
separators included):
  1. pydifact's ``Parser.parse`` over a 1,000-order interchange of the same shape (pydifact
     takes about a second per thousand orders here, so its rate is taken on a tenth);
  2. end to end on SQLite with the default settings: store the document, read, map, check,
     save orders + lines + history, queue the ORDRSPs and the CONTRL;
  3. the same with everything in one process (ORDERGATE_PARALLEL_FROM_BYTES=0).
Each figure is the best of ``--runs`` runs (3), pydifact's too, so the ratio compares both
sides at their least disturbed on a shared machine.
Goal: end to end at least 5x pydifact's parse rate (orders per second).

    python -m benchmarks.bench_edifact_e2e [--orders N] [--runs N] [--no-write]
"""

from __future__ import annotations

import argparse
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.bench_e2e import best_run, machine, write_block
from benchmarks.gen_orders import generate_orders_interchange

SKUS = [f"BENCH-{i:04d}" for i in range(200)]
SENDER = ("5412345000013", "14")


def pydifact_rate(orders: int, lines: int) -> float:
    from pydifact.parser import Parser

    text = generate_orders_interchange(orders, lines, SKUS, recipient=("ORDERGATE", "ZZ")).decode("latin-1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        segments = list(Parser().parse(text))
        elapsed = time.perf_counter() - start
    assert sum(1 for s in segments if s.tag == "UNH") == orders
    return orders / elapsed


def end_to_end(data: bytes, workdir: Path, **overrides) -> tuple[float, int]:
    from ordergate.app import open_engine
    from ordergate.documents import RawDocument
    from ordergate.processing.ingest import ingest_documents
    from ordergate.settings import Settings
    from ordergate.store import tables as t
    from ordergate.store.db import upgrade

    settings = Settings(home=workdir, database_url=None, **overrides)
    engine = open_engine(settings)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(t.customers.insert(), [{"customer_id": "BENCHEU", "name": "Benchmark Käufer",
                                             "edifact_id": ":".join(SENDER), "currency": "EUR",
                                             "credit_limit": None, "active": True}])
        conn.execute(t.products.insert(), [{"sku": sku, "description": f"Benchmark item {sku}",
                                            "uom": "EA", "list_price": None, "active": True,
                                            "gtin": None} for sku in SKUS])
        # Plenty of stock: every line is allocated (one conditional UPDATE per SKU per batch).
        conn.execute(t.stock.insert(), [{"sku": sku, "on_hand": 10**9} for sku in SKUS])
    raw = RawDocument(content=data, channel="benchmark", source_ref="bench.edi")
    start = time.perf_counter()
    report = ingest_documents(engine, settings, [raw], actor="benchmark")
    elapsed = time.perf_counter() - start
    document = report.documents[0]
    # Counted, not iterated: the report keeps only the first orders of a large interchange.
    accepted = document.orders.count("accepted")
    if document.status != "processed" or accepted != len(document.orders):
        raise SystemExit(f"benchmark run did not process cleanly: {document.status} "
                         f"{document.error}, {accepted} of {len(document.orders)} accepted")
    engine.dispose()
    return elapsed, accepted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure; the best counts")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    runs = max(args.runs, 1)

    data = generate_orders_interchange(args.orders, args.lines, SKUS, sender=SENDER,
                                       recipient=("ORDERGATE", "ZZ"))
    mb = len(data) / 1e6
    floor = max(pydifact_rate(max(args.orders // 10, 100), args.lines) for _ in range(runs))
    e2e, orders = best_run(lambda home: end_to_end(data, home), runs)
    e2e_one, _ = best_run(lambda home: end_to_end(data, home, parallel_from_bytes=0), runs)
    rate, rate_one = orders / e2e, orders / e2e_one
    rows = [
        ("pydifact Parser.parse alone", "", f"{floor:,.0f} orders/s", "1.00x"),
        ("end to end on SQLite", f"{mb / e2e:.1f} MB/s", f"{rate:,.0f} orders/s",
         f"{rate / floor:.1f}x pydifact's parse (goal ≥ 5x)"),
        ("end to end, all in one process", f"{mb / e2e_one:.1f} MB/s", f"{rate_one:,.0f} orders/s",
         f"{rate_one / floor:.1f}x pydifact's parse"),
    ]
    table = ["| measure | throughput | orders | ratio / goal |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    header = (f"{args.orders:,} ORDERS × {args.lines} lines, {mb:.1f} MB (pydifact on a tenth of it); "
              f"best of {runs} runs each. Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.")
    block = header + "\n\n" + "\n".join(table)
    print(block)
    if not args.no_write:
        write_block(block, name="bench_edifact", title="EDIFACT ORDERS end to end (`make bench`)")


if __name__ == "__main__":
    main()
