"""Control numbers: unique and increasing per partner, also with two processes at once."""

from __future__ import annotations

import multiprocessing
import time
import traceback

import pytest
from sqlalchemy import Engine, update

from ordergate.outbox.control_numbers import MAX_CONTROL_NUMBER, allocate
from ordergate.store import tables as t
from ordergate.store.db import make_engine


def _allocate(engine: Engine, partner: str, sequence: str, count: int = 1) -> range:
    with engine.begin() as conn:
        return allocate(conn, partner, sequence, count)


def test_numbers_start_at_one_and_increase_by_block(engine):
    assert _allocate(engine, "ACME", "isa") == range(1, 2)
    assert _allocate(engine, "ACME", "isa", 5) == range(2, 7)
    assert _allocate(engine, "ACME", "isa") == range(7, 8)


def test_partners_and_sequences_are_independent(engine):
    assert _allocate(engine, "ACME", "isa", 3) == range(1, 4)
    assert _allocate(engine, "ACME", "gs") == range(1, 2)
    assert _allocate(engine, "GLOBEX", "isa") == range(1, 2)
    assert _allocate(engine, "ACME", "isa") == range(4, 5)


def test_several_allocations_in_one_transaction_do_not_overlap(engine):
    with engine.begin() as conn:
        blocks = [allocate(conn, "ACME", "st", n) for n in (1, 4, 2)]
    assert [list(b) for b in blocks] == [[1], [2, 3, 4, 5], [6, 7]]


def test_a_rolled_back_transaction_gives_its_numbers_back(engine):
    with engine.connect() as conn:
        with conn.begin() as trans:
            assert allocate(conn, "ACME", "isa", 10) == range(1, 11)
            trans.rollback()
    assert _allocate(engine, "ACME", "isa") == range(1, 2)


def _set_last(engine: Engine, partner: str, sequence: str, value: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(t.control_numbers)
                     .where(t.control_numbers.c.partner_id == partner,
                            t.control_numbers.c.sequence == sequence)
                     .values(last_value=value))


def test_numbers_wrap_to_one_after_the_isa13_maximum(engine):
    _allocate(engine, "ACME", "isa")
    _set_last(engine, "ACME", "isa", MAX_CONTROL_NUMBER - 1)
    assert _allocate(engine, "ACME", "isa") == range(MAX_CONTROL_NUMBER, MAX_CONTROL_NUMBER + 1)
    assert _allocate(engine, "ACME", "isa") == range(1, 2)


def test_a_block_that_would_cross_the_maximum_starts_again_at_one(engine):
    _allocate(engine, "ACME", "isa")
    _set_last(engine, "ACME", "isa", MAX_CONTROL_NUMBER - 1)
    assert _allocate(engine, "ACME", "isa", 3) == range(1, 4)
    assert _allocate(engine, "ACME", "isa") == range(4, 5)


@pytest.mark.parametrize("count", [0, -1, MAX_CONTROL_NUMBER + 1])
def test_count_must_be_positive_and_fit(engine, count):
    with pytest.raises(ValueError, match="count must be between 1"):
        _allocate(engine, "ACME", "isa", count)


# ---------------------------------------------------------------- two processes
def _allocate_many(url: str, transactions: int, pause: float, barrier, results) -> None:
    """Runs in a spawned process: many small transactions, each taking a block of 1-3 numbers."""
    try:
        engine = make_engine(url)
        got: list[int] = []
        barrier.wait(timeout=60)  # start together so the two really compete
        for i in range(transactions):
            with engine.begin() as conn:
                got.extend(allocate(conn, "ACME", "isa", 1 + i % 3))
            time.sleep(pause)
        engine.dispose()
        results.put(("ok", got))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _run_two_processes(engine: Engine, transactions: int, pause: float) -> list[list[int]]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [ctx.Process(target=_allocate_many, args=(url, transactions, pause, barrier, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        outcomes = [results.get(timeout=180) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    errors = [detail for status, detail in outcomes if status != "ok"]
    assert not errors, "\n".join(errors)
    return [numbers for _, numbers in outcomes]


def _check_concurrent_allocation(engine: Engine, transactions: int, pause: float = 0.0) -> None:
    first, second = _run_two_processes(engine, transactions, pause)
    expected_total = 2 * sum(1 + i % 3 for i in range(transactions))
    everything = first + second
    assert len(everything) == expected_total
    assert len(set(everything)) == expected_total, "a number was handed out twice"
    assert set(everything) == set(range(1, expected_total + 1)), "committed blocks leave no gaps"
    for numbers in (first, second):
        assert all(a < b for a, b in zip(numbers, numbers[1:])), "numbers must increase per process"
    # The blocks interleave, so the processes really ran at the same time.
    assert min(first) < max(second) and min(second) < max(first)


@pytest.mark.postgresql
def test_two_processes_on_postgresql_never_share_a_number(pg_engine):
    _check_concurrent_allocation(pg_engine, transactions=300)


def test_two_processes_on_one_sqlite_file_never_share_a_number(sqlite_engine):
    # SQLite's busy handler is not fair: a process that commits and at once begins again keeps
    # winning the lock while the other sleeps in back-off, so without a pause one process would
    # finish before the other starts. A real worker does other work between transactions
    # (reading, parsing the next document); the pause stands for that.
    _check_concurrent_allocation(sqlite_engine, transactions=300, pause=0.002)
