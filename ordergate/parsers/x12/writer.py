"""Writing X12 interchanges: ISA/GS/ST envelopes around segments, as text. Pure, no I/O.

Choices worth knowing:
- A value that contains a delimiter character (element, component, repetition when the version
  has one, segment terminator) or a line break has each such character replaced by a space:
  free text from a partner or a product description must never split a segment. An element
  given as a tuple or list is a composite: its components are joined with the component
  separator (each component cleaned the same way).
- Trailing spaces and tabs of every value are dropped (X12 suppresses them) and so are trailing
  empty elements, so what the reader gets back is exactly what was written.
- Envelope values (ISA/GS ids, control numbers, versions) are never altered: one that does not
  fit its field, or contains a delimiter, raises ``ValueError``. GS02/GS03 may be one character
  (the standard says two) because they echo what a partner sent us.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

from ordergate.parsers.x12.types import Delimiters

DEFAULT_DELIMITERS = Delimiters(element="*", component=">", repetition="^", segment="~")
MAX_CONTROL_NUMBER = 999_999_999
# (min, max) characters of the envelope fields that echo what a partner sent: the reading side
# checks received values against these (``sinks.x12.envelope``) so that writing
# the answer never fails.
ISA_QUALIFIER = (2, 2)  # ISA05/ISA07
ISA_ID = (1, 15)  # ISA06/ISA08
GS_APPLICATION = (1, 15)  # GS02/GS03 (the standard says 2/15; one character is echoed as sent)
GS_VERSION = (1, 12)  # GS08
# First ISA version with a repetition separator in ISA11; before it ISA11 is "U".
REPETITION_FROM_VERSION = "00402"


@dataclass(slots=True)
class OutTransaction:
    set_id: str
    control_number: int
    segments: list[list[str]]  # without ST and SE: the writer adds them, counted
    implementation_ref: str | None = None  # ST03, e.g. "005010X231A1"
    # Segments after ``segments`` already written as text by ``tail_writer`` (the same one
    # ``write_interchange`` will use), ``tail_count`` of them: a large batch's 855 lines are
    # formatted straight into text instead of lists that are joined and checked again.
    tail: str = ""
    tail_count: int = 0
    tail_writer: "SegmentWriter | None" = None


@dataclass(slots=True)
class OutGroup:
    functional_id: str
    sender_code: str
    receiver_code: str
    control_number: int
    version: str = "004010"
    transactions: list[OutTransaction] = field(default_factory=list)


@dataclass(slots=True)
class OutInterchange:
    sender: tuple[str, str]  # (ISA05 qualifier, ISA06 id)
    receiver: tuple[str, str]  # (ISA07 qualifier, ISA08 id)
    control_number: int
    groups: list[OutGroup] = field(default_factory=list)
    delimiters: Delimiters = DEFAULT_DELIMITERS  # repetition is used only from version 00402
    version: str = "00401"
    usage: str = "P"  # ISA15: P production, T test, I information
    ack_requested: str = "0"  # ISA14: 1 asks the receiver for a TA1
    timestamp: datetime | None = None  # None: now, in UTC
    extra_segments: list[list[str]] = field(default_factory=list)  # between ISA and first GS, e.g. TA1
    line_break: bool = True  # "\n" after each terminator, for people reading the file


def segment_writer(delims: Delimiters, version: str, line_break: bool = True) -> SegmentWriter:
    """The writer ``write_interchange`` uses for these delimiters and ISA version (one object
    per combination, so a pre-written tail can be matched to it)."""
    return _writer(delims, version, line_break)


@lru_cache(maxsize=32)
def _writer(delims: Delimiters, version: str, line_break: bool) -> SegmentWriter:
    uses_repetition = version >= REPETITION_FROM_VERSION
    _check_delimiters(delims, uses_repetition)
    reserved = {delims.element, delims.component, delims.segment, "\r", "\n"}
    if uses_repetition:
        reserved.add(delims.repetition)
    end = delims.segment + ("\n" if line_break and delims.segment != "\n" else "")
    return SegmentWriter(delims, frozenset(reserved), end, key=(delims, version, line_break))


def write_interchange(ic: OutInterchange) -> str:
    delims = ic.delimiters
    uses_repetition = ic.version >= REPETITION_FROM_VERSION
    writer = segment_writer(delims, ic.version, ic.line_break)
    end = writer.end
    when = ic.timestamp or datetime.now(timezone.utc)
    out = [_isa(ic, when, uses_repetition) + end]
    out.extend(writer.render(seg) for seg in ic.extra_segments)
    for group in ic.groups:
        out.append(writer.envelope(_gs(group, when)))
        for tx in group.transactions:
            control = _control(tx.control_number, "ST02").zfill(4)
            header = ["ST", _field(tx.set_id, "ST01", 3, 3), control]
            if tx.implementation_ref:
                header.append(_field(tx.implementation_ref, "ST03", 1, 35))
            out.append(writer.envelope(header))
            out.append(writer.render_all(tx.segments))
            if tx.tail_count:
                if tx.tail_writer is not writer:
                    raise ValueError(f"ST {control}: its pre-written segments use other delimiters")
                out.append(tx.tail)
            out.append(writer.envelope(["SE", str(len(tx.segments) + tx.tail_count + 2), control]))
        gs06 = _control(group.control_number, "GS06")
        out.append(writer.envelope(["GE", str(len(group.transactions)), gs06]))
    out.append(writer.envelope(["IEA", str(len(ic.groups)), _control(ic.control_number, "ISA13").zfill(9)]))
    return "".join(out)


class SegmentWriter:
    def __init__(self, delims: Delimiters, reserved: frozenset[str], end: str,
                 key: tuple = ()) -> None:
        self.key = key  # what segment_writer made it from: text written ahead names it
        self.element = delims.element
        self.component = delims.component
        self.reserved = reserved
        others = "".join(sorted(reserved - {delims.element}))
        self._find_delimiter = re.compile(f"[{re.escape(others)}]").search
        self.end = end
        self._others = tuple(others)
        # A trailing space or tab before a separator, or an empty last element: cases
        # ``render`` cleans up value by value.
        self._untrimmed = (" " + self.element, "\t" + self.element, " " + end, "\t" + end,
                           self.element + end)

    def envelope(self, seg: list[str]) -> str:
        for value in seg:
            bad = self.reserved.intersection(value)
            if bad:
                raise ValueError(f"{seg[0]} value {value!r} contains the delimiter {sorted(bad)[0]!r}")
        return self.element.join(seg) + self.end

    def render_all(self, segments: list[Sequence[str | Sequence[str]]]) -> str:
        """A whole transaction's segments: the usual case (plain strings needing no cleaning)
        is joined and checked once, in a few C-level scans of the text; anything unusual in
        any segment sends every segment through ``render``."""
        elem, end = self.element, self.end
        try:
            text = end.join([elem.join(seg) for seg in segments]) + end
        except TypeError:  # a composite somewhere
            text = None
        if text is not None and self._plain(text, segments):
            return text
        return "".join([self.render(seg) for seg in segments])

    def _plain(self, text: str, segments: list) -> bool:
        count = len(segments)
        return (self.is_plain(text, count, sum(map(len, segments)) - count)
                and all(map(str.isalnum, [seg[0] for seg in segments])))

    def is_plain(self, text: str, segments: int, separators: int) -> bool:
        """Whether ``text``, written as ``segments`` segments holding ``separators`` element
        separators in all, is exactly what ``render`` would write for the same values: no
        value holds a delimiter, a line break or a trailing space, and no segment ends in an
        empty element. Segment ids are the caller's to check."""
        # Substring tests (memchr-speed) rather than a regex: a regex walks the text in Python's
        # matcher one character at a time, which cost more than the rendering it guards.
        elem, end = self.element, self.end
        if text.count(elem) != separators or text.count(end) != segments:
            return False  # a value holds a delimiter (or is a tag-only segment with no values)
        body = text.replace(end, "")
        if any(ch in body for ch in self._others):
            return False
        # Trailing spaces are suppressed and trailing empty elements dropped by ``render``.
        return not any(pattern in text for pattern in self._untrimmed)

    def render(self, seg: Sequence[str | Sequence[str]]) -> str:
        tag = seg[0] if seg else None
        if not isinstance(tag, str) or not tag.isalnum():
            raise ValueError(f"segment {seg!r} has no valid segment id")
        elem = self.element
        values = seg[1:]
        # Fast path for the usual segment, checked on the joined text in a few C-level scans:
        # plain strings needing no cleaning. A composite, a delimiter or a trailing space in any
        # value sends the whole segment the slow way, value by value.
        try:
            body = elem.join(values)
        except TypeError:  # a composite among the values
            body = None
        if (body is not None and body.count(elem) == len(values) - 1 and not self._find_delimiter(body)
                and " " + elem not in body and "\t" + elem not in body and body[-1:] not in (" ", "\t")):
            body = body.rstrip(elem)
            return f"{tag}{elem}{body}{self.end}" if body else tag + self.end
        cleaned = [tag, *(self._value(v) for v in values)]
        while len(cleaned) > 1 and not cleaned[-1]:
            cleaned.pop()
        return elem.join(cleaned) + self.end

    def _value(self, value: str | Sequence[str]) -> str:
        if isinstance(value, str):
            return self._clean(value)
        parts = [self._clean(str(part)) for part in value]
        while parts and not parts[-1]:
            parts.pop()
        return self.component.join(parts)

    def _clean(self, value: str) -> str:
        if not self.reserved.isdisjoint(value):
            value = "".join(" " if ch in self.reserved else ch for ch in value)
        return value.rstrip(" \t")


