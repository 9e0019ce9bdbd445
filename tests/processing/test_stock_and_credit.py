"""Stock allocation and credit (issue 5), through the real pipeline on SQLite and PostgreSQL.

Each test changes the sample master data only where it matters (a stock row, a credit limit,
ACME's partner profile), ingests X12 850s and reads back what was stored and acknowledged.
The last tests run two OS processes against one PostgreSQL database at the same time: the
conditional UPDATEs are what keep them from overselling, and only real concurrency shows it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, Row, select, text
from sqlalchemy.engine import URL

from ordergate.masterdata.seed import seed_masterdata
from ordergate.orders.store import PROCESSED
from ordergate.parsers.x12.types import TransactionSet
from ordergate.store import tables as t
from ordergate.store.db import make_engine, upgrade
from tests.kit.stock import (
    line,
    lines_of,
    set_acme_profile,
    set_credit_limit,
    set_stock,
    stock_of,
    stored_order,
)
from tests.kit.x12 import (
    Item,
    acks_855,
    interchange,
    order_file,
    po_850,
    rows,
    seg,
    segs,
    sku,
)

from .conftest import MASTERDATA

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------ helpers
def acks(ts: TransactionSet) -> list[list[str]]:
    """Every ACK of an 855 as [code, quantity, unit], in order."""
    return [ack[1:4] for ack in segs(ts, "ACK")]


def exposure_of(engine: Engine, customer_id: str) -> Row | None:
    found = rows(engine, t.customer_exposure, t.customer_exposure.c.customer_id == customer_id)
    return found[0] if found else None


def price(code: str) -> Decimal:
    return Decimal(line(code, 1).price)


# ------------------------------------------------------------------------------ enough stock
def test_enough_stock_ships_every_line_and_sets_exactly_the_total_aside(db, ingest):
    before = {code: stock_of(db, code) for code in ("HW-1001", "HW-1020")}
    document = ingest(interchange(po_850("5001", line("HW-1001", 10), line("HW-1020", 2)),
                                  po_850("5002", line("HW-1001", 7)))).documents[0]

    assert [order.status for order in document.orders] == ["accepted", "accepted"]
    for order in document.orders:
        stored = lines_of(db, order.order_id)
        assert [(row.status, row.ship_quantity) for row in stored] == [
            ("accepted", row.quantity) for row in stored]
    after = {code: stock_of(db, code) for code in before}
    assert {code: after[code].allocated - before[code].allocated for code in before} == {
        "HW-1001": 17, "HW-1020": 2}
    # on_hand is what is in the warehouse: allocation sets aside, it does not pick.
    assert {code: after[code].on_hand for code in before} == {
        code: before[code].on_hand for code in before}

    first, second = acks_855(db)
    assert seg(first, "BAK")[2] == "AD"
    assert acks(first) == [["IA", "10", "CS"], ["IA", "2", "EA"]]
    assert acks(second) == [["IA", "7", "CS"]]


# ------------------------------------------------------------------------------ short stock
def test_ship_partial_ships_what_is_there_and_backorders_the_rest(db, ingest, tmp_path):
    set_acme_profile(db, tmp_path, "backorder_policy: ship_partial")
    # SF-4005: 5 in stock. The second order finds none left.
    document = ingest(interchange(po_850("5101", line("HW-1001", 10), line("SF-4005", 8)),
                                  po_850("5102", line("SF-4005", 2)))).documents[0]

    first, second = document.orders
    assert (first.status, second.status) == ("accepted", "accepted")
    hw, sf = lines_of(db, first.order_id)
    assert (hw.status, hw.ship_quantity) == ("accepted", 10)
    assert (sf.status, sf.ship_quantity) == ("backordered", 5)
    assert "line 2: 5 of 8 SF-4005 in stock" in sf.reason and "3 backordered" in sf.reason
    [none_left] = lines_of(db, second.order_id)
    assert (none_left.status, none_left.ship_quantity) == ("backordered", 0)

    stock = stock_of(db, "SF-4005")
    assert stock.allocated == stock.on_hand == 5

    ack_first, ack_second = acks_855(db)
    assert seg(ack_first, "BAK")[2] == "AC"
    assert acks(ack_first) == [["IA", "10", "CS"], ["IA", "5", "EA"], ["IB", "3", "EA"]]
    [ref] = segs(ack_first, "REF")
    assert ref[2] == "BACKORDERED" and ref[3].startswith("line 2: 5 of 8 SF-4005")
    assert acks(ack_second) == [["IB", "2", "EA"]]  # nothing ships now: the backorder alone


def test_reject_line_turns_the_short_line_down_and_gives_its_partial_stock_back(db, ingest,
                                                                                  tmp_path):
    set_acme_profile(db, tmp_path, "backorder_policy: reject_line")
    [order] = ingest(order_file("5201", line("HW-1001", 10), line("SF-4005", 8))).documents[0].orders

    assert order.status == "accepted"
    hw, sf = lines_of(db, order.order_id)
    assert (hw.status, hw.ship_quantity) == ("accepted", 10)
    assert (sf.status, sf.ship_quantity) == ("rejected", None)
    assert "line 2: 5 of 8 SF-4005 in stock" in sf.reason and "not accepted" in sf.reason
    # The 5 it could have had are free again; the accepted line keeps its own.
    assert stock_of(db, "SF-4005").allocated == 0
    assert stock_of(db, "HW-1001").allocated == 10
    # The order's value is what it will ship.
    assert stored_order(db, order.order_id).total == 10 * price("HW-1001")

    [ack] = acks_855(db)
    assert seg(ack, "BAK")[2] == "AC"
    assert acks(ack) == [["IA", "10", "CS"], ["IR", "0", "EA"]]


def test_hold_holds_the_order_naming_the_short_line_and_keeps_none_of_its_stock(db, ingest,
                                                                                 tmp_path):
    set_acme_profile(db, tmp_path, "backorder_policy: hold")
    [order] = ingest(order_file("5301", line("HW-1001", 10), line("SF-4005", 8))).documents[0].orders

    assert order.status == "held"
    assert order.hold_reasons == ["line 2: 5 of 8 SF-4005 in stock"]
    stored = stored_order(db, order.order_id)
    assert stored.status == "held"
    assert json.loads(stored.hold_reasons) == order.hold_reasons
    assert [row.ship_quantity for row in lines_of(db, order.order_id)] == [None, None]
    assert stock_of(db, "HW-1001").allocated == 0
    assert stock_of(db, "SF-4005").allocated == 0
    [event] = rows(db, t.order_events, t.order_events.c.order_id == order.order_id)
    assert (event.to_status, event.reason) == ("held", "line 2: 5 of 8 SF-4005 in stock")


def test_orders_in_one_batch_compete_for_the_last_units_in_document_order(db, ingest):
    # PO numbers run against document order: going by PO number would give another answer.
    document = ingest(interchange(po_850("5499", line("SF-4005", 3)),
                                  po_850("5401", line("SF-4005", 3)),
                                  po_850("5400", line("SF-4005", 3)))).documents[0]

    shipped = [(row.status, row.ship_quantity)
               for order in document.orders for row in lines_of(db, order.order_id)]
    assert [order.po_number for order in document.orders] == ["5499", "5401", "5400"]
    assert shipped == [("accepted", 3), ("backordered", 2), ("backordered", 0)]
    assert stock_of(db, "SF-4005").allocated == 5


def test_stock_left_over_from_an_earlier_batch_is_all_that_a_later_one_gets(db, ingest):
    ingest(order_file("5501", line("JS-2003", 45), control=1))  # 60 on hand
    [order] = ingest(order_file("5502", line("JS-2003", 20), control=2)).documents[0].orders

    [row] = lines_of(db, order.order_id)
    assert (row.status, row.ship_quantity) == ("backordered", 15)
    assert stock_of(db, "JS-2003").allocated == 60


# ------------------------------------------------------------------------------ reorders
def test_falling_below_the_reorder_point_records_a_reorder_suggestion(db, ingest):
    set_stock(db, "HW-1010", reorder_point=100, reorder_quantity=50)  # 120 on hand
    set_stock(db, "JS-2002", reorder_point=70, reorder_quantity=10)  # 80 on hand
    set_stock(db, "HW-1001", reorder_point=100, reorder_quantity=50)  # 240 on hand
    ingest(order_file("5601", line("HW-1010", 30), line("JS-2002", 40), line("HW-1001", 10)))

    suggested = {row.sku: (row.available, row.reorder_point, row.quantity)
                 for row in rows(db, t.reorder_suggestions)}
    assert suggested == {
        # The usual reorder quantity when that gets back above the point...
        "HW-1010": (90, 100, 50),
        # ...more when it would not: 40 available, 30 short of the point.
        "JS-2002": (40, 70, 30),
    }  # HW-1001 stays at 230 available, above its point.


def test_a_sku_without_a_reorder_point_gets_no_suggestion(db, ingest):
    ingest(order_file("5701", line("SF-4005", 5)))  # down to 0 available, no reorder point
    assert stock_of(db, "SF-4005").allocated == 5
    assert rows(db, t.reorder_suggestions) == []


# ------------------------------------------------------------------------------ credit
def test_the_order_that_would_pass_the_credit_limit_is_held_and_the_rest_go_through(db, ingest):
    set_credit_limit(db, "ACME", "400")
    unit = price("HW-1001")  # 16.50
    document = ingest(interchange(po_850("5801", line("HW-1001", 10)),   # 165
                                  po_850("5802", line("HW-1001", 20)),   # 330: 495 > 400
                                  po_850("5803", line("HW-1001", 5)))).documents[0]  # 82.50

    statuses = [order.status for order in document.orders]
    assert statuses == ["accepted", "held", "accepted"]
    held = document.orders[1]
    assert held.hold_reasons == [
        "credit: order total 330 + open 165 exceeds the credit limit 400 of ACME"]
    assert stored_order(db, held.order_id).status == "held"
    accepted_total = sum(stored_order(db, order.order_id).total
                         for order in document.orders if order.status == "accepted")
    assert accepted_total == 15 * unit
    assert exposure_of(db, "ACME").open_orders == accepted_total
    # A credit hold takes no stock either.
    assert stock_of(db, "HW-1001").allocated == 15
    assert [row.ship_quantity for row in lines_of(db, held.order_id)] == [None]

    # A later batch sees what the first one reserved.
    [later] = ingest(order_file("5804", line("HW-1001", 10), control=2)).documents[0].orders
    assert later.status == "held"
    assert later.hold_reasons == [
        "credit: order total 165 + open 247.5 exceeds the credit limit 400 of ACME"]
    assert exposure_of(db, "ACME").open_orders == accepted_total


def test_credit_stop_holds_every_order(db, ingest, tmp_path):
    set_acme_profile(db, tmp_path, "credit_stop: true")
    document = ingest(interchange(po_850("5901", line("HW-1001", 1)),
                                  po_850("5902", line("HW-1002", 1)))).documents[0]

    assert [(order.status, order.hold_reasons) for order in document.orders] == [
        ("held", ["customer ACME is on credit stop"])] * 2
    assert stock_of(db, "HW-1001").allocated == stock_of(db, "HW-1002").allocated == 0
    exposure = exposure_of(db, "ACME")
    assert exposure is None or exposure.open_orders == 0


def test_a_customer_without_a_credit_limit_gets_no_exposure_row(db, ingest):
    set_credit_limit(db, "ACME", None)
    [order] = ingest(order_file("6001", line("HW-1001", 1))).documents[0].orders
    assert order.status == "accepted"
    assert exposure_of(db, "ACME") is None


# ------------------------------------------------------------------------------ duplicates
def test_a_duplicate_po_takes_no_stock_and_no_credit(db, ingest):
    ingest(order_file("6101", line("HW-1001", 10), control=1))
    exposure = exposure_of(db, "ACME").open_orders
    [again] = ingest(order_file("6101", line("HW-1001", 10), control=2)).documents[0].orders
    assert again.status == "duplicate"
    # The same PO twice inside one interchange, too.
    statuses = [order.status for order in ingest(interchange(
        po_850("6102", line("HW-1001", 4)), po_850("6102", line("HW-1001", 4)),
        control=3)).documents[0].orders]
    assert statuses == ["accepted", "duplicate"]

    assert stock_of(db, "HW-1001").allocated == 14
    assert exposure_of(db, "ACME").open_orders == exposure + 4 * price("HW-1001")


# ------------------------------------------------------------------------------ review findings
def test_an_order_held_for_credit_leaves_its_stock_to_the_orders_after_it(db, ingest):
    """Credit is decided before stock: the held order never takes units a later one could ship."""
    set_stock(db, "HW-1020", on_hand=15)
    set_credit_limit(db, "ACME", "1500")  # 15 x 115.00 = 1725 does not fit, 10 x 115.00 does
    [first, second] = ingest(interchange(po_850("CR-A", line("HW-1020", 15)),
                                         po_850("CR-B", line("HW-1020", 10)),
                                         control=71)).documents[0].orders
    assert (first.status, second.status) == ("held", "accepted")
    assert [(row.status, row.ship_quantity) for row in lines_of(db, second.order_id)] == [
        ("accepted", 10)]
    assert [row.ship_quantity for row in lines_of(db, first.order_id)] == [None]
    assert stock_of(db, "HW-1020").allocated == 10
    assert exposure_of(db, "ACME").open_orders == 1150


def test_a_hold_policy_order_gives_its_credit_back(db, ingest, tmp_path):
    set_acme_profile(db, tmp_path, "backorder_policy: hold")
    set_credit_limit(db, "ACME", "100000")
    set_stock(db, "HW-1020", on_hand=5)
    [order] = ingest(order_file("HP-1", line("HW-1020", 8), control=72)).documents[0].orders
    assert order.status == "held" and "5 of 8 HW-1020 in stock" in order.hold_reasons[0]
    assert exposure_of(db, "ACME").open_orders == 0
    # The held order's line says what the checks said, not a backorder that will not happen.
    assert [(row.status, row.ship_quantity) for row in lines_of(db, order.order_id)] == [
        ("accepted", None)]


def test_credit_limits_compare_exact_amounts_on_every_backend(db, ingest):
    # 0.1 + 0.2 <= 0.3 must hold: SQLite keeps NUMERIC as binary floats.
    with db.begin() as conn:
        conn.execute(t.prices.insert().values(customer_id="ACME", sku="SF-4001",
                                              unit_price=Decimal("0.10")))
    set_credit_limit(db, "ACME", "0.30")
    first = ingest(order_file("FL-1", sku("SF-4001", "1", "0.10", uom="EA"), control=73))
    second = ingest(order_file("FL-2", sku("SF-4001", "2", "0.10", uom="EA"), control=74))
    assert [o.status for d in (first, second) for o in d.documents[0].orders] == ["accepted",
                                                                                 "accepted"]


def test_negative_and_zero_quantities_are_held_and_change_no_exposure(db, ingest):
    set_credit_limit(db, "ACME", "100000")
    [order] = ingest(order_file("NEG-1", line("HW-1001", "-100"), control=75)).documents[0].orders
    assert order.status == "held"
    assert "quantity -100 is not a positive number" in order.hold_reasons[0]
    assert exposure_of(db, "ACME") is None or exposure_of(db, "ACME").open_orders == 0
    assert stock_of(db, "HW-1001").allocated == 0


def test_a_reorder_suggestion_goes_away_once_stock_is_back(db, ingest):
    from ordergate.orders.allocation import stock_report

    set_stock(db, "HW-1020", on_hand=30, reorder_point=25, reorder_quantity=20)
    ingest(order_file("RO-1", line("HW-1020", 10), control=76))
    with db.connect() as conn:
        assert [s.sku for s in stock_report(conn, only_reorders=True)] == ["HW-1020"]
    set_stock(db, "HW-1020", on_hand=500)  # restocked
    with db.connect() as conn:
        assert stock_report(conn, only_reorders=True) == []


# ------------------------------------------------------------------------------ two processes
# Each worker ingests one file with ordergate's own entry point. It imports everything, says
# "ready", and starts on "go", so the workers' batches (one transaction each) really overlap.
WORKER = """
import sys
from pathlib import Path

