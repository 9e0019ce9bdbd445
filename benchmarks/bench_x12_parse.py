"""X12 reader speed against the floor: plain ``str.split`` of the same text (segments, then elements).

    python -m benchmarks.bench_x12_parse [--orders N] [--lines L] [--repeat R]

Both are timed in the same run on the same text, best of R, with the garbage collector on (as
in production) and off. Goal: iter_x12, consuming every event, within 1.5x of the floor.
"""

from __future__ import annotations

import argparse
import gc
import time

from benchmarks.gen_850 import generate_850_interchange
from ordergate.parsers.x12.reader import iter_x12, read_delimiters
from ordergate.parsers.x12.types import TransactionSet

GOAL = 1.5


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def naive_split(text: str, element: str, terminator: str) -> int:
    return len([segment.split(element) for segment in text.split(terminator)])


def parse_all(text: str) -> int:
    """Consume every event; count the segments of the transaction sets, so nothing is skipped."""
    return sum(len(e.segments) for e in iter_x12(text) if isinstance(e, TransactionSet))


def measure(text: str, delimiters, repeat: int) -> tuple[float, float, int, int]:
    floor, segments = best_of(lambda: naive_split(text, delimiters.element, delimiters.segment), repeat)
    parsed, set_segments = best_of(lambda: parse_all(text), repeat)
    return floor, parsed, segments, set_segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    text = generate_850_interchange(args.orders, args.lines).decode("ascii")
    delimiters, _ = read_delimiters(text)
    mb = len(text.encode("utf-8")) / 1e6
    print(f"{args.orders:,} orders × {args.lines} lines: {mb:.1f} MB; best of {args.repeat}")
    # The floor builds every segment list at once, so the cyclic garbage collector walks a
    # growing heap and costs it more than the chunked reader: both figures are shown.
    for label, collector in (("garbage collector on", True), ("garbage collector off", False)):
        if not collector:
            gc.disable()
        try:
            floor, parsed, segments, set_segments = measure(text, delimiters, args.repeat)
        finally:
            gc.enable()
        ratio = parsed / floor
        print(f"{label}: {segments:,} segments ({set_segments:,} in transaction sets)")
        print(f"  naive str.split (floor)  {floor * 1000:8.1f} ms  {mb / floor:7.1f} MB/s")
        print(f"  iter_x12, every event    {parsed * 1000:8.1f} ms  {mb / parsed:7.1f} MB/s  "
              f"{args.orders / parsed:,.0f} orders/s")
        print(f"  ratio {ratio:.2f}x the floor (goal ≤ {GOAL}x): {'met' if ratio <= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
