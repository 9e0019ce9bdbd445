"""Reading EDIFACT interchanges as a stream of envelope and message events, with envelope checks.

``source`` finds the interchanges and decodes each with the character set its UNB
names; each interchange is then split in small chunks, cut after a segment terminator, by
``tokens``, and only the envelope segments (UNB UNG UNH UNT UNE UNZ) get individual
attention here. At most one message's segments are held beyond the current chunk.

Without a UNB (messages that start right after a UNA, or a file that starts with UNH) the
messages are still yielded: the ``InterchangeHeader`` has ``segment`` None and the
interchange reports a MISSING (13) problem at position 1. Messages after a UNZ are not read.

Envelope problems never raise once an interchange start was read: they are reported as
``EdifactProblem`` on the narrowest event they concern (message, group end, interchange end),
so one bad message never sinks its neighbours. ``ParseError`` is raised, at once, only when
the data does not begin with a readable UNA, UNB or UNH.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pydifact.segments import Segment

from ordergate.errors import ParseError
from ordergate.parsers.edi_limits import (
    OVERSIZED_PREFIX,
    EdiLimits,
    check_budget,
    count_starts,
)
from ordergate.parsers.edifact.source import (
    InterchangeStart,
    Region,
    Source,
    charset_name,
    decode_edifact,
    decode_region,
    find_next_start,
    open_source,
    read_start,
)
from ordergate.parsers.edifact.tokens import (
    Split,
    TokenIssue,
    find_terminator,
    split_segments,
    terminator_is_released,
)
from ordergate.parsers.edifact.types import (
    CHARSETS,
    CONTROL_COUNT_MISMATCH,
    DATA_ELEMENT_TOO_LONG,
    DUPLICATE_DETECTED,
    GROUPS_AND_MESSAGES_MIXED,
    INVALID_CHARACTERS,
    INVALID_OCCURRENCE_OUTSIDE,
    INVALID_SERVICE_CHARACTER_ADVICE,
    INVALID_SERVICE_CHARACTERS,
    INVALID_VALUE,
    LOWER_LEVEL_EMPTY,
    MISSING,
    REFERENCES_DO_NOT_MATCH,
    SYNTAX_NOT_SUPPORTED,
    SYNTAX_VERSIONS,
    TOO_MANY_REPETITIONS,
    EdifactEvent,
    EdifactProblem,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Message,
    component_of,
)

__all__ = ["decode_edifact", "iter_edifact"]


# Small chunks: a message's segments then die young, which spares the cyclic garbage
# collector most of its work (4 KB reads twice as fast as 1 MB here).
CHUNK_SIZE = 1 << 12
# ISO 9735 sizes of the envelope values a CONTRL echoes (UCI S002/S003/0020, UCM 0062/S009):
# a longer one is an envelope error (39) found here, never a reply that cannot be written.
ECHOED_LENGTHS = {"0004": 35, "0007": 4, "0008": 14, "0010": 35, "0014": 14, "0020": 14,
                  "0062": 14, "0065": 6, "0052": 3, "0054": 3, "0051": 3, "0057": 6}
ENVELOPE = frozenset({"UNG", "UNH", "UNT", "UNE", "UNZ"})


def iter_edifact(data: bytes | str, limits: EdiLimits | None = None) -> Iterator[EdifactEvent]:
    """Stream the events of every interchange in ``data``, in file order.

    Raises ``ParseError`` at once when the data does not start (after a BOM and whitespace)
    with a readable UNA, UNB or UNH; after that every problem is reported on the events.
    ``limits`` bounds segments, messages and time (``edi_limits``); past its time budget
    ``BudgetExceeded`` is raised between two chunks.
    """
    source, start = open_source(data)
    return _iter_events(source, start, limits or EdiLimits())


def count_interchanges(data: bytes | str, limits: EdiLimits) -> int:
    """How many interchanges ``iter_edifact`` would open, counted up to one past
    ``limits.max_interchanges``: the starts (UNA, UNB) it would read, found by the same search,
    without reading what lies between them. 0 when the data has no readable start."""
    try:
        source, start = open_source(data)
    except ParseError:
        return 0  # the reader reports it
    scan = source.scan

    def following(current: InterchangeStart) -> InterchangeStart | None:
        end = find_next_start(scan, current.body + 1, current.delimiters)
        if end >= len(scan):
            return None
        try:
            return read_start(scan, end)
        except ParseError:
            return None  # the reader stops there too

    return count_starts(start, following, limits)


# ----------------------------------------------------------------------- events
def _iter_events(source: Source, start: InterchangeStart, limits: EdiLimits) -> Iterator[EdifactEvent]:
    file_position = 1
    scan = source.scan
    while True:
        end = find_next_start(scan, start.body + 1, start.delimiters)
        reader = _InterchangeReader(decode_region(source, start, end), file_position, limits)
        yield reader.header
        yield from reader.read()
        following = None
        if end < len(scan):
            try:
                following = read_start(scan, end)
            except ParseError as exc:
                reader.unreadable_start(exc, scan[end:end + 3])
        yield from reader.finish(next_follows=following is not None)
        if following is None:
            return
        # Also between interchanges: a file of bare UNBs never reaches the per-chunk check.
        check_budget(limits.budget, "reading the interchange")
        file_position += reader.count
        start = following


@dataclass(slots=True)
class _OpenMessage:
    unh: Segment
    reference: str
    position: int
    group: GroupHeader | None
    begin: int  # index of the UNH in the current chunk's rows
    carried: list[Segment] | None = None  # its segments from earlier chunks
    carried_texts: list[str] | None = None  # and their texts (``Split.texts``)
    problems: list[EdifactProblem] = field(default_factory=list)
    # Over a size limit: rejected, and its segments are counted (for the UNT check) but no
    # longer held.
    dropped: int = 0
    discard: bool = False

    def in_message(self, k: int) -> int:
        """DE 0096 position (UNH = 1) of the segment at row ``k`` of the current chunk."""
        return (len(self.carried) if self.carried else 0) + self.dropped + k - self.begin + 1


@dataclass(slots=True)
class _OpenGroup:
    header: GroupHeader
    messages: int = 0
    problems: list[EdifactProblem] = field(default_factory=list)


@dataclass(slots=True)
class _StrayRun:
    tag: str
    position: int
    after_unz: bool
    problem: EdifactProblem | None = None
    count: int = 1

    def describe(self) -> str:
        where = "after the UNZ trailer" if self.after_unz else "outside any message"
        if self.count == 1:
            return f"segment {self.tag!r} at position {self.position} is {where}"
        return f"{self.count} segments from {self.tag!r} at position {self.position} on are {where}"


class _InterchangeReader:
    """The envelope state of one interchange, fed chunk by chunk."""

    def __init__(self, region: Region, file_position: int, limits: EdiLimits) -> None:
        self.region = region
        self.limits = limits
        start = region.start
        self.delimiters = start.delimiters
        text, lo, hi = region.text, region.lo, region.hi
        unb: Segment | None = None
        self.pos = lo
        unb_too_long = False
        if text.startswith("UNB", lo) and text[lo + 3:lo + 4] == self.delimiters.element:
            longest = limits.max_segment_chars
            stop = find_terminator(text, lo, min(hi, lo + longest + 1), self.delimiters)
            if stop == -1 and lo + longest + 1 < hi:  # read from its start only, and reported
                unb_too_long = True
                stop = find_terminator(text, lo + longest, hi, self.delimiters, floor=lo)
                self.pos = hi if stop == -1 else stop + 1
                unb = split_segments(text[lo:lo + OVERSIZED_PREFIX], self.delimiters).segments[0]
            else:
                self.pos = hi if stop == -1 else stop + 1
                unb = split_segments(text[lo:self.pos], self.delimiters).segments[0]
        self.header = InterchangeHeader(segment=unb, delimiters=self.delimiters, position=file_position,
                                        charset=region.charset, una=start.una)
        self.reference = self.header.control_reference or None
        self.count = 1 if unb is not None else 0  # segments read so far, the UNB included
        self.problems: list[EdifactProblem] = []
        self.messages = 0
        self.loose = 0  # messages outside any group
        self.groups = 0
        self.references: set[str] = set()
        self.mixed = False
        self.msg: _OpenMessage | None = None
        self.group: _OpenGroup | None = None
        self.unz: Segment | None = None
        self.stray: _StrayRun | None = None
        self.out: list[EdifactEvent] = []
        self.texts: list[str] = []  # the current chunk's segment texts
        if unb_too_long:
            self._problem(DATA_ELEMENT_TOO_LONG, f"the UNB is {self.pos - lo} characters long, more "
                          f"than the {limits.max_segment_chars} allowed "
                          f"(ORDERGATE_EDI_MAX_SEGMENT_BYTES)", 1, "UNB")
        self._check_header()
        self.header.problems = list(self.problems)

    # ------------------------------------------------------------------ the UNB
    def _check_header(self) -> None:
        header, region = self.header, self.region
        for code, note in region.start.notes:
            self._problem(code, note, 1, "UNA" if region.start.una else "UNB")
        if not header.present:
            self._problem(MISSING, "the interchange has no UNB header: its messages are read "
                          "without an envelope", 1, "UNB")
            if region.decode_note:
                self._problem(INVALID_CHARACTERS, region.decode_note, 1, "UNB")
            return
        missing = [(element, component, ref, label) for element, component, ref, label, value in (
            (2, 1, "0001", "syntax identifier", header.syntax_identifier),
            (2, 2, "0002", "syntax version", header.syntax_version),
            (3, 1, "0004", "sender identification", header.sender_id),
            (4, 1, "0010", "recipient identification", header.recipient_id),
            (5, 1, "0017", "date of preparation", header.date),
            (5, 2, "0019", "time of preparation", header.time),
            (6, 1, "0020", "interchange control reference", header.control_reference),
        ) if not value]
        if missing:
            element, component, ref, _ = missing[0]
            names = ", ".join(f"{label} ({ref})" for *_, ref, label in missing)
            self._problem(MISSING, f"the UNB lacks its {names}", 1, "UNB", element, component, ref)
        # What a CONTRL (and our reply's UNB) echoes must fit the field it is echoed into.
        for element, component, ref, label, value in (
                (3, 1, "0004", "sender identification", header.sender_id),
                (3, 2, "0007", "sender code qualifier", header.sender_qualifier),
                (3, 3, "0008", "sender reverse routing address", header.sender_reverse_routing),
                (4, 1, "0010", "recipient identification", header.recipient_id),
                (4, 2, "0007", "recipient code qualifier", header.recipient_qualifier),
                (4, 3, "0014", "recipient routing address", header.recipient_routing),
                (6, 1, "0020", "interchange control reference", header.control_reference)):
            if len(value) > ECHOED_LENGTHS[ref]:
                self._problem(DATA_ELEMENT_TOO_LONG, f"the UNB's {label} ({ref}) {value[:20]!r} "
                              f"is {len(value)} characters long; at most {ECHOED_LENGTHS[ref]} "
                              f"can be acknowledged", 1, "UNB", element, component, ref, value[:35])
        syntax, version = header.syntax_identifier, header.syntax_version
        if syntax and syntax not in CHARSETS:
            self._problem(SYNTAX_NOT_SUPPORTED, f"syntax identifier {syntax!r} is not one of UNOA to "
                          f"UNOY: read as {charset_name(region.charset or 'ascii')}", 1, "UNB", 2, 1,
                          "0001", syntax)
        if version and version not in SYNTAX_VERSIONS:
            self._problem(SYNTAX_NOT_SUPPORTED, f"syntax version {version!r} is not 1 to 4", 1, "UNB",
                          2, 2, "0002", version)
        if region.decode_note:
            self._problem(INVALID_CHARACTERS, region.decode_note, 1, "UNB", 2, 1, "0001", syntax)

    # ------------------------------------------------------------------ chunks
    def read(self) -> Iterator[EdifactEvent]:
        text, hi, delimiters = self.region.text, self.region.hi, self.delimiters
        budget = self.limits.budget
        longest = self.limits.max_segment_chars
        # A chunk no longer than a segment may be: only the segment across its end can be
        # too long, and the search for its terminator goes no further than the limit.
        size = min(CHUNK_SIZE, longest)
        pos = self.pos
        while pos < hi:
            end = pos + size
            oversized = None
            if end >= hi:
                cut = hi
            else:
                cut = find_terminator(text, end, min(hi, end + longest + 1), delimiters, floor=pos)
                if cut == -1 and end + longest + 1 < hi:
                    oversized = self._across(pos, end, end + longest)
                else:
                    cut = hi if cut == -1 else cut + 1
                    if cut - pos > longest:  # the chunk grew: measure the segment across ``end``
                        a = self._segment_start(pos, end)
                        if cut - 1 - a > longest:
                            oversized = (a, cut)
                if oversized is not None:
                    cut = oversized[0]
            if cut > pos:
                yield from self.feed(split_segments(text[pos:cut], delimiters, ENVELOPE))
            if oversized is not None:
                a, cut = oversized
                yield from self.oversized(text[a:a + OVERSIZED_PREFIX], cut - a)
            pos = cut
            check_budget(budget, "reading the interchange")

    def _segment_start(self, pos: int, end: int) -> int:
        """Where the segment that holds ``end`` starts (after the last terminator before it)."""
        text, delimiters = self.region.text, self.delimiters
        a = text.rfind(delimiters.segment, pos, end)
        while a != -1 and terminator_is_released(text, a, delimiters, pos):
            a = text.rfind(delimiters.segment, pos, a)
        return pos if a == -1 else a + 1

    def _across(self, pos: int, end: int, beyond: int) -> tuple[int, int]:
        """(start, index after the terminator) of the segment across ``end`` that has no
        terminator before ``beyond``."""
        a = self._segment_start(pos, end)
        b = find_terminator(self.region.text, beyond, self.region.hi, self.delimiters, floor=a)
        return a, self.region.hi if b == -1 else b + 1

    def oversized(self, prefix: str, length: int) -> Iterator[EdifactEvent]:
        """A segment of ``length`` characters, over the limit, read from ``prefix`` (its first
        characters) only. It counts as one segment; the message it is in is rejected."""
        limit = self.limits.max_segment_chars
        split = split_segments(prefix, self.delimiters, ENVELOPE)
        if not split.segments:  # only whitespace: nothing to name
            split = split_segments("???", self.delimiters, ENVELOPE)
        row = split.segments[0]
        one = Split([row], [0] if row.tag in ENVELOPE else [], [], split.texts[:1])
        tag = row.tag[:20]
        position = self.count + 1
        # The element cut where the segment passes the limit is the one "too long" (39).
        last = row.elements[-1] if row.elements else ""
        element, component = len(row.elements) + 1, len(last) if isinstance(last, list) else 1
        message = (f"segment {tag!r} at position {position} is {length} characters long, more "
                   f"than the {limit} allowed (ORDERGATE_EDI_MAX_SEGMENT_BYTES)")
        msg = self.msg
        if msg is not None and tag not in ("UNH", "UNG", "UNE", "UNZ"):
            self._segment_too_long(msg, tag, position, msg.in_message(0), element, component,
                                   message)
            yield from self.feed(one)
            return
        yield from self.feed(one)
        if tag == "UNH" and self.msg is not None:
            self._segment_too_long(self.msg, tag, position, 1, element, component, message)
        else:
            self._problem(DATA_ELEMENT_TOO_LONG, message, position, tag, element, component)

    def _segment_too_long(self, msg: _OpenMessage, tag: str, position: int, in_message: int,
                          element: int, component: int, message: str) -> None:
        msg.problems.append(self._message_problem(
            msg, DATA_ELEMENT_TOO_LONG, f"{message}: its message is rejected unread", position, tag,
            in_message, element=element, component=component))
        self._discard(msg)

    def _too_many(self, msg: _OpenMessage, segments: list[Segment]) -> None:
        """The message has more segments than allowed: rejected (on its UCM: 35, too many
        segment repetitions), and none of them held from now on."""
        limit = self.limits.max_set_segments
        msg.problems.append(self._message_problem(
            msg, TOO_MANY_REPETITIONS, f"message {msg.reference} has more than {limit} segments "
            f"(ORDERGATE_EDI_MAX_SET_SEGMENTS): rejected unread; ask the partner to split it",
            msg.position + limit, None, limit + 1))
        # A UCM names no segment: the code is the message's own, not a UCS detail.
        msg.problems[-1].segment_position = None
        msg.carried = msg.carried_texts = None  # ``segments`` holds them all: counted once, here
        msg.dropped += len(segments)
        msg.discard = True

    @staticmethod
    def _discard(msg: _OpenMessage) -> None:
        if not msg.discard:
            msg.discard = True
            msg.dropped += len(msg.carried) if msg.carried else 0
        msg.carried = msg.carried_texts = None

    # The hot path: one call per chunk, Python work only at envelope segments and issues.
    def feed(self, split: Split) -> Iterator[EdifactEvent]:
        rows = split.segments
        self.texts = split.texts
        base = self.count
        points: list[int] = split.marked
        issues: dict[int, list[TokenIssue]] = {}
        if split.issues:
            for issue in split.issues:
                issues.setdefault(issue.index, []).append(issue)
            points = sorted(set(points) | set(issues))
        marked = set(split.marked) if issues else None
        out = self.out
        done = 0  # rows before this index are dealt with
        for k in points:
            if k > done and self.msg is None:
                self._stray(rows, done, k, base)
            done = k
            if issues and k in issues:
                for issue in issues[k]:
                    self._issue(issue, rows, k, base)
                if k not in marked:
                    continue
            tag = rows[k].tag
            position = base + k + 1
            if tag == "UNH":
                self._start_message(rows, k, position)
            elif tag == "UNT":
                self._end_message(rows, k, position)
            elif tag == "UNG":
                self._start_group(rows, k, position)
            elif tag == "UNE":
                self._end_group(rows, k, position)
            else:
                self._end_interchange(rows, k, position)
            done = k + 1
            if out:
                yield from out
                out.clear()
        msg = self.msg
        if msg is None:
            if done < len(rows):
                self._stray(rows, done, len(rows), base)
        else:  # the open message goes on in the next chunk
            tail = rows[msg.begin:]
            if msg.discard:
                msg.dropped += len(tail)
            else:
                if msg.carried is None:
                    msg.carried, msg.carried_texts = tail, split.texts[msg.begin:]
                else:  # in place: a long message spans many chunks
                    msg.carried.extend(tail)
                    msg.carried_texts.extend(split.texts[msg.begin:])
                if len(msg.carried) > self.limits.max_set_segments:
                    self._too_many(msg, msg.carried)
            msg.begin = 0
        self.count = base + len(rows)
        if out:
            yield from out
            out.clear()

    def _issue(self, issue: TokenIssue, rows: list[Segment], k: int, base: int) -> None:
        position = base + k + 1
        msg = self.msg
        if issue.kind == "tag":
            if msg is not None:  # outside a message the segment is reported as stray anyway
                tag = rows[k].tag
                msg.problems.append(self._message_problem(
                    msg, INVALID_VALUE, f"segment {tag[:20]!r} at position {position}: {issue.detail}",
                    position, tag[:20], msg.in_message(k)))
            return
        if issue.kind == "empty":
            where = f"before position {position}" if k < len(rows) else f"after position {position - 1}"
            if msg is not None:
                msg.problems.append(self._message_problem(
                    msg, MISSING, f"{issue.detail} {where}: it has no segment tag", position, None,
                    msg.in_message(k)))
            else:
                self._problem(INVALID_OCCURRENCE_OUTSIDE, f"{issue.detail} {where}, outside any "
                              "message", position, None)
            return
        # "release": a lone release character at the end of the text
        if msg is not None:
            msg.problems.append(self._message_problem(
                msg, INVALID_SERVICE_CHARACTERS, f"{issue.detail} (position {position})", position,
                rows[k].tag if k < len(rows) else None, msg.in_message(k)))
        else:
            self._problem(INVALID_SERVICE_CHARACTERS, f"{issue.detail} (position {position})",
                          position, None)

    # ------------------------------------------------------------------ messages
    def _start_message(self, rows: list[Segment], k: int, position: int) -> None:
        if self.unz is not None:
            self._stray(rows, k, k + 1, position - k - 1)
            return
        if self.msg is not None:
            self._close_message(rows, k, position, "UNH")
        unh = rows[k]
        group = self.group
        reference = component_of(unh.elements[0]) if unh.elements else ""
        msg = _OpenMessage(unh=unh, reference=reference, position=position,
                           group=group.header if group else None, begin=k)
        self.msg = msg
        self.messages += 1
        if group is not None:
            group.messages += 1
        else:
            self.loose += 1
            if self.groups:
                self._mixed(position, "UNH")
        if not reference:
            msg.problems.append(self._message_problem(
                msg, MISSING, f"the UNH at position {position} lacks its message reference (0062)",
                position, "UNH", 1, element=2, component=1, ref="0062"))
        elif len(reference) > ECHOED_LENGTHS["0062"]:
            msg.problems.append(self._message_problem(
                msg, DATA_ELEMENT_TOO_LONG, f"the UNH message reference (0062) {reference[:20]!r} "
                f"is {len(reference)} characters long; at most {ECHOED_LENGTHS['0062']} can be "
                f"acknowledged", position, "UNH", 1, element=2, component=1, ref="0062",
                bad_value=reference[:35]))
        elif reference in self.references:
            msg.problems.append(self._message_problem(
                msg, DUPLICATE_DETECTED, f"message reference {reference!r} is already used by an "
                "earlier message of this interchange", position, "UNH", 1, element=2, component=1,
                ref="0062", bad_value=reference))
        else:
            self.references.add(reference)
        s009 = unh.elements[1] if len(unh.elements) > 1 else ""
        missing = [(c + 1, ref, label) for c, (ref, label) in enumerate(
            (("0065", "message type"), ("0052", "version"), ("0054", "release"),
             ("0051", "controlling agency"))) if not component_of(s009, c)]
        if missing:
            names = ", ".join(f"{label} ({ref})" for _, ref, label in missing)
            msg.problems.append(self._message_problem(
                msg, MISSING, f"the UNH message identifier (S009) lacks its {names}", position, "UNH",
                1, element=3, component=missing[0][0], ref=missing[0][1]))
        # 0057 is left out: real EANCOM senders write "EAN008B"; the CONTRL echoes it cut.
        for c, ref in enumerate(("0065", "0052", "0054", "0051")):
            value = component_of(s009, c).strip()  # " 96A" is padded, not too long
            if len(value) > ECHOED_LENGTHS[ref]:
                msg.problems.append(self._message_problem(
                    msg, DATA_ELEMENT_TOO_LONG, f"the UNH message identifier's {ref} "
                    f"{value[:20]!r} is {len(value)} characters long; at most "
                    f"{ECHOED_LENGTHS[ref]} can be acknowledged", position, "UNH", 1, element=3,
                    component=c + 1, ref=ref, bad_value=value[:35]))
                break

    def _end_message(self, rows: list[Segment], k: int, position: int) -> None:
        msg = self.msg
        if msg is None:
            self._stray(rows, k, k + 1, position - k - 1)
            return
        self.msg = None
        segments = rows[msg.begin:k + 1]
        texts = self.texts[msg.begin:k + 1]
        if msg.carried:
            msg.carried.extend(segments)
            segments = msg.carried
            msg.carried_texts.extend(texts)
            texts = msg.carried_texts
        count = len(segments) + msg.dropped
        unt = rows[k]
        declared = component_of(unt.elements[0]) if unt.elements else ""
        if not declared:
            msg.problems.append(self._message_problem(
                msg, MISSING, f"the UNT lacks its number of segments (0074); the message has {count}",
                position, "UNT", count, element=2, component=1, ref="0074"))
        elif not _is_digits(declared):
            msg.problems.append(self._message_problem(
                msg, INVALID_VALUE, f"UNT 0074 {declared!r} is not a number of segments; the message "
                f"has {count}", position, "UNT", count, element=2, component=1, ref="0074",
                bad_value=declared))
        elif int(declared) != count:
            msg.problems.append(self._message_problem(
                msg, CONTROL_COUNT_MISMATCH, f"UNT says {declared} segments but the message has "
                f"{count}", position, "UNT", count, element=2, component=1, ref="0074",
                bad_value=declared))
        reference = component_of(unt.elements[1]) if len(unt.elements) > 1 else ""
        if reference != msg.reference:
            msg.problems.append(self._message_problem(
                msg, REFERENCES_DO_NOT_MATCH, f"UNT 0062 {reference!r} does not match UNH 0062 "
                f"{msg.reference!r}", position, "UNT", count, element=3, component=1, ref="0062",
                bad_value=reference))
        if not msg.discard and len(segments) > self.limits.max_set_segments:
            self._too_many(msg, segments)
        if msg.discard:
            segments, texts = [msg.unh, unt], None
        self._emit(msg, segments, texts)

    def _close_message(self, rows: list[Segment] | None, k: int, position: int, came: str | None) -> None:
        """The open message's UNT never came; ``came`` did instead (None: the text ended)."""
        msg = self.msg
        self.msg = None
        segments = msg.carried or []
        if rows is not None:
            segments = segments + rows[msg.begin:k]
        instead = f"{came} at position {position} came first" if came else "the interchange ends first"
        msg.problems.append(self._message_problem(
            msg, MISSING, f"message {msg.reference} has no UNT trailer: {instead}", position, "UNT",
            len(segments) + msg.dropped + 1))
        if not msg.discard and len(segments) > self.limits.max_set_segments:
            self._too_many(msg, segments)
        if msg.discard:
            segments = [msg.unh]
        self._emit(msg, segments)

    def _emit(self, msg: _OpenMessage, segments: list[Segment], texts: list[str] | None = None) -> None:
        s009 = msg.unh.elements[1] if len(msg.unh.elements) > 1 else ""
        self.out.append(Message(
            reference=msg.reference, message_type=component_of(s009, 0), version=component_of(s009, 1),
            release=component_of(s009, 2), agency=component_of(s009, 3),
            association_code=component_of(s009, 4), segments=segments, texts=texts, position=msg.position,
            interchange=self.header, group=msg.group, problems=msg.problems))

    # ------------------------------------------------------------------ groups
    def _start_group(self, rows: list[Segment], k: int, position: int) -> None:
        if self.unz is not None:
            self._stray(rows, k, k + 1, position - k - 1)
            return
        if self.msg is not None:
            self._close_message(rows, k, position, "UNG")
        if self.group is not None:
            self._close_group(position, "UNG")
        if self.loose:
            self._mixed(position, "UNG")
        self.groups += 1
        header = GroupHeader(segment=rows[k], position=position, interchange=self.header)
        group = _OpenGroup(header)
        if not header.reference:
            group.problems.append(self._group_problem(
                header, MISSING, f"the UNG at position {position} lacks its group reference (0048)",
                position, "UNG", element=6, ref="0048"))
        self.group = group
        self.out.append(header)

    def _end_group(self, rows: list[Segment], k: int, position: int) -> None:
        if self.unz is not None:
            self._stray(rows, k, k + 1, position - k - 1)
            return
        if self.msg is not None:
            self._close_message(rows, k, position, "UNE")
        group = self.group
        if group is None:
            self._stray(rows, k, k + 1, position - k - 1)
            return
        self.group = None
        header, une = group.header, rows[k]
        declared = component_of(une.elements[0]) if une.elements else ""
        if not (_is_digits(declared) and int(declared) == group.messages):
            code = _count_code(declared)
            group.problems.append(self._group_problem(
                header, code, f"UNE says {declared} messages but the group has {group.messages}"
                if declared else f"the UNE lacks its number of messages (0060); the group has "
                f"{group.messages}", position, "UNE", element=2, ref="0060", bad_value=declared or None))
        reference = component_of(une.elements[1]) if len(une.elements) > 1 else ""
        if reference != header.reference:
            group.problems.append(self._group_problem(
                header, REFERENCES_DO_NOT_MATCH, f"UNE 0048 {reference!r} does not match UNG 0048 "
                f"{header.reference!r}", position, "UNE", element=3, ref="0048", bad_value=reference))
        if not group.messages:
            group.problems.append(self._group_problem(
                header, LOWER_LEVEL_EMPTY, f"group {header.reference} holds no message", position, "UNE"))
        self.out.append(GroupEnd(group=header, message_count=group.messages, segment=une,
                                 problems=group.problems))

    def _close_group(self, position: int, came: str | None) -> None:
        group = self.group
        self.group = None
        instead = f"{came} at position {position} came first" if came else "the interchange ends first"
        group.problems.append(self._group_problem(
            group.header, MISSING, f"group {group.header.reference} has no UNE trailer: {instead}",
            position, "UNE"))
        self.out.append(GroupEnd(group=group.header, message_count=group.messages, segment=None,
                                 problems=group.problems))

    def _mixed(self, position: int, tag: str) -> None:
        if not self.mixed:
            self.mixed = True
            self._problem(GROUPS_AND_MESSAGES_MIXED, f"the interchange mixes messages outside groups "
                          f"with functional groups ({tag} at position {position})", position, tag)

    # ------------------------------------------------------------------ the interchange
    def _end_interchange(self, rows: list[Segment], k: int, position: int) -> None:
        if self.unz is not None or not self.header.present:
            self._stray(rows, k, k + 1, position - k - 1)
            return
        if self.msg is not None:
            self._close_message(rows, k, position, "UNZ")
        if self.group is not None:
            self._close_group(position, "UNZ")
        unz = self.unz = rows[k]
        expected = self.groups + self.loose
        declared = component_of(unz.elements[0]) if unz.elements else ""
        if not (_is_digits(declared) and int(declared) == expected):
            what = ("groups and messages outside groups" if self.groups and self.loose
                    else "groups" if self.groups else "messages")
            code = _count_code(declared)
            self._problem(code, f"UNZ says {declared} {what} but the interchange has {expected}"
                          if declared else f"the UNZ lacks its control count (0036); the interchange "
                          f"has {expected} {what}", position, "UNZ", 2, 1, "0036", declared or None)
        reference = component_of(unz.elements[1]) if len(unz.elements) > 1 else ""
        if reference != self.header.control_reference:
            self._problem(REFERENCES_DO_NOT_MATCH, f"UNZ 0020 {reference!r} does not match UNB 0020 "
                          f"{self.header.control_reference!r}", position, "UNZ", 3, 1, "0020", reference)

    def finish(self, next_follows: bool) -> list[EdifactEvent]:
        """The interchange's text is over: close what is still open and report the interchange."""
        position = self.count + 1
        came = "the next interchange" if next_follows else None
        if self.msg is not None:
            self._close_message(None, 0, position, came)
        if self.group is not None:
            self._close_group(position, came)
        if self.header.present:
            if self.unz is None:
                instead = (f"the next interchange (position {position}) comes first" if next_follows
                           else f"the file ends after position {self.count}")
                self._problem(MISSING, f"interchange {self.header.control_reference} has no UNZ "
                              f"trailer: {instead}", position, "UNZ")
            if not self.messages and not self.groups:
                self._problem(LOWER_LEVEL_EMPTY, f"interchange {self.header.control_reference} holds "
                              "no message", 1, "UNB")
        self.out.append(InterchangeEnd(interchange=self.header, message_count=self.messages,
                                       group_count=self.groups, segment=self.unz, problems=self.problems))
        out, self.out = self.out, []
        return out

    def unreadable_start(self, exc: ParseError, tag: str) -> None:
        position = self.count + 1
        code = INVALID_SERVICE_CHARACTER_ADVICE if tag == "UNA" else INVALID_SERVICE_CHARACTERS
        self._problem(code, f"the {tag} at position {position} cannot be read, so the rest of the file "
                      f"was not read: {exc.reason}", position, tag)

    # ------------------------------------------------------------------ problems
    def _stray(self, rows: list[Segment], a: int, b: int, base: int) -> None:
        """Segments outside any message: one problem per uninterrupted run of them."""
        after_unz = self.unz is not None
        for k in range(a, b):
            tag = rows[k].tag[:20]  # garbage without separators is one long "tag"
            position = base + k + 1
            run = self.stray
            if run is not None and position == run.position + run.count and run.after_unz == after_unz:
                run.count += 1
                run.problem.message = run.describe()
                continue
            run = _StrayRun(tag=tag, position=position, after_unz=after_unz)
            run.problem = self._problem(INVALID_OCCURRENCE_OUTSIDE, run.describe(), position, tag)
            self.stray = run

    def _problem(self, code: str, message: str, position: int, tag: str | None,
                 element: int | None = None, component: int | None = None, ref: str | None = None,
                 bad_value: str | None = None) -> EdifactProblem:
        problem = EdifactProblem(code=code, message=message, level="interchange", segment_tag=tag,
                                 element_position=element, component_position=component,
                                 element_ref=ref, bad_value=bad_value, position=position,
                                 interchange_reference=self.reference)
        self.problems.append(problem)
        return problem

    def _group_problem(self, header: GroupHeader, code: str, message: str, position: int, tag: str,
                       element: int | None = None, ref: str | None = None,
                       bad_value: str | None = None) -> EdifactProblem:
        return EdifactProblem(code=code, message=message, level="group", segment_tag=tag,
                              element_position=element, component_position=1 if element else None,
                              element_ref=ref, bad_value=bad_value, position=position,
                              interchange_reference=self.reference)

    def _message_problem(self, msg: _OpenMessage, code: str, message: str, position: int,
                         tag: str | None, in_message: int, *, element: int | None = None,
                         component: int | None = None, ref: str | None = None,
                         bad_value: str | None = None) -> EdifactProblem:
        return EdifactProblem(code=code, message=message, level="message", segment_tag=tag,
                              segment_position=in_message, element_position=element,
                              component_position=component, element_ref=ref, bad_value=bad_value,
                              position=position, interchange_reference=self.reference,
                              message_reference=msg.reference or None)


def _count_code(declared: str) -> str:
    """A UNE/UNZ count that does not match: missing (13), not a number (12) or wrong (29)."""
    if not declared:
        return MISSING
    return CONTROL_COUNT_MISMATCH if _is_digits(declared) else INVALID_VALUE


def _is_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()