from ordergate.store.db import make_engine
from ordergate.processing.ingest import ingest_documents
from ordergate.settings import Settings
from ordergate.documents import RawDocument

url, path, home, batch_size = sys.argv[1:5]
engine = make_engine(url)
settings = Settings(home=Path(home), database_url=None, x12_id="ZZ:ORDERGATE",
                    edifact_id="ORDERGATE", store_batch_size=int(batch_size),
                    parallel_from_bytes=0)
raw = RawDocument(content=Path(path).read_bytes(), channel="test", source_ref=path)
print("ready", flush=True)
sys.stdin.readline()
report = ingest_documents(engine, settings, [raw], actor=f"worker {path}")
print(report.to_json(indent=None), flush=True)
"""
WORKER_TIMEOUT = 60  # seconds; a worker that hangs this long is stuck on a lock
ORDERS_PER_WORKER = 40
ON_HAND = 50


@pytest.fixture
def pg_shared(make_pg_database: Callable[[], URL]) -> Iterator[tuple[URL, Engine]]:
    """A fresh, migrated PostgreSQL database with the sample master data, for workers to share
    (``pg_engine``'s database is the test session's own and is emptied under each test)."""
    url = make_pg_database()
    engine = make_engine(url)
    upgrade(engine)
    seed_masterdata(engine, MASTERDATA)
    yield url, engine
    engine.dispose()


def start_workers(url: URL, files: list[Path], tmp_path: Path, *,
                  batch_size: int) -> list[subprocess.Popen]:
    """One process per file, all imported and waiting, then released at once."""
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER,
                                 url.render_as_string(hide_password=False), str(path),
                                 str(tmp_path / f"home{n}"), str(batch_size)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
               for n, path in enumerate(files)]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready", worker.communicate()[1]
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
    except BaseException:
        stop(workers)
        raise
    return workers


def finish_workers(workers: list[subprocess.Popen]) -> list[dict]:
    """Each worker's ingest report (as ``ordergate ingest --json`` prints it)."""
    try:
        outputs = [worker.communicate(timeout=WORKER_TIMEOUT) for worker in workers]
    finally:
        stop(workers)
    reports = []
    for worker, (out, err) in zip(workers, outputs):
        assert worker.returncode == 0, err
        reports.append(json.loads(out))
    return reports


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def failed_documents(reports: list[dict]) -> str:
    return "\n".join(f"{document['path']}: {document['error']}" for report in reports
                     for document in report["documents"] if document["status"] != PROCESSED)