def _isa(ic: OutInterchange, when: datetime, uses_repetition: bool) -> str:
    d = ic.delimiters
    fields = [
        "ISA", "00", " " * 10, "00", " " * 10,
        _field(ic.sender[0], "ISA05", *ISA_QUALIFIER), _field(ic.sender[1], "ISA06", *ISA_ID).ljust(15),
        _field(ic.receiver[0], "ISA07", *ISA_QUALIFIER), _field(ic.receiver[1], "ISA08", *ISA_ID).ljust(15),
        when.strftime("%y%m%d"), when.strftime("%H%M"),
        d.repetition if uses_repetition else "U",
        _field(ic.version, "ISA12", 5, 5),
        _control(ic.control_number, "ISA13").zfill(9),
        _field(ic.ack_requested, "ISA14", 1, 1),
        _field(ic.usage, "ISA15", 1, 1),
        d.component,
    ]
    reserved = {d.element, d.segment, d.component, "\r", "\n"}
    for number in (5, 6, 7, 8, 12, 14, 15):
        if not reserved.isdisjoint(fields[number]):
            raise ValueError(f"ISA{number:02d} value {fields[number].strip()!r} contains a delimiter character")
    return d.element.join(fields)


def _gs(group: OutGroup, when: datetime) -> list[str]:
    return ["GS", _field(group.functional_id, "GS01", 2, 2),
            _field(group.sender_code, "GS02", *GS_APPLICATION),
            _field(group.receiver_code, "GS03", *GS_APPLICATION),
            when.strftime("%Y%m%d"), when.strftime("%H%M"), _control(group.control_number, "GS06"),
            "X", _field(group.version, "GS08", *GS_VERSION)]


def _field(value: str, name: str, min_len: int, max_len: int) -> str:
    if not min_len <= len(value) <= max_len:
        size = str(max_len) if min_len == max_len else f"{min_len} to {max_len}"
        raise ValueError(f"{name} {value!r} does not fit: it must be {size} characters")
    return value


def _control(number: int, name: str) -> str:
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_CONTROL_NUMBER:
        raise ValueError(f"{name} control number {number!r} must be an integer from 1 to {MAX_CONTROL_NUMBER}")
    return str(number)


def _check_delimiters(d: Delimiters, uses_repetition: bool) -> None:
    chars = [d.element, d.component, d.segment]
    if uses_repetition:
        if d.repetition is None:
            raise ValueError("ISA versions from 00402 on need a repetition separator (Delimiters.repetition)")
        chars.append(d.repetition)
    for ch in chars:
        if len(ch) != 1 or ch.isalnum() or ch == " ":
            raise ValueError(f"delimiter {ch!r} must be one character that is not a letter, digit or space")
    if len(set(chars)) != len(chars):
        raise ValueError(f"delimiters {chars!r} must all differ")
