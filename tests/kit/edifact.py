"""Building EDIFACT ORDERS inputs and reading ordergate's outbound CONTRL/ORDRSP back, for the
pipeline tests.

Inputs are written segment by segment from plain lists (``["QTY", ["21", "10", "PCE"]]``) with
the delimiters of the interchange, values escaped with its release character, so each test says
only what it changes ("PO 4711 with one line of HW-1001, UNB 0020 IC42"). The trailers (UNT,
UNE, UNZ) count what was written unless a test asks for a wrong count; a malformed input
beyond that is a well-formed one with one targeted edit (``replace_once``). Outputs are read
back with ``iter_edifact``, the reader the inbound side uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ordergate.parsers.edifact.reader import iter_edifact
from ordergate.parsers.edifact.types import (
    CHARSETS,
    DEFAULT_DELIMITERS,
    Delimiters,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Message,
    Segment,
)
from tests.kit.x12 import SAMPLE_UNITS, outbox, replace_once, rows, sample_price  # noqa: F401  (re-exported for the EDIFACT tests)

# The sample master data (samples/masterdata) and our own id (Settings.edifact_id default).
INITECH = ("5412345000013", "14")
US = ("ORDERGATE", None)
INITECH_PARTNER = "edifact:5412345000013:14"  # outbox.partner_id and control number key
TIMESTAMP = datetime(2026, 11, 20, 9, 30)
# GTINs of products.csv, as a buyer writes them in LIN 7140 (EAN-13 / UPC-A).
GTINS = {"HW-1001": "071234000012", "HW-1002": "071234000029", "JS-2001": "4012345000016",
         "JS-2002": "4012345000023", "OF-3001": "4012345000061"}

Element = str | list[str]
Raw = list  # one segment as [tag, element, ...]


# ------------------------------------------------------------------------------ inputs
@dataclass(frozen=True)
class Line:
    """One LIN group: the LIN item number (7140:7143), PIA ids, QTY+21, PRI+AAA."""

    item: tuple[str, str] | None = ("071234000012", "EN")  # LIN C212: number, type
    pia: tuple[tuple[str, str], ...] = ()  # PIA+1 C212s: (number, type)
    qty: str = "10"
    uom: str | None = "PCE"
    price: str | None = "16.50"


def gtin(code: str, qty: str = "10", price: str | None = "", uom: str | None = "",
         pia: tuple[tuple[str, str], ...] = ()) -> Line:
    """A line naming the product by its GTIN in LIN (``code`` is a SKU of GTINS, or a GTIN), by
    default at the sample price and in the product's unit (PCE for EA)."""
    if price == "":
        price = sample_price("INITECH", code)
    if uom == "":
        uom = {"EA": "PCE"}.get(SAMPLE_UNITS.get(code, "EA"), SAMPLE_UNITS.get(code, "EA"))
    return Line(item=(GTINS.get(code, code), "EN"), pia=pia, qty=qty, uom=uom, price=price)


def sku(code: str, qty: str = "10", price: str | None = "", uom: str | None = "") -> Line:
    """A line naming our article number as supplier's article number (PIA+5 SA), no LIN id;
    by default at the sample price and in the product's unit."""
    default = gtin(code, qty, price, uom)
    return Line(item=None, pia=((code, "SA"),), qty=qty, uom=default.uom, price=default.price)


def unknown(code: str = "4099999999994", buyer_part: str = "INI-ZZ-9", qty: str = "12") -> Line:
    """A line no id of which resolves in the sample master data (INITECH has no cross-reference)."""
    return Line(item=(code, "EN"), pia=((buyer_part, "IN"),), qty=qty, uom="PCE", price="9.99")


GOOD_LINES = (gtin("HW-1001", "10"), gtin("JS-2001", "4", "11.50"))


# Initech's warehouse by GLN (a ship-to code its partner profile knows) and by address, so the
# ship-to check passes for any sender.
INITECH_WAREHOUSE: Raw = ["NAD", "DP", ["4012345000999", "", "9"], "", "Initech Lager Sued",
                          "Hauptstrasse 5", "Muenchen", "", "80331", "DE"]


def orders_body(po_number: str, *lines: Line, function: str = "9", header: list[Raw] = (),
                cnt: bool = True) -> list[Raw]:
    """The segments of one ORDERS between UNH and UNT: BGM, DTM, NAD BY/SU, ``header``
    segments (by default NAD+DP with Initech's warehouse GLN), CUX, LIN groups, UNS, CNT+2."""
    lines = lines or GOOD_LINES
    body: list[Raw] = [
        ["BGM", "220", po_number, function],
        ["DTM", ["137", "20261120", "102"]],
        ["NAD", "BY", ["5412345000013", "", "9"]],
        ["NAD", "SU", ["4000000000001", "", "9"]],
        *(header or [INITECH_WAREHOUSE]),
        ["CUX", ["2", "EUR", "9"]],
    ]
    for number, line in enumerate(lines, start=1):
        body.append(["LIN", str(number), "", list(line.item) if line.item else ""])
        if line.pia:
            body.append(["PIA", "5" if line.item is None else "1", *(list(p) for p in line.pia)])
        body.append(["QTY", ["21", line.qty, *([line.uom] if line.uom else [])]])
        if line.price is not None:
            body.append(["PRI", ["AAA", line.price]])
    body.append(["UNS", "S"])
    if cnt:
        body.append(["CNT", ["2", str(len(lines))]])
    return body