def worker_file(tmp_path: Path, name: str, control: int, items: list[Item]) -> Path:
    """One interchange of ORDERS_PER_WORKER 850s with the same lines, PO numbers name-000..."""
    path = tmp_path / f"{name}.x12"
    path.write_bytes(interchange(*(po_850(f"{name}-{n:03d}", *items)
                                   for n in range(ORDERS_PER_WORKER)), control=control))
    return path


def document_runs(engine: Engine) -> int:
    """How many runs of one document's orders the order ids make: 2 when one worker stored
    everything before the other began, more the more their batches interleaved."""
    with engine.connect() as conn:
        documents = conn.execute(select(t.orders.c.document_id).order_by(t.orders.c.id)).scalars().all()
    return 1 + sum(1 for a, b in zip(documents, documents[1:]) if a != b)


@pytest.mark.postgresql
def test_two_processes_never_allocate_more_than_is_on_hand(pg_shared, tmp_path):
    url, engine = pg_shared
    set_stock(engine, "HW-1001", on_hand=ON_HAND, allocated=0)
    files = [worker_file(tmp_path, name, control, [line("HW-1001", 3)])
             for name, control in (("east", 101), ("west", 202))]

    reports = finish_workers(start_workers(url, files, tmp_path, batch_size=5))

    assert failed_documents(reports) == ""
    assert [len(report["documents"][0]["orders"]) for report in reports] == [ORDERS_PER_WORKER] * 2
    assert document_runs(engine) > 2, "the workers did not overlap: nothing concurrent was tested"
    with engine.connect() as conn:
        lines = conn.execute(select(t.order_lines).where(t.order_lines.c.sku == "HW-1001")).all()
    assert len(lines) == 2 * ORDERS_PER_WORKER
    overshipped = [row for row in lines
                   if row.ship_quantity is None or not 0 <= row.ship_quantity <= row.quantity]
    assert overshipped == []
    stock = stock_of(engine, "HW-1001")
    assert stock.allocated <= stock.on_hand == ON_HAND
    assert stock.allocated == sum(row.ship_quantity for row in lines)
    # 240 wanted, 50 there: every unit is taken, none twice.
    assert stock.allocated == ON_HAND


