"""EDIFACT reader speed against pydifact's own parser, on the same generated interchange.

    python -m benchmarks.bench_edifact_parse [--orders N] [--lines L] [--repeat R]

pydifact (``Parser().parse`` over the decoded text, every segment built, its warnings
silenced so they cost nothing) is timed once, being slow; ``iter_edifact`` (from the bytes:
charset detection, decoding, every event consumed, envelope checks) best of R. Both with the
garbage collector on, as in production. Goal: iter_edifact at least 10x pydifact.
"""

from __future__ import annotations

import argparse
import time
import warnings

from pydifact.parser import Parser

from benchmarks.gen_orders import generate_orders_interchange
from ordergate.parsers.edifact.reader import iter_edifact
from ordergate.parsers.edifact.types import Message

GOAL = 10.0


def parse_with_pydifact(text: str) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sum(1 for _ in Parser().parse(text))


def parse_with_ordergate(data: bytes) -> int:
    """Consume every event; count the messages' segments, so nothing is skipped."""
    return sum(len(e.segments) for e in iter_edifact(data) if isinstance(e, Message))


def timed(fn, arg, repeat: int) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(arg)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pydifact-repeat", type=int, default=1)
    args = parser.parse_args()

    data = generate_orders_interchange(args.orders, args.lines)
    text = data.decode("latin-1")  # UNOC; pydifact takes text
    mb = len(data) / 1e6
    print(f"{args.orders:,} ORDERS × {args.lines} lines: {mb:.1f} MB")
    slow, segments = timed(parse_with_pydifact, text, max(1, args.pydifact_repeat))
    fast, in_messages = timed(parse_with_ordergate, data, args.repeat)
    print(f"  pydifact Parser.parse   {slow:8.2f} s  {mb / slow:7.2f} MB/s  {args.orders / slow:9,.0f} orders/s"
          f"  ({segments:,} segments)")
    print(f"  ordergate iter_edifact  {fast:8.2f} s  {mb / fast:7.2f} MB/s  {args.orders / fast:9,.0f} orders/s"
          f"  ({in_messages:,} segments in messages)")
    ratio = slow / fast
    print(f"  ratio {ratio:.1f}x pydifact (goal ≥ {GOAL:.0f}x): {'met' if ratio >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