@dataclass
class Msg:
    """One message: UNH reference and S009, the body, and the UNT count (None: counted)."""

    reference: str
    body: list[Raw]
    identifier: tuple[str, ...] = ("ORDERS", "D", "96A", "UN", "EAN008")
    unt_count: str | None = None

    def segments(self) -> list[Raw]:
        count = self.unt_count if self.unt_count is not None else str(len(self.body) + 2)
        return [["UNH", self.reference, list(self.identifier)], *self.body,
                ["UNT", count, self.reference]]


def order(po_number: str, *lines: Line, reference: str = "1", **body_options) -> Msg:
    return Msg(reference, orders_body(po_number, *lines, **body_options))


@dataclass
class Group:
    """A functional group (UNG..UNE) around messages."""

    reference: str
    messages: list[Msg]
    sender: tuple[str, str | None] = INITECH
    recipient: tuple[str, str | None] = US
    une_count: str | None = None
    message_group: str = "ORDERS"

    def segments(self) -> list[Raw]:
        count = self.une_count if self.une_count is not None else str(len(self.messages))
        return [["UNG", self.message_group, _party(self.sender), _party(self.recipient),
                 ["261120", "0930"], self.reference, "UN", ["D", "96A"]],
                *(s for m in self.messages for s in m.segments()),
                ["UNE", count, self.reference]]


def _party(party: tuple[str, str | None]) -> Element:
    ident, qualifier = party
    return [ident, qualifier] if qualifier else ident


def interchange(*content: Msg | Group, reference: str = "IC1", sender=INITECH, recipient=US,
                syntax: str = "UNOC", version: str = "3",
                delimiters: Delimiters = DEFAULT_DELIMITERS, una: bool = True,
                unz_count: str | None = None, unz_reference: str | None = None,
                encoding: str | None = None, line_breaks: bool = True) -> bytes:
    """One interchange as bytes: UNA (unless ``una`` is False), UNB, the messages or groups,
    UNZ counting them (or ``unz_count``). Encoded with the codec ``syntax`` names unless
    ``encoding`` says otherwise."""
    count = unz_count if unz_count is not None else str(len(content))
    segments: list[Raw] = [
        ["UNB", [syntax, version], _party(sender), _party(recipient),
         [TIMESTAMP.strftime("%y%m%d"), TIMESTAMP.strftime("%H%M")], reference, "", "ORDERS"],
        *(s for part in content for s in part.segments()),
        ["UNZ", count, reference if unz_reference is None else unz_reference],
    ]
    text = (delimiters.service_string_advice() if una else "") + write_segments(
        segments, delimiters, line_breaks=line_breaks)
    return text.encode(encoding or CHARSETS[syntax])


def order_file(po_number: str, *lines: Line, reference: str = "IC1", sender=INITECH,
               recipient=US, header: list[Raw] = (), function: str = "9", **options) -> bytes:
    """The usual case: one interchange holding one ORDERS; ``options`` go to ``interchange``."""
    return interchange(order(po_number, *lines, header=header, function=function),
                       reference=reference, sender=sender, recipient=recipient, **options)


def messages_only(*content: Msg, delimiters: Delimiters = DEFAULT_DELIMITERS) -> bytes:
    """Messages without any UNA/UNB/UNZ around them (a bare UNH..UNT file)."""
    return write_segments([s for m in content for s in m.segments()], delimiters).encode("ascii")


def write_segments(segments: list[Raw], delimiters: Delimiters = DEFAULT_DELIMITERS, *,
                   line_breaks: bool = True) -> str:
    d = delimiters
    specials = {d.component, d.element, d.segment, *([d.release] if d.release else [])}

    def escape(value: str) -> str:
        if d.release is None:
            assert not specials & set(value), f"{value!r} needs a release character"
            return value
        return "".join(d.release + c if c in specials else c for c in value)

    def element(value: Element) -> str:
        if isinstance(value, list):
            return d.component.join(escape(v) for v in value)
        return escape(value)

    def written(tag: str, elements: list[Element]) -> str:
        parts = [element(e) for e in elements]
        while parts and parts[-1] == "":  # trailing separators are an error of their own (45)
            parts.pop()
        return d.element.join([tag, *parts])

    newline = "\n" if line_breaks else ""
    return "".join(written(tag, elements) + d.segment + newline for tag, *elements in segments)