@pytest.mark.postgresql
def test_two_processes_wanting_the_same_skus_in_opposite_order_do_not_deadlock(pg_shared, tmp_path):
    """Each batch sets stock aside SKU by SKU and keeps each row locked until it commits. Two
    batches that reach the same SKUs in opposite order must still both finish. The test holds
    the middle SKU's row until both workers wait on a lock: taken in the order the lines come,
    each would by then hold the SKU the other needs last."""
    url, engine = pg_shared
    first, middle, last = "HW-1001", "HW-1002", "HW-1003"
    forward = tmp_path / "forward.x12"
    forward.write_bytes(order_file("6201", line(first, 1), line(middle, 1), line(last, 1), control=301))
    backward = tmp_path / "backward.x12"
    backward.write_bytes(order_file("6202", line(last, 1), line(middle, 1), line(first, 1), control=302))

    with engine.connect() as blocker:
        blocker.execute(select(t.stock.c.sku).where(t.stock.c.sku == middle).with_for_update())
        workers = start_workers(url, [forward, backward], tmp_path, batch_size=1)
        try:
            wait_for_lock_waits(engine, 2)
        except BaseException:
            stop(workers)
            raise
        blocker.rollback()
    reports = finish_workers(workers)

    assert failed_documents(reports) == ""
    for code in (first, middle, last):
        assert stock_of(engine, code).allocated == 2


