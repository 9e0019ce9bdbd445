"""The reply envelope around every EDIFACT message we send (UNA, UNB..UNZ, UNH..UNT), as bytes.

Pure: the caller gives the addressing (``EdifactReply``), our interchange reference and
each message's UNH reference (control numbers come from the store); the text is pydifact's
``Serializer`` output (written by ``FastSerializer``, which is proven to write the same), with
separators escaped by the release character. The bytes are in the character set the syntax
identifier names; a character the set cannot carry is transliterated (é → e, and upper case
for UNOA) or, failing that, sent as "?".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from pydifact.control import Characters
from pydifact.segments import Segment

from ordergate.sinks.edifact.serializer import FastSerializer

# UNB S001 0001 syntax identifier -> Python codec. UNOX (ISO 2022 code extension) is not
# supported: nobody we know sends it, and its escapes would need a writer of their own.
SYNTAX_CHARSETS = {
    "UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOD": "iso8859-2",
    "UNOE": "iso8859-5", "UNOF": "iso8859-7", "UNOG": "iso8859-3", "UNOH": "iso8859-4",
    "UNOI": "iso8859-6", "UNOJ": "iso8859-8", "UNOK": "iso8859-9",
    "UNOW": "utf-8", "UNOY": "utf-8",
}
# ISO 9735 defaults, written out in UNA so no partner has to guess. pydifact's own default
# decimal mark is ",", not the standard's ".".
REPLY_CHARACTERS = Characters(component_separator=":", data_separator="+", decimal_point=".",
                              escape_character="?", reserved=" ", segment_terminator="'")
# Level A: upper-case letters, digits, space and these (ISO 9735 part 1, annex).
_LEVEL_A = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>")
# Letters NFKD does not take apart.
_TRANSLITERATIONS = str.maketrans({"ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o",
                                   "Œ": "OE", "œ": "oe", "Ł": "L", "ł": "l", "Đ": "D",
                                   "đ": "d", "Þ": "TH", "þ": "th", "€": "EUR"})
MAX_REFERENCE = 10 ** 14  # 0020 and 0062 are an..14


@dataclass(frozen=True, slots=True)
class EdifactParty:
    """An interchange sender or recipient: UNB S002/S003 (or UNG S006/S007)."""

    id: str
    qualifier: str | None = None  # 0007, e.g. "14" for a GLN, "ZZ" mutually defined
    routing: str | None = None  # 0008 reverse routing address / 0014 routing address

    def composite(self) -> list[str]:
        return [self.id, self.qualifier or "", self.routing or ""]


@dataclass(frozen=True, slots=True)
class EdifactReply:
    """Where our messages to one partner go and how they are written, as they addressed us."""

    our_id: str
    partner_id: str
    our_qualifier: str | None = None
    partner_qualifier: str | None = None
    syntax_id: str = "UNOC"  # 0001
    syntax_version: str = "3"  # 0002
    test: bool = False  # 0035 test indicator
    # UNB 0026 on our interchanges, when the partner wants one; else the message type.
    application_reference: str | None = None
    # Their S002 0008 reverse routing address, which comes back as our S003 0014.
    partner_routing: str | None = None

    @property
    def sender(self) -> EdifactParty:
        return EdifactParty(self.our_id, self.our_qualifier)

    @property
    def recipient(self) -> EdifactParty:
        return EdifactParty(self.partner_id, self.partner_qualifier, self.partner_routing)


def reply_from_unb(unb: Segment, *, our_id: str, our_qualifier: str | None = None) -> EdifactReply:
    """The reply address for an interchange received: its sender, its syntax, its test flag."""
    def part(element: int, position: int) -> str:
        if len(unb.elements) < element:
            return ""
        value = unb.elements[element - 1]
        if isinstance(value, str):
            return value.strip() if position == 1 else ""
        return value[position - 1].strip() if len(value) >= position else ""

    syntax_id = part(1, 1) or "UNOC"
    return EdifactReply(
        our_id=our_id, our_qualifier=our_qualifier, partner_id=part(2, 1),
        partner_qualifier=part(2, 2) or None, partner_routing=part(2, 3) or None,
        syntax_id=syntax_id if syntax_id in SYNTAX_CHARSETS else "UNOC",
        syntax_version=part(1, 2) or "3", test=part(11, 1) == "1",
    )


@dataclass(slots=True)
class OutMessage:
    """One message to send: its UNH identification and the segments between UNH and UNT."""

    reference: int  # UNH 0062, from the control numbers
    message_type: str  # 0065, e.g. "ORDRSP"
    version: str  # 0052, e.g. "D"
    release: str  # 0054, e.g. "96A"
    agency: str = "UN"  # 0051
    association_code: str | None = None  # 0057, e.g. "EAN005" for EANCOM
    segments: list[Segment] = field(default_factory=list)
    # Segments after ``segments`` already written as text (``written_for``), ``tail_count``
    # of them: an ORDRSP's lines, written in the prepare process (``PreparedOrder.ack_lines``).
    tail: str = ""
    tail_count: int = 0
    tail_written_for: tuple = ()

    def framed(self) -> list[Segment | str]:
        """UNH + body + UNT (whose count includes UNH and UNT); the tail as text."""
        reference = format_reference(self.reference)
        identifier = [self.message_type, self.version, self.release, self.agency,
                      self.association_code or ""]
        body: list[Segment | str] = [segment("UNH", reference, identifier), *self.segments]
        if self.tail_count:
            body.append(self.tail)
        body.append(built_segment("UNT", [str(len(self.segments) + self.tail_count + 2), reference]))
        return body


def segment(tag: str, *elements: str | list[str] | None) -> Segment:
    """A pydifact Segment without trailing empty elements or components.

    pydifact writes every element it is given, so "UCI+1+A++" would go out with trailing
    separators, which ISO 9735 forbids (CONTRL code 45).
    """
    cleaned: list[str | list[str]] = []
    for element in elements:
        if isinstance(element, list):
            parts = ["" if p is None else str(p) for p in element]
            while parts and parts[-1] == "":
                parts.pop()
            cleaned.append(parts if len(parts) > 1 else (parts[0] if parts else ""))
        else:
            cleaned.append("" if element is None else str(element))
    while cleaned and cleaned[-1] == "":
        cleaned.pop()
    return Segment(tag, *cleaned)


_new_segment = Segment.__new__


def built_segment(tag: str, elements: list[str | list[str]]) -> Segment:
    """``Segment(tag, *elements)`` for elements already as ``segment`` would leave them.

    For the renderers that write tens of thousands of segments per batch, with constant tags
    and values they have already checked (``str``, or a list of two or more ``str`` whose last
    is not empty; no trailing empty element): pydifact's constructor would copy the list and
    re-check the tag on every call.
    """
    seg = _new_segment(Segment)
    seg.tag = tag
    seg.elements = elements
    return seg


def format_reference(reference: int) -> str:
    if not 0 < reference < MAX_REFERENCE:
        raise ValueError(f"control reference {reference} does not fit in 14 digits")
    return str(reference)


def render_interchange(reply: EdifactReply, reference: int, messages: list[OutMessage], *,
                       timestamp: datetime | None = None, break_lines: bool = False) -> bytes:
    """UNA + UNB + messages + UNZ, serialized and encoded for ``reply.syntax_id``."""
    codec = SYNTAX_CHARSETS.get(reply.syntax_id)
    if codec is None:
        raise ValueError(f"syntax identifier {reply.syntax_id!r} is not supported; use one of "
                         f"{', '.join(SYNTAX_CHARSETS)}")
    timestamp = timestamp or datetime.now()
    # Syntax version 4 writes the year with its century; 1 to 3 do not.
    day = timestamp.strftime("%Y%m%d" if reply.syntax_version.startswith("4") else "%y%m%d")
    control = format_reference(reference)
    types = {m.message_type for m in messages}
    application = reply.application_reference or (types.pop() if len(types) == 1 else "")
    unb = segment("UNB", [reply.syntax_id, reply.syntax_version], reply.sender.composite(),
                  reply.recipient.composite(), [day, timestamp.strftime("%H%M")], control,
                  "", application, "", "", "", "1" if reply.test else "")
    body = [part for message in messages for part in message.framed()]
    parts = [unb, *body, segment("UNZ", str(len(messages)), control)]
    tails = [message for message in messages if message.tail_count]
    if tails and (not break_lines or any(written_for(reply.syntax_id) != m.tail_written_for
                                         for m in tails)):
        raise ValueError("a message's pre-written segments were written for another layout")
    text = _SERIALIZER.serialize_parts(parts, with_una_header=True, break_lines=break_lines)
    count = len(parts) - len(tails) + sum(m.tail_count for m in tails)
    if not _text_fits(text, reply.syntax_id, codec, count + 1 if break_lines else 0):
        # Written tails were checked for this syntax when they were written: only the
        # segments need fitting.
        fitted = [part if part.__class__ is str else _fit_segment(part, reply.syntax_id, codec)
                  for part in parts]
        text = _SERIALIZER.serialize_parts(fitted, with_una_header=True, break_lines=break_lines)
    return text.encode(codec)


def written_for(syntax_id: str) -> tuple:
    """The key of text written ahead for an interchange in ``syntax_id`` (always with line
    breaks, as replies are written), for ``WrittenLines.writer``."""
    return ("edifact", syntax_id, True)


def write_ahead(segments: list[Segment], syntax_id: str) -> str | None:
    """``segments`` as ``render_interchange`` writes them for ``syntax_id``, or None when a
    value would need fitting to the character set (that is done on the segments)."""
    text = _SERIALIZER.serialize(segments, with_una_header=False, break_lines=True)
    return text if text_fits(text, syntax_id, len(segments)) else None


def text_fits(text: str, syntax_id: str, segments: int) -> bool:
    """Whether text written with line breaks (``segments`` of them) needs no fitting to
    ``syntax_id``'s character set."""
    codec = SYNTAX_CHARSETS.get(syntax_id)
    return codec is not None and _text_fits(text, syntax_id, codec, segments)


