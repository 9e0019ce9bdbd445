"""Tabular order files through ``orders_from_table``: rows per second for a generated CSV.

    python -m benchmarks.bench_tabular [--rows N] [--lines-per-po L] [--repeat R] [--xlsx]

The file has every canonical column (dates, prices with decimal points, ship-to) so each row
exercises every reader. Shown beside it: the floor of splitting the same bytes with the ``csv``
module alone, and ``read_table`` (decode, sniff, split) alone, best of R each.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from collections.abc import Callable

from ordergate.mappings.tabular_orders import orders_from_table
from ordergate.parsers.tabular.read import read_table

HEADER = ["customer_id", "po_number", "po_date", "requested_date", "currency", "sku", "gtin",
          "description", "quantity", "uom", "unit_price", "ship_to_name", "ship_to_street",
          "ship_to_city", "ship_to_postal_code", "ship_to_country"]


def generate_rows(rows: int, lines_per_po: int) -> list[list[str]]:
    out = []
    for i in range(rows):
        po = 4500000000 + i // lines_per_po
        out.append(["ACME", str(po), "2026-03-02", "2026-03-16", "USD", f"HW-{1000 + i % 500}",
                    "4012345000016", f"Hex bolt M8x{40 + i % 20} zinc plated, box of 100",
                    str(1 + i % 40), "CS", f"{10 + i % 90}.{i % 100:02d}",
                    f"Acme DC {po % 7}", "400 Industrial Pkwy", "Columbus", "43215", "US"])
    return out


def generate_csv(rows: int, lines_per_po: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(generate_rows(rows, lines_per_po))
    return buffer.getvalue().encode("utf-8")


def generate_xlsx(rows: int, lines_per_po: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in generate_rows(rows, lines_per_po):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--lines-per-po", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--xlsx", action="store_true", help="an XLSX workbook instead of a CSV")
    args = parser.parse_args()

    kind = "xlsx" if args.xlsx else "csv"
    content = (generate_xlsx if args.xlsx else generate_csv)(args.rows, args.lines_per_po)
    print(f"{args.rows:,} rows ({args.rows // args.lines_per_po:,} POs) as {kind}, "
          f"{len(content) / 1e6:.2f} MB; best of {args.repeat}")
    if not args.xlsx:
        floor, _ = best_of(lambda: list(csv.reader(io.StringIO(content.decode("utf-8")))),
                           args.repeat)
        print(f"  csv.reader alone (floor)  {floor * 1000:8.1f} ms  "
              f"{args.rows / floor:10,.0f} rows/s")
    read, _ = best_of(lambda: read_table(content), args.repeat)
    print(f"  read_table                {read * 1000:8.1f} ms  "
          f"{args.rows / read:10,.0f} rows/s")
    mapped, result = best_of(lambda: orders_from_table(content, channel="bench", source_name=kind),
                             args.repeat)
    lines = sum(len(o.lines) for o in result.orders)  # type: ignore[attr-defined]
    if lines != args.rows or result.problems:  # type: ignore[attr-defined]
        raise SystemExit(f"expected {args.rows} lines and no problems, got {lines} lines and "
                         f"{result.problems[:3]}")  # type: ignore[attr-defined]
    print(f"  orders_from_table         {mapped * 1000:8.1f} ms  "
          f"{args.rows / mapped:10,.0f} rows/s")


if __name__ == "__main__":
    main()
