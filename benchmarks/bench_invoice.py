"""Invoicing benchmark: 10,000 shipped X12 orders of 10 lines invoiced, every 810 queued.

Measures, in one run:
  1. the X12 850 ingest of the same orders end to end on SQLite (``bench_e2e``'s own run), the
     yardstick the invoicing is compared with;
  2. ``run_invoicing`` over all the shipments, with every 810 queued in the outbox, on SQLite.
     The state it starts from (the orders ingested, one shipment per order with its 856, the
     company profile loaded) is built once and not timed; each run invoices a fresh copy of
     that database. Afterwards each run is checked: one invoice per shipment, invoice numbers
     without a gap, and as many ST*810 sets in the outbox as invoices;
  3. Factur-X PDFs (``render_invoice_pdf``) of ``--pdfs`` distinct stored invoices, read back
     with ``from_json``: one after the other in this process, and as an invoicing run renders
     a batch of mail invoices (``render_invoice_pdfs``: forked workers, 2 here, whose start is
     timed with them).
Each figure is the best of ``--runs`` runs (3): on a shared machine a single run moves by
±20 %, and the fastest is the one least disturbed.
Goals: at least 5,000 invoices/s with every 810 queued, at least 50 PDFs/s.

    python -m benchmarks.bench_invoice [--orders N] [--runs N] [--pdfs N] [--no-write]
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from benchmarks.bench_e2e import (
    best_run,
    end_to_end,
    machine,
    seed_benchmark_masterdata,
    write_block,
)
from benchmarks.gen_850 import generate_850_interchange

ROOT = Path(__file__).resolve().parent.parent
SKUS = [f"BENCH-{i:04d}" for i in range(200)]
COMPANY = ROOT / "samples" / "masterdata" / "company.yaml"
NOW = datetime(2024, 4, 2, 8, 0, tzinfo=timezone.utc)
SHIP_BATCH = 500
PDF_PROCESSES = 2
INVOICES_GOAL, PDFS_GOAL = 5_000, 50


def _settings(home: Path):
    from ordergate.settings import Settings

    return Settings(home=home, database_url=None)


def build_shipped(data: bytes, home: Path, orders: int) -> Path:
    """A database in ``home`` with the orders of ``data`` ingested and each shipped whole, and
    the company profile loaded; returns the database file."""
    from sqlalchemy import select

    from ordergate.app import open_engine
    from ordergate.documents import RawDocument
    from ordergate.fulfilment.shipping import SHIPPED, ShipmentRequest
    from ordergate.masterdata.company import seed_company
    from ordergate.processing.ingest import ingest_documents
    from ordergate.processing.shipments import ship_in
    from ordergate.store import tables as t
    from ordergate.store.db import upgrade

    settings = _settings(home)
    engine = open_engine(settings)
    upgrade(engine)
    seed_benchmark_masterdata(engine)
    seed_company(engine, COMPANY, NOW)
    raw = RawDocument(content=data, channel="benchmark", source_ref="bench.x12")
    ingest_documents(engine, settings, [raw], actor="benchmark")
    with engine.connect() as conn:
        order_ids = list(conn.execute(select(t.orders.c.id).where(t.orders.c.status == "accepted")
                                      .order_by(t.orders.c.id)).scalars())
    if len(order_ids) != orders:
        raise SystemExit(f"setup: {len(order_ids)} of {orders} orders were accepted")
    shipped = 0
    for start in range(0, len(order_ids), SHIP_BATCH):
        requests = [ShipmentRequest(order_id=order_id, carrier="UPSN",
                                    tracking_number=f"1ZBENCH{order_id:010d}",
                                    ship_date=date(2024, 4, 1), source="benchmark")
                    for order_id in order_ids[start:start + SHIP_BATCH]]
        with engine.begin() as conn:
            results = ship_in(conn, settings, requests, actor="benchmark", now=NOW)
        shipped += sum(1 for item in results if item.result.status == SHIPPED)
    if shipped != orders:
        raise SystemExit(f"setup: {shipped} of {orders} orders shipped")
    engine.dispose()
    return home / "ordergate.db"


def _copy_database(source: Path, home: Path) -> None:
    """A fresh copy of the shipped state (SQLite's backup API: WAL content included)."""
    home.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(home / "ordergate.db")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def invoice_run(shipped_db: Path, home: Path, orders: int) -> tuple[float, int]:
    """Invoice every shipment of a copy of ``shipped_db``; (seconds, invoices), checked."""
    from ordergate.app import open_engine
    from ordergate.processing.invoices import run_invoicing

    _copy_database(shipped_db, home)
    settings = _settings(home)
    engine = open_engine(settings)
    start = time.perf_counter()
    run = run_invoicing(engine, settings, actor="benchmark", now=NOW)
    elapsed = time.perf_counter() - start
    problems = [item.problem for item in run.invoices if item.problem]
    if run.not_invoiced or problems:
        raise SystemExit(f"invoicing did not run cleanly: {run.not_invoiced[:3]} {problems[:3]}")
    check_invoiced(engine, orders)
    engine.dispose()
    return elapsed, len(run.invoices)


def check_invoiced(engine, orders: int) -> None:
    """One invoice per shipment, numbered without a gap, and one ST*810 per invoice queued."""
    from sqlalchemy import func, select

    from ordergate.parsers.x12 import GroupEnd, InterchangeEnd, TransactionSet, iter_x12
    from ordergate.store import tables as t

    with engine.connect() as conn:
        numbers = list(conn.execute(select(t.invoices.c.invoice_number)).scalars())
        billed = conn.execute(select(func.count()).select_from(t.invoice_shipments)).scalar_one()
        shipments = conn.execute(select(func.count()).select_from(t.shipments)).scalar_one()
        payloads = list(conn.execute(select(t.outbox.c.payload)
                                     .where(t.outbox.c.kind == "810")).scalars())
    if not (len(numbers) == billed == shipments == orders):
        raise SystemExit(f"{len(numbers)} invoices, {billed} shipments billed, {shipments} shipped, "
                         f"{orders} orders")
    sequence = sorted(int(re.fullmatch(r"[A-Z0-9]+-\d{4}-(\d+)", n)[1]) for n in numbers)
    if sequence != list(range(1, orders + 1)):
        raise SystemExit("the invoice numbers are not 1..N without a gap")
    sets = 0
    for payload in payloads:
        for event in iter_x12(bytes(payload)):
            if isinstance(event, (TransactionSet, GroupEnd, InterchangeEnd)) and event.problems:
                raise SystemExit(f"an 810 interchange reads with problems: {event.problems[:3]}")
            if isinstance(event, TransactionSet) and event.set_id == "810":
                sets += 1
    if sets != orders:
        raise SystemExit(f"{sets} ST*810 sets in the outbox for {orders} invoices")


def stored_invoices(shipped_db: Path, home: Path, count: int) -> list[str]:
    """The stored documents of ``count`` invoices (invoiced once more, untimed, for this)."""
    from sqlalchemy import select

    from ordergate.app import open_engine
    from ordergate.processing.invoices import run_invoicing
    from ordergate.store import tables as t

    _copy_database(shipped_db, home)
    settings = _settings(home)
    engine = open_engine(settings)
    with engine.connect() as conn:
        ids = list(conn.execute(select(t.shipments.c.id).order_by(t.shipments.c.id)
                                .limit(count)).scalars())
    run_invoicing(engine, settings, actor="benchmark", now=NOW, shipment_ids=ids)
    with engine.connect() as conn:
        documents = list(conn.execute(select(t.invoices.c.document).order_by(t.invoices.c.id))
                         .scalars())
    engine.dispose()
    return documents


def render_documents(documents: list[str]) -> int:
    from ordergate.billing.invoicing import from_json
    from ordergate.sinks.invoice import render_invoice_pdf

    size = 0
    for document in documents:
        pdf = render_invoice_pdf(from_json(document))
        if not pdf.startswith(b"%PDF-"):
            raise SystemExit("render_invoice_pdf did not return a PDF")
        size += len(pdf)
    return size


def pdf_rate_here(documents: list[str], runs: int) -> float:
    render_documents(documents[:1])  # imports, the XSD, the compact DejaVu cut once
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        render_documents(documents)
        best = min(best, time.perf_counter() - start)
    return len(documents) / best


def pdf_rate_pool(documents: list[str], runs: int, processes: int = PDF_PROCESSES) -> float:
    """PDFs per second as an invoicing run renders a batch of mail invoices: through
    ``render_invoice_pdfs`` with ``processes`` forked workers, their start included."""
    from ordergate.billing.invoicing import from_json
    from ordergate.processing.invoice_pdfs import render_invoice_pdfs

    invoices = [from_json(document) for document in documents]
    render_documents(documents[:1])  # imports, the XSD, the compact DejaVu cut once, as above
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        pdfs = render_invoice_pdfs(invoices, workers=processes)
        best = min(best, time.perf_counter() - start)
        if len(pdfs) != len(invoices) or not all(pdf.startswith(b"%PDF-") for pdf in pdfs):
            raise SystemExit("render_invoice_pdfs did not return a PDF per invoice")
    return len(documents) / best


def _verdict(met: bool) -> str:
    return "met" if met else "not met"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure; the best counts")
    parser.add_argument("--pdfs", type=int, default=50, help="distinct invoices rendered as PDF")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    runs = max(args.runs, 1)

    data = generate_850_interchange(args.orders, args.lines, skus=SKUS)
    ingest, orders = best_run(lambda home: end_to_end(data, home), runs)
    with tempfile.TemporaryDirectory() as tmp:
        shipped_db = build_shipped(data, Path(tmp) / "shipped", orders)
        invoicing, invoices = best_run(lambda home: invoice_run(shipped_db, home, orders), runs)
        documents = stored_invoices(shipped_db, Path(tmp) / "pdfs", args.pdfs)
    here = pdf_rate_here(documents, runs)
    pooled = pdf_rate_pool(documents, runs)

    ingest_rate, invoice_rate = orders / ingest, invoices / invoicing
    rows = [
        ("X12 850 ingest end to end on SQLite", f"{ingest_rate:,.0f} orders/s", "1.00x", ""),
        ("invoicing, every 810 queued, on SQLite", f"{invoice_rate:,.0f} invoices/s",
         f"{invoice_rate / ingest_rate:.2f}x the ingest",
         f"goal ≥ {INVOICES_GOAL:,} invoices/s {_verdict(invoice_rate >= INVOICES_GOAL)}"),
        ("Factur-X PDF, one process", f"{here:,.1f} PDFs/s", f"{here / ingest_rate:.4f}x the ingest",
         f"goal ≥ {PDFS_GOAL} PDFs/s {_verdict(here >= PDFS_GOAL)}"),
        (f"Factur-X PDF, a run's batch on {PDF_PROCESSES} worker processes", f"{pooled:,.1f} PDFs/s",
         f"{pooled / ingest_rate:.4f}x the ingest",
         f"{pooled / here:.2f}x one process; goal {_verdict(pooled >= PDFS_GOAL)}"),
    ]
    table = ["| measure | rate | ratio | goal / note |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    header = (f"{orders:,} orders × {args.lines} lines, each shipped whole and invoiced "
              f"({invoices:,} invoices, numbers gapless, {invoices:,} ST*810 sets in the outbox); "
              f"{len(documents)} distinct invoices as Factur-X PDF/A-3; best of {runs} runs each. "
              f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.")
    block = header + "\n\n" + "\n".join(table)
    print(block)
    if not args.no_write:
        write_block(block, name="bench_invoice", title="Invoicing (`make bench`)")


if __name__ == "__main__":
    main()
