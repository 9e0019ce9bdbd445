"""The 855's two ways of writing lines must never differ: straight to text (an order whose
lines all ship as sent) and segment lists through the writer (any order)."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

import pytest

from ordergate.orders.model import ReplyAddress
from ordergate.orders.prepared import LINE_COLUMNS, PreparedOrder
from ordergate.parsers.x12.writer import segment_writer, write_interchange
from ordergate.sinks.x12.ack855 import build_855
from ordergate.sinks.x12.envelope import (
    REPLY_DELIMITERS,
    reply_delimiters,
    reply_group,
    reply_interchange,
)

NOW = datetime(2026, 11, 29, 12, 0)
TODAY = NOW.date()
PIECES = ["A", "12", "", " ", "x ", "\t", "*", "~", ">", "^", "\n", "PO 1", "ÄÖ", None]


def _order(lines: list[tuple], status: str = "accepted") -> PreparedOrder:
    return PreparedOrder("1/1/0001", "test", "x12-850", "x12:ZZ:ACME", "ACME", "PO-1",
                         date(2026, 11, 1), "original", "USD", None, status, (), Decimal("1"),
                         "{}", tuple(lines))


def _line(rng: random.Random, number: int, weird: bool) -> tuple:
    def text(default: str | None) -> str | None:
        if not weird or rng.random() < 0.6:
            return default
        piece = rng.choice(PIECES)
        return piece if piece is None else (default or "") + piece

    quantity = Decimal(rng.choice(["1", "12", "0.5", "1000.0000", "7.25"]))
    price = rng.choice([None, Decimal("9.99"), Decimal("12.5000"), Decimal("0")])
    status = "accepted" if not weird or rng.random() < 0.8 else rng.choice(
        ["changed", "backordered", "rejected", "unknown_item"])
    ships = rng.choice([None, quantity]) if status == "accepted" else rng.choice([None, Decimal("1")])
    values = {"line_number": number, "buyer_line_id": text(str(number)), "buyer_part": text("BP-1"),
              "vendor_part": text(None), "gtin": rng.choice([None, "00012345678905"]),
              "sku": text("SKU-1"), "description": None, "quantity": quantity,
              "uom": text(rng.choice(["EA", None])), "unit_price": price, "status": status,
              "reason": text("why") if status != "accepted" else None, "po_unit_price": price,
              "ship_quantity": ships}
    return tuple(values[name] for name in LINE_COLUMNS)


def _written(order: PreparedOrder, reply: ReplyAddress, fast: bool) -> str:
    writer = segment_writer(reply_delimiters(reply), reply.interchange_version)
    transaction = build_855(order, 42, 7, TODAY, writer if fast else None)
    group = reply_group(reply, "PR", 3, [transaction])
    return write_interchange(reply_interchange(reply, 5, [group], timestamp=NOW))


@pytest.mark.parametrize("version", ["00401", "00501"])
def test_lines_written_as_text_equal_the_segment_path(version: str) -> None:
    reply = ReplyAddress(partner_qualifier="ZZ", partner_id="ACME", our_qualifier="ZZ",
                         our_id="ORDERGATE", partner_app_code="ACME", our_app_code="OG",
                         interchange_version=version)
    rng = random.Random(855)
    fast_path = 0
    for case in range(3000):
        weird = case % 3 == 0
        order = _order([_line(rng, n, weird) for n in range(1, rng.randrange(1, 6))],
                       status=rng.choice(["accepted", "accepted", "held"]))
        writer = segment_writer(reply_delimiters(reply), reply.interchange_version)
        if build_855(order, 42, 7, TODAY, writer).tail_count:
            fast_path += 1
        assert _written(order, reply, True) == _written(order, reply, False), order.lines
    # Both paths were exercised: plain orders go straight to text, the rest through segments.
    assert 1000 < fast_path < 2900


def test_a_tail_written_for_other_delimiters_is_refused() -> None:
    reply = ReplyAddress(partner_qualifier="ZZ", partner_id="ACME", our_qualifier="ZZ",
                         our_id="ORDERGATE", partner_app_code="ACME", our_app_code="OG")
    order = _order([_line(random.Random(1), 1, False)])
    other = segment_writer(REPLY_DELIMITERS, "00501")  # not what a 00401 reply is written with
    transaction = build_855(order, 42, 7, TODAY, other)
    assert transaction.tail_count == 3
    with pytest.raises(ValueError, match="other delimiters"):
        write_interchange(reply_interchange(reply, 5, [reply_group(reply, "PR", 3, [transaction])]))

