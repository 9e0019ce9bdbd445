"""Property tests over every reader: whatever the input, the reader returns orders or a
failure with a reason, never an unhandled exception, and the orders' JSON is valid.

Inputs come from the fuzzer's structure-aware generators (benchmarks/fuzz), driven by
hypothesis, with hypothesis-chosen byte edits on top. A few dozen examples per reader run
here, deterministically (derandomize, no example database); ``make fuzz`` runs 100,000 per
reader. Failures that are known and being fixed elsewhere (benchmarks/fuzz/known.py) are
tolerated here so this suite stays green meanwhile; anything else fails the test.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz import engine, targets
from benchmarks.fuzz.known import known_label

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TIME_LIMIT = 10.0  # far above any reader's time for these small inputs

# The generators draw from a plain Random seeded by hypothesis: hypothesis's own random
# leans to extremes (the million-digit number on every line), which tests a different thing.
seeds = st.integers(0, 2**64)
edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 8), st.binary(max_size=12)),
                 max_size=3)


def edited(data: bytes, changes: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (where, how many bytes to drop, what to put there) applied."""
    out = bytearray(data)
    for where, drop, insert in changes:
        at = where % (len(out) + 1)
        out[at:at + drop] = insert
    return bytes(out)


def assert_handled(target, data) -> str:
    outcome, failure = engine.check(target, data, TIME_LIMIT)
    if failure is not None:
        found, trace = failure
        assert known_label(found) is not None, f"{found.kind} {found.exc_type} at {found.location}: {found.message}\n{trace}"
        return "known failure"
    assert outcome in ("orders", "failed", "nothing", "quarantined", "attachments", "no-orders",
                       "empty"), outcome
    return outcome


@pytest.mark.parametrize("reader", ["x12", "edifact", "tabular", "email"])
def test_every_reader_handles_generated_and_edited_input(reader):
    target = targets.TARGETS[reader]
    outcomes = set()

    @PROPERTY
    @given(seed=seeds, changes=edits)
    def check(seed, changes):
        data = target.generate(random.Random(seed))
        outcomes.add(assert_handled(target, edited(data, changes)))

    check()
    assert outcomes - {"known failure"}  # the examples reached the reader's real outcomes


def test_the_pdf_text_layer_handles_generated_pages():
    target = targets.TARGETS["pdf-text"]
    outcomes = set()

    @PROPERTY
    @given(seed=seeds)
    def check(seed):
        outcomes.add(assert_handled(target, target.generate(random.Random(seed))))

    check()
    assert "failed" in outcomes


@pytest.mark.parametrize("data", [b"", b"\x00" * 64, b"ISA", b"UNA:+.? '", b"%PDF-1.7\n",
                                  b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
@pytest.mark.parametrize("reader", ["x12", "edifact", "tabular", "email"])
def test_every_reader_handles_degenerate_bytes(reader, data):
    assert assert_handled(targets.TARGETS[reader], data) != "orders"


def test_a_failed_reason_with_nan_in_json_is_caught_by_the_check():
    """The JSON check the properties rely on refuses what json.dumps writes for NaN."""
    with pytest.raises(targets.Violation):
        targets.check_json(json.dumps({"quantity": float("nan")}), "a report")
    targets.check_json(json.dumps({"quantity": "1.5"}), "a report")


numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"\A[-+]?[0-9,.]{0,30}([eE][-+]?[0-9]{1,12})?\Z"),
    st.integers(-10**40, 10**40).map(str),
)


@PROPERTY
@given(qty=numbers, price=numbers)
def test_any_x12_quantity_and_price_make_an_order_or_a_rejection(qty, price):
    content = ("ISA*00*          *00*          *ZZ*ACMEBUY        *ZZ*ORDERGATE      *261120*0930*"
               "^*00401*000000001*0*P*>~GS*PO*ACMEBUY*ORDERGATE*20261120*0930*1*X*004010~"
               "ST*850*0001~BEG*00*SA*P-1**20261120~"
               f"PO1*1*{qty}*CS*{price}*PE*VP*HW-1001~CTT*1~SE*5*0001~GE*1*1~IEA*1*000000001~")
    assert assert_handled(targets.TARGETS["x12"], content.encode("ascii")) in (
        "orders", "failed", "known failure")


@PROPERTY
@given(qty=numbers, price=numbers)
def test_any_edifact_quantity_and_price_make_an_order_or_a_rejection(qty, price):
    def released(value: str) -> str:
        return "".join("?" + ch if ch in ":+?'" else ch for ch in value)

    content = ("UNA:+.? 'UNB+UNOC:3+5412345000013:14+ORDERGATE+261120:0930+P1'"
               "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+EU-P-1+9'LIN+1++4012345000016:EN'"
               f"QTY+21:{released(qty)}'PRI+AAA:{released(price)}'UNS+S'UNT+7+1'UNZ+1+P1'")
    assert assert_handled(targets.TARGETS["edifact"], content.encode("latin-1")) in (
        "orders", "failed", "known failure")