# ------------------------------------------------------------------------------ outputs
@dataclass
class Reply:
    """One outbound interchange as our reader sees it."""

    header: InterchangeHeader
    messages: list[Message] = field(default_factory=list)
    groups: list[GroupHeader] = field(default_factory=list)
    end: InterchangeEnd | None = None
    problems: list[str] = field(default_factory=list)  # every envelope problem the reader found

    @property
    def unb(self) -> int:
        """Our UNB 0020 as a number."""
        return int(self.header.control_reference)

    @property
    def unh(self) -> list[int]:
        return [int(m.reference) for m in self.messages]

    def only(self, message_type: str) -> Message:
        assert [m.message_type for m in self.messages] == [message_type], [
            m.message_type for m in self.messages]
        return self.messages[0]


def read_reply(payload: bytes) -> Reply:
    reply: Reply | None = None
    for event in iter_edifact(payload):
        if isinstance(event, InterchangeHeader):
            assert reply is None, "one outbound message holds one interchange"
            reply = Reply(header=event)
            reply.problems.extend(str(p) for p in event.problems)
        elif isinstance(event, GroupHeader):
            reply.groups.append(event)
        elif isinstance(event, Message):
            reply.messages.append(event)
            reply.problems.extend(str(p) for p in event.problems)
        elif isinstance(event, GroupEnd):
            reply.problems.extend(str(p) for p in event.problems)
        elif isinstance(event, InterchangeEnd):
            reply.end = event
            # The UNB's own problems come again on the end event: count them once.
            reply.problems.extend(str(p) for p in event.problems
                                  if p not in event.interchange.problems)
    return reply


def as_list(segment: Segment) -> list:
    """A segment as [tag, element, ...], elements as pydifact holds them (str or list)."""
    return [segment.tag, *segment.elements]


def segs(message: Message, tag: str) -> list[list]:
    return [as_list(s) for s in message.segments if s.tag == tag]


def seg(message: Message, tag: str) -> list:
    found = segs(message, tag)
    assert len(found) == 1, f"{len(found)} {tag} segments in {message.message_type} {message.reference}"
    return found[0]


def body_tags(message: Message) -> list[str]:
    return [s.tag for s in message.segments]


def replies(engine, kind: str) -> list[Reply]:
    return [read_reply(row.payload) for row in outbox(engine, kind)]


def contrl(engine, document_id: int | None = None) -> Message:
    """The only CONTRL message queued (for ``document_id``, when given)."""
    found = [row for row in outbox(engine, "CONTRL")
             if document_id is None or row.document_id == document_id]
    assert len(found) == 1, f"{len(found)} CONTRL messages queued"
    reply = read_reply(found[0].payload)
    assert reply.problems == [], reply.problems
    return reply.only("CONTRL")


def ordrsps(engine) -> list[Message]:
    """Every ORDRSP message in the outbox, in the order queued (one per order, batched)."""
    out = []
    for reply in replies(engine, "ORDRSP"):
        assert reply.problems == [], reply.problems
        out.extend(reply.messages)
    return out


def lines_of(message: Message) -> list[list[list]]:
    """The segments of each LIN group of an ORDRSP, LIN first, up to the next LIN or UNS."""
    groups: list[list[list]] = []
    for segment in message.segments:
        if segment.tag == "LIN":
            groups.append([as_list(segment)])
        elif segment.tag in ("UNS", "UNT"):
            break
        elif groups:
            groups[-1].append(as_list(segment))
    return groups


# ---------------------------------------------------------------- our own writers
def only_message_segments(data: bytes, message_type: str, codec: str = "latin-1") -> list:
    """The segments between UNH and UNT of the only message of an interchange we wrote, as
    pydifact reads them; the project's reader must read the same and report no problem."""
    import warnings

    from pydifact.segmentcollection import Interchange

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydifact has no directory to validate against
        interchange = Interchange.from_str(data.decode(codec))
    messages = list(interchange.get_messages())
    assert [m.type for m in messages] == [message_type]
    events = list(iter_edifact(data))
    ours = [e for e in events if isinstance(e, Message)]
    assert [m.message_type for m in ours] == [message_type]
    assert [p for e in events if isinstance(e, (Message, InterchangeEnd)) for p in e.problems] == []
    assert ours[0].segments[1:-1] == messages[0].segments
    return messages[0].segments


def segment_rows(segments: list) -> list[list]:
    """pydifact segments as [tag, *elements] lists."""
    return [[s.tag, *s.elements] for s in segments]


def unh_to_unt(data: bytes) -> tuple[int, int]:
    """UNT 0074 and the number of segments UNH to UNT inclusive, counted in the text (written
    with a line break after each segment)."""
    lines = data.decode("latin-1").splitlines()
    tags = [line[:3] for line in lines]
    unt = lines[tags.index("UNT")]
    return int(unt.split("+")[1]), tags.index("UNT") - tags.index("UNH") + 1
