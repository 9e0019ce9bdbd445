"""What must hold after orders came in, however they came in (a run killed half-way and rerun,
several workers at once): the invariants ``crash_soak`` and ``scale_demo`` check, and the
interchanges they feed in.

- every PO of the files is one order, with all its lines and exactly one 855 link (none while
  it is held: it is answered on release);
- one 997 per interchange, no message queued twice (a dedupe key per message);
- stock: what is allocated equals the allocated quantities of the accepted orders' lines,
  never more than on hand, and nothing on hand below zero;
- credit: each customer's open orders equal the totals of its accepted orders, within the limit;
- every document processed, no claim left behind;
- every outbox row sent, its file in ``outbox/`` with the same bytes, and no other file there.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from benchmarks.bench_e2e import SKUS
from benchmarks.gen_850 import generate_850_interchange

LINES = 10


def make_files(folder: Path, files: int, orders: int, *, po_prefix: str = "CS",
               name: str = "soak") -> tuple[list[Path], set[str]]:
    paths, pos = [], set()
    for n in range(files):
        prefix = f"{po_prefix}{n}-"
        data = generate_850_interchange(orders, LINES, skus=SKUS, po_prefix=prefix,
                                        isa_control=n + 1, seed=n + 1)
        path = folder / f"{name}_{n}.x12"
        path.write_bytes(data)
        paths.append(path)
        pos.update(f"{prefix}{k + 1:08d}" for k in range(orders))
    return paths, pos


def demand(paths: list[Path]) -> tuple[Decimal, Decimal]:
    """The quantity and the value the files' PO1 lines order in all (the generator writes
    ``~`` and ``*``): what a benchmark sizes stock and credit limits by."""
    quantity = value = Decimal(0)
    for path in paths:
        for segment in path.read_bytes().split(b"~"):
            if segment.lstrip().startswith(b"PO1*"):
                elements = segment.strip().split(b"*")
                quantity += Decimal(elements[2].decode())
                value += Decimal(elements[2].decode()) * Decimal(elements[4].decode())
    return quantity, value


def tighten(engine, paths: list[Path], *, stock_share: str = "0.6",
            credit_share: str = "0.7") -> None:
    """Stock for ``stock_share`` of what the files want per SKU (some lines run short) and a
    credit limit at ``credit_share`` of their value (some orders are held)."""
    from sqlalchemy import update

    from ordergate.store import tables as t

    quantity, value = demand(paths)
    with engine.begin() as conn:
        conn.execute(update(t.stock).values(
            on_hand=int(quantity / len(SKUS) * Decimal(stock_share))))
        conn.execute(update(t.customers).values(
            credit_limit=(value * Decimal(credit_share)).quantize(Decimal("0.01"))))


def check(engine, home: Path, pos: set[str], interchanges: int) -> list[str]:
    from sqlalchemy import func, select

    from ordergate.store import tables as t

    broken: list[str] = []
    with engine.connect() as conn:
        orders = conn.execute(select(t.orders.c.id, t.orders.c.customer_id, t.orders.c.po_number,
                                     t.orders.c.status, t.orders.c.total)).all()
        if Counter(o.po_number for o in orders) != Counter(pos):
            broken.append(f"{len(orders)} orders for {len(pos)} POs")
        lines = Counter(conn.execute(select(t.order_lines.c.order_id)).scalars())
        if any(lines[o.id] != LINES for o in orders):
            broken.append("an order without all its lines")
        links = Counter(conn.execute(select(t.order_acknowledgements.c.order_id)
                                     .where(t.order_acknowledgements.c.kind == "855")).scalars())
        # A held order is answered when ops release or reject it: no 855 yet.
        wrong = sum(1 for o in orders if links[o.id] != (0 if o.status == "held" else 1))
        if wrong:
            broken.append(f"orders without exactly one 855 link (none while held): {wrong}")
        kinds = Counter(conn.execute(select(t.outbox.c.kind)).scalars())
        if kinds["997"] != interchanges:
            broken.append(f"{kinds['997']} 997s for {interchanges} interchanges")
        accepted = {o.id for o in orders if o.status == "accepted"}
        allocated: dict[str, Decimal] = defaultdict(Decimal)
        for row in conn.execute(select(t.order_lines.c.order_id, t.order_lines.c.sku,
                                       t.order_lines.c.ship_quantity)):
            if row.order_id in accepted and row.ship_quantity:
                allocated[row.sku] += row.ship_quantity
        for row in conn.execute(select(t.stock)):
            if (row.allocated != allocated[row.sku] or row.allocated > row.on_hand
                    or row.on_hand < 0):
                broken.append(f"stock {row.sku}: allocated {row.allocated}, lines hold "
                              f"{allocated[row.sku]}, on hand {row.on_hand}")
        exposure = {r.customer_id: r.open_orders for r in conn.execute(select(t.customer_exposure))}
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for o in orders:
            if o.status == "accepted":
                totals[o.customer_id] += o.total or 0
        limits = {r.customer_id: r.credit_limit for r in conn.execute(select(t.customers))}
        for customer, total in totals.items():
            if abs(exposure.get(customer, 0) - total) > Decimal("0.01"):
                broken.append(f"exposure of {customer}: {exposure.get(customer)} for accepted "
                              f"orders worth {total}")
            if limits.get(customer) is not None and exposure.get(customer, 0) > limits[customer]:
                broken.append(f"exposure of {customer} over its limit")
        statuses = Counter(conn.execute(select(t.documents.c.status)).scalars())
        if set(statuses) != {"processed"}:
            broken.append(f"documents: {dict(statuses)}")
        if conn.execute(select(func.count()).select_from(t.document_claims)).scalar_one():
            broken.append("a claim left behind")
        outbox = conn.execute(select(t.outbox.c.destination, t.outbox.c.filename,
                                     t.outbox.c.payload, t.outbox.c.status)).all()
    written = {p.relative_to(home / "outbox") for p in (home / "outbox").rglob("*") if p.is_file()}
    for row in outbox:
        path = home / "outbox" / row.destination / row.filename
        if row.status != "sent":
            broken.append(f"outbox {row.filename} is {row.status}")
        elif not path.is_file() or path.read_bytes() != bytes(row.payload):
            broken.append(f"outbox {row.filename}: the file differs from the row")
        written.discard(path.relative_to(home / "outbox"))
    if written:
        broken.append(f"files in outbox/ no row knows: {sorted(map(str, written))[:3]}")
    return broken