_SERIALIZER = FastSerializer(REPLY_CHARACTERS)


def _text_fits(text: str, syntax_id: str, codec: str, line_breaks: int) -> bool:
    """Whether every value already fits ``syntax_id``, decided on the whole text at once.

    Separators, the release character and tags are in every repertoire, so the text fits
    exactly when every value does, and ``_fit_segment`` would leave each segment as it is.
    ``line_breaks`` is how many the serializer wrote; one more means a value holds one.
    """
    if text.count("\n") != line_breaks:
        return False
    flat = text.replace("\n", "") if line_breaks else text
    return flat.isprintable() and _fits_whole(flat, syntax_id, codec)


def _fit_segment(seg: Segment, syntax_id: str, codec: str) -> Segment:
    values = [p for e in seg.elements for p in (e if isinstance(e, list) else (e,))]
    joined = "".join(values)
    if joined.isprintable() and _fits_whole(joined, syntax_id, codec):
        return seg  # nothing to change: one check for the whole segment
    elements = [[fit_text(p, syntax_id, codec) for p in e] if isinstance(e, list)
                else fit_text(e, syntax_id, codec) for e in seg.elements]
    return Segment(seg.tag, *elements)


def fit_text(value: str, syntax_id: str, codec: str | None = None) -> str:
    """``value`` in the repertoire of ``syntax_id``: transliterated where needed, else "?"."""
    codec = codec or SYNTAX_CHARSETS[syntax_id]
    if value.isprintable() and _fits_whole(value, syntax_id, codec):
        return value  # the usual case, decided by C-level checks of the whole value
    out = []
    for char in value:
        if unicodedata.category(char).startswith("C"):
            out.append(" ")  # control characters (line breaks, tabs) never belong in data
            continue
        for candidate in (char, _transliterate(char)):
            if candidate and all(_representable(c, syntax_id, codec) for c in candidate):
                out.append(candidate)
                break
            if syntax_id == "UNOA" and candidate and all(
                    _representable(c, syntax_id, codec) for c in candidate.upper()):
                out.append(candidate.upper())
                break
        else:
            out.append("?")
    return "".join(out)


def _fits_whole(value: str, syntax_id: str, codec: str) -> bool:
    if syntax_id == "UNOA":
        return _LEVEL_A.issuperset(value)
    if syntax_id == "UNOB":
        return value.isascii()  # printable ASCII: isprintable() was checked first
    try:
        value.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _transliterate(char: str) -> str:
    mapped = char.translate(_TRANSLITERATIONS)
    if mapped != char:
        return mapped
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


def _representable(char: str, syntax_id: str, codec: str) -> bool:
    if syntax_id == "UNOA":
        return char in _LEVEL_A
    if syntax_id == "UNOB":
        return " " <= char <= "~"
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