def wait_for_lock_waits(engine: Engine, count: int) -> None:
    """Until ``count`` other sessions on this database wait for a lock."""
    deadline = time.monotonic() + WORKER_TIMEOUT
    with engine.connect() as conn:
        while True:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar_one()
            conn.rollback()  # a fresh snapshot of pg_stat_activity on the next read
            if waiting >= count:
                return
            assert time.monotonic() < deadline, f"only {waiting} of {count} workers reached the lock"
            time.sleep(0.05)


def test_reject_line_with_no_line_left_rejects_the_order_and_says_so(db, ingest, tmp_path):
    set_acme_profile(db, tmp_path, "backorder_policy: reject_line")
    set_stock(db, "SF-4005", on_hand=0)
    [document] = ingest(order_file("NONE-1", line("SF-4005", "4"), control=61)).documents
    [order] = document.orders
    assert (order.status, order.hold_reasons) == ("rejected", ["no line can be supplied from stock"])
    assert stored_order(db, order.order_id).status == "rejected"
    [ts] = acks_855(db)
    assert seg(ts, "BAK")[2] == "RD" and acks(ts) == [["IR", "0", "EA"]]
    exposure = exposure_of(db, "ACME")
    assert exposure is None or exposure.open_orders == 0  # a rejected order is no exposure
