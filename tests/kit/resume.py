"""Crashing the pipeline on purpose and checking a rerun: the tests of resuming after a crash,
in one process or two, share what a crash is and what "stored once, answered once" means."""

from __future__ import annotations

import itertools

import pytest

from ordergate.store import tables as t
from tests.kit.x12 import acks_855, bak, interchange, outbox, po_850, read_reply, rows


class Crash(BaseException):
    """The process dies here: not an Exception, so nothing in ordergate catches it."""


def crash_on_call(monkeypatch: pytest.MonkeyPatch, module, name: str, call: int,
                  error: BaseException) -> None:
    """Make ``module.name`` raise ``error`` on its ``call``-th call; other calls go through."""
    original = getattr(module, name)
    calls = itertools.count(1)

    def wrapper(*args, **kwargs):
        if next(calls) == call:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


FIVE_ORDERS = [f"PO-{n}" for n in range(1, 6)]


def five_orders() -> bytes:
    """One interchange with the five POs of ``FIVE_ORDERS``, two lines each."""
    return interchange(*(po_850(po) for po in FIVE_ORDERS), control=7)


def assert_stored_once_with_one_855(db, expected: list[str]) -> None:
    """Each PO is one order with its lines and one first state change, and has exactly one 855."""
    orders = rows(db, t.orders)
    assert sorted(o.po_number for o in orders) == sorted(expected)
    acknowledgements = rows(db, t.order_acknowledgements)
    lines = rows(db, t.order_lines)
    events = rows(db, t.order_events)
    for order in orders:
        assert [line.line_number for line in lines if line.order_id == order.id] == [1, 2]
        assert [e.to_status for e in events if e.order_id == order.id] == [order.status]
        assert [a.kind for a in acknowledgements if a.order_id == order.id] == ["855"]
    sets = acks_855(db)
    assert sorted(bak(ts)[3] for ts in sets) == sorted(expected)
    # Each link names the 855 interchange and the ST02 inside it that carries the order's BAK.
    carried = {(reply_row.id, ts.control_number): bak(ts)[3]
               for reply_row in outbox(db, "855") for ts in read_reply(reply_row.payload).sets}
    by_id = {o.id: o.po_number for o in orders}
    assert {carried[(a.outbox_id, a.reference)] for a in acknowledgements} == set(expected)
    assert all(carried[(a.outbox_id, a.reference)] == by_id[a.order_id] for a in acknowledgements)
