"""Generate X12 850 purchase orders for benchmarks: one interchange of N orders, written by our writer.

    python -m benchmarks.gen_850 N [--lines L] > orders.x12

The output is deterministic for a given seed (the envelope timestamp is fixed too), ASCII only,
and valid: every order maps cleanly when the buyer and SKUs are in the master data.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal

from ordergate.parsers.x12.writer import (
    OutGroup,
    OutInterchange,
    OutTransaction,
    write_interchange,
)

TIMESTAMP = datetime(2024, 3, 1, 9, 30)
CITIES = [("SPRINGFIELD", "IL", "62701"), ("COLUMBUS", "OH", "43004"), ("AUSTIN", "TX", "73301"),
          ("PORTLAND", "OR", "97035"), ("MADISON", "WI", "53703")]
WORDS = ["WIDGET", "BRACKET", "HINGE", "GASKET", "VALVE", "SPROCKET", "FLANGE", "BUSHING"]


def generate_850_interchange(n_orders: int, lines_per_order: int = 10,
                             sender: tuple[str, str] = ("ZZ", "BENCHBUY"),
                             receiver: tuple[str, str] = ("ZZ", "ORDERGATE"),
                             skus: list[str] | None = None, seed: int = 1, po_prefix: str = "BENCH",
                             isa_control: int = 1) -> bytes:
    """One ISA / GS (PO) / ``n_orders`` × ST 850 / GE / IEA interchange, as ASCII bytes."""
    rng = random.Random(seed)
    skus = skus or [f"BENCH-{i:04d}" for i in range(200)]
    transactions = [
        OutTransaction(set_id="850", control_number=n + 1,
                       segments=_order_segments(rng, f"{po_prefix}{n + 1:08d}", lines_per_order, skus))
        for n in range(n_orders)
    ]
    group = OutGroup(functional_id="PO", sender_code=sender[1], receiver_code=receiver[1],
                     control_number=isa_control, transactions=transactions)
    interchange = OutInterchange(sender=sender, receiver=receiver, control_number=isa_control,
                                 groups=[group], timestamp=TIMESTAMP)
    return write_interchange(interchange).encode("ascii")


def _order_segments(rng: random.Random, po_number: str, lines: int, skus: list[str]) -> list[list[str]]:
    ordered = date(2024, 3, 1) + timedelta(days=rng.randrange(30))
    wanted = ordered + timedelta(days=rng.randrange(5, 30))
    city, state, postal = rng.choice(CITIES)
    store = rng.randrange(1, 999)
    segments = [
        ["BEG", "00", "SA", po_number, "", ordered.strftime("%Y%m%d")],
        ["CUR", "BY", "USD"],
        ["REF", "DP", f"{rng.randrange(100, 999)}"],
        ["DTM", "002", wanted.strftime("%Y%m%d")],
        ["N1", "ST", f"STORE {store:03d}", "92", f"ST{store:04d}"],
        ["N3", f"{rng.randrange(1, 9999)} MAIN STREET"],
        ["N4", city, state, postal, "US"],
        ["N1", "BT", "BENCH BUYER ACCOUNTS PAYABLE", "92", "BT0001"],
    ]
    total = 0
    for line in range(1, lines + 1):
        sku = rng.choice(skus)
        quantity = rng.randrange(1, 100)
        price = Decimal(rng.randrange(100, 100_000)) / 100
        total += quantity
        segments.append(["PO1", str(line), str(quantity), "EA", str(price), "", "VP", sku,
                         "BP", f"B{sku}"])
        segments.append(["PID", "F", "", "", "", f"{rng.choice(WORDS)} {sku}"])
    segments.append(["CTT", str(lines), str(total)])
    return segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orders", type=int)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.stdout.buffer.write(generate_850_interchange(args.orders, args.lines, seed=args.seed))


if __name__ == "__main__":
    main()
