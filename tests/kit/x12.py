"""Building X12 850 inputs and reading ordergate's outbound messages back, for the pipeline tests.

Inputs are written with ordergate's own X12 writer, so each test says only what it changes
("PO 4711 with one line of HW-1001, ISA13 42"); a malformed input is a well-formed one with one
targeted edit (``replace_once``) or cut (``cut_before``). Outputs are read back with the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, Table, select

from ordergate.orders.store import document_content
from ordergate.parsers.x12.reader import iter_x12, read_delimiters
from ordergate.parsers.x12.types import (
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Segment,
    TransactionSet,
)
from ordergate.parsers.x12.writer import (
    OutGroup,
    OutInterchange,
    OutTransaction,
    write_interchange,
)
from ordergate.store import tables as t

# The sample master data (samples/masterdata) and our own id.
ACME = ("ZZ", "ACMEBUY")
GLOBEX = ("12", "5551234567")
US = ("ZZ", "ORDERGATE")
TIMESTAMP = datetime(2026, 11, 20, 9, 30)


# ------------------------------------------------------------------------------ inputs
@dataclass(frozen=True)
class Item:
    """One PO1 line: quantity, unit of measure, price and (qualifier, id) product ids."""

    ids: tuple[tuple[str, str], ...] = (("VP", "HW-1001"),)
    qty: str = "10"
    uom: str = "CS"
    price: str = "16.50"


def sku(code: str, qty: str = "10", price: str | None = None, uom: str = "CS") -> Item:
    """A line naming our SKU as vendor part (VP), at the sample price for it (the one customer
    with a price for it, else the list price) unless ``price`` says otherwise."""
    return Item(ids=(("VP", code),), qty=qty, uom=uom, price=price or sample_price("ACME", code))


def unknown(vendor_part: str = "XX-9999", buyer_part: str = "ACME-99999", qty: str = "12") -> Item:
    """A line no id of which resolves in the sample master data."""
    return Item(ids=(("VP", vendor_part), ("BP", buyer_part)), qty=qty, uom="EA", price="9.99")


def _sample_rows(name: str) -> list[dict[str, str]]:
    import csv

    path = Path(__file__).resolve().parents[2] / "samples" / "masterdata" / name
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


_PRODUCTS = _sample_rows("products.csv")
_LIST_PRICES = {row["sku"]: row["list_price"] for row in _PRODUCTS}
SAMPLE_UNITS = {row["sku"]: row["uom"] for row in _PRODUCTS}
_CUSTOMER_PRICES = {(row["customer_id"], row["sku"]): row["unit_price"]
                    for row in _sample_rows("prices.csv")}


def sample_price(customer_id: str, sku_code: str) -> str:
    """What the sample master data charges ``customer_id`` for ``sku_code``: a PO at this price
    passes the price check."""
    return _CUSTOMER_PRICES.get((customer_id, sku_code)) or _LIST_PRICES.get(sku_code, "16.50")
GOOD_LINES = (sku("HW-1001", "10"), sku("HW-1002", "4", "9.75"))


def po_850(po_number: str, *items: Item, purpose: str = "00") -> list[Segment]:
    """The segments of one 850 between ST and SE: BEG, CUR, N1*ST, PO1s, CTT (with hash total)."""
    items = items or GOOD_LINES
    segments: list[Segment] = [
        ["BEG", purpose, "SA", po_number, "", "20261120"],
        ["CUR", "BY", "USD"],
        ["N1", "ST", "Acme Hardware Store 17", "92", "ST017"],
    ]
    hash_total = Decimal(0)
    for number, item in enumerate(items, start=1):
        segments.append(["PO1", str(number), item.qty, item.uom, item.price, "PE",
                         *(part for pair in item.ids for part in pair)])
        try:
            hash_total += Decimal(item.qty)
        except ArithmeticError:
            pass
    segments.append(["CTT", str(len(items)), str(hash_total)])
    return segments


def transaction(segments: list[Segment], control: int, set_id: str = "850") -> OutTransaction:
    return OutTransaction(set_id=set_id, control_number=control, segments=segments)


def group(*sets: list[Segment] | OutTransaction, control: int = 1, functional_id: str = "PO",
          sender: tuple[str, str] = ACME) -> OutGroup:
    """A functional group; plain segment lists become 850s numbered 0001, 0002, ..."""
    transactions = [s if isinstance(s, OutTransaction) else transaction(s, n)
                    for n, s in enumerate(sets, start=1)]
    return OutGroup(functional_id=functional_id, sender_code=sender[1], receiver_code=US[1],
                    control_number=control, transactions=transactions)


def interchange(*sets: list[Segment] | OutTransaction, control: int = 1,
                sender: tuple[str, str] = ACME, receiver: tuple[str, str] = US,
                groups: list[OutGroup] | None = None, ack_requested: str = "0") -> bytes:
    """One interchange: the given 850s in one PO group (GS06 = ISA13), or the given ``groups``."""
    if groups is None:
        groups = [group(*sets, control=control, sender=sender)]
    return write_interchange(OutInterchange(
        sender=sender, receiver=receiver, control_number=control, groups=groups,
        ack_requested=ack_requested, timestamp=TIMESTAMP)).encode("ascii")


def order_file(po_number: str, *items: Item, control: int = 1, sender: tuple[str, str] = ACME,
               receiver: tuple[str, str] = US) -> bytes:
    """The usual case: one interchange holding one 850."""
    return interchange(po_850(po_number, *items), control=control, sender=sender, receiver=receiver)


def replace_once(content: bytes, old: str, new: str) -> bytes:
    """``content`` with the single occurrence of ``old`` replaced (fails the test if not single)."""
    found = content.count(old.encode())
    assert found == 1, f"{old!r} occurs {found} times in the input"
    return content.replace(old.encode(), new.encode())


def cut_before(content: bytes, marker: str) -> bytes:
    """``content`` up to (not including) the single occurrence of ``marker``."""
    assert content.count(marker.encode()) == 1, f"{marker!r} is not unique in the input"
    return content[:content.index(marker.encode())]


# ------------------------------------------------------------------------------ outputs
@dataclass
class Reply:
    """One outbound interchange as our reader sees it."""

    header: InterchangeHeader
    groups: list[GroupHeader] = field(default_factory=list)
    sets: list[TransactionSet] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # every envelope problem the reader found
    service: list[Segment] = field(default_factory=list)  # TA1s between ISA and the first GS

    @property
    def isa13(self) -> int:
        return int(self.header.control_number)

    @property
    def gs06(self) -> list[int]:
        return [int(g.control_number) for g in self.groups]

    @property
    def st02(self) -> list[int]:
        return [int(s.control_number) for s in self.sets]

    def only_set(self, set_id: str) -> TransactionSet:
        assert [s.set_id for s in self.sets] == [set_id], [s.set_id for s in self.sets]
        return self.sets[0]


def read_reply(payload: bytes) -> Reply:
    """Read an outbound interchange with ``iter_x12``; TA1s are picked out of the raw text,
    since the reader consumes them as envelope service segments."""
    reply: Reply | None = None
    for event in iter_x12(payload):
        if isinstance(event, InterchangeHeader):
            assert reply is None, "one outbound message holds one interchange"
            reply = Reply(header=event)
        elif isinstance(event, GroupHeader):
            reply.groups.append(event)
        elif isinstance(event, TransactionSet):
            reply.sets.append(event)
            reply.problems.extend(str(p) for p in event.problems)
        elif isinstance(event, (GroupEnd, InterchangeEnd)):
            reply.problems.extend(str(p) for p in event.problems)
    text = payload.decode("ascii")
    delimiters, _ = read_delimiters(text)
    for raw in text.split(delimiters.segment):
        seg = raw.strip().split(delimiters.element)
        if seg[0] == "TA1":
            reply.service.append(seg)
    return reply


def segs(ts: TransactionSet, tag: str) -> list[Segment]:
    return [s for s in ts.segments if s[0] == tag]


def seg(ts: TransactionSet, tag: str) -> Segment:
    found = segs(ts, tag)
    assert len(found) == 1, f"{len(found)} {tag} segments in {ts.set_id} {ts.control_number}"
    return found[0]


# ------------------------------------------------------------------------------ database
def rows(engine: Engine, table: Table, *where) -> list:
    with engine.connect() as conn:
        return conn.execute(select(table).where(*where).order_by(*table.primary_key.columns)).all()


def stored_content(engine: Engine, document_id: int) -> bytes:
    """The bytes kept for a document (document_contents)."""
    with engine.connect() as conn:
        return document_content(conn, document_id)


def outbox(engine: Engine, kind: str | None = None) -> list:
    return rows(engine, t.outbox, *([t.outbox.c.kind == kind] if kind else []))


def replies(engine: Engine, kind: str) -> list[Reply]:
    return [read_reply(row.payload) for row in outbox(engine, kind)]


def acks_855(engine: Engine) -> list[TransactionSet]:
    """Every 855 set in the outbox, in the order queued (an 855 interchange holds one per order)."""
    return [ts for reply in replies(engine, "855") for ts in reply.sets]


def bak(ack: Reply | TransactionSet) -> Segment:
    return seg(ack.only_set("855") if isinstance(ack, Reply) else ack, "BAK")


# ------------------------------------------------------------------------------ our own writers
def clean_sets(text: str, functional_id: str) -> list[TransactionSet]:
    """The sets of one interchange we wrote, in its one group of ``functional_id``, which our
    reader finds nothing wrong with (SE, GE, IEA counts and control numbers included)."""
    events = list(iter_x12(text.encode("utf-8")))
    problems = [str(p) for e in events if isinstance(e, (TransactionSet, GroupEnd, InterchangeEnd))
                for p in e.problems]
    assert problems == []
    assert [e.functional_id for e in events if isinstance(e, GroupHeader)] == [functional_id]
    return [e for e in events if isinstance(e, TransactionSet)]


def one(segments: list[Segment], tag: str, *qualifier: str) -> Segment:
    """The one segment ``tag`` (whose first elements are ``qualifier``) of ``segments``."""
    found = [s for s in segments if s[0] == tag and s[1:1 + len(qualifier)] == list(qualifier)]
    assert len(found) == 1, (tag, qualifier, found)
    return found[0]
