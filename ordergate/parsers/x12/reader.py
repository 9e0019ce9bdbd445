"""Reading X12 interchanges as a stream of envelope and transaction-set events, with envelope checks.

``iter_x12`` walks the text in chunks of about a megabyte, cut at a segment terminator and
never across an ISA (each ISA brings its own delimiters), and holds at most one transaction
set's segments beyond the current chunk. Segments are split with bulk ``str.split``; only the
envelope segments (ISA GS ST SE GE IEA) get individual attention.

Envelope problems never raise once the first ISA was read: they are reported as ``X12Problem``
on the narrowest event they concern (transaction set, group end, interchange end), so one bad
transaction set never sinks its neighbours. Problem positions count segments from the ISA of
their interchange (ISA = 1), as do ``GroupHeader.position`` and ``TransactionSet.position``;
``InterchangeHeader.position`` counts from the start of the file.
"""

from __future__ import annotations

import codecs
import mmap
from collections.abc import Iterator
from dataclasses import dataclass, field

from ordergate import buffers
from ordergate.errors import ParseError
from ordergate.parsers.edi_limits import (
    OVERSIZED_PREFIX,
    EdiLimits,
    check_budget,
    count_starts,
)
from ordergate.parsers.x12.types import (
    Delimiters,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Segment,
    TransactionSet,
    X12Event,
    X12Problem,
)

CHUNK_SIZE = 1 << 20
WHITESPACE = " \t\r\n"
LINE_BREAKS = "\r\n"
ENVELOPE = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
# Interchange-level segments that stand outside any group: TA1/TA3 acknowledgements and the
# ISB/ISE interchange services segments.
INTERCHANGE_SEGMENTS = frozenset({"TA1", "TA3", "ISB", "ISE"})
# Far more than an ISA needs (106 characters, a few more with NBSP padding or a wrapped line).
MAX_ISA_LENGTH = 400
MAX_ISA_VALUE = 15  # the widest ISA fields (ISA06, ISA08) once their padding is stripped
# Used when a sender left ISA16 out: any character that is not another delimiter will do.
FALLBACK_COMPONENTS = ">:^|\\"
REPETITION_FROM_VERSION = "00402"


def decode_x12(data: bytes) -> str:
    """UTF-8 (BOM dropped), or latin-1 when the bytes are not UTF-8: never raises."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_delimiters(text: str, start: int = 0) -> tuple[Delimiters, int]:
    """The delimiters of the ISA at ``start``, and the index just after its segment terminator."""
    isa = _read_isa(text, start)
    return isa.delimiters, isa.end


def iter_x12(data: str | buffers.Buffer, limits: EdiLimits | None = None) -> Iterator[X12Event]:
    """Stream the events of every interchange in ``data``, in file order.

    ``data`` is text, or bytes (or a memory-mapped file) decoded a chunk at a time, so that a
    large interchange is never in memory twice (``_Source``). Raises ``ParseError`` at once
    when the data does not start with a readable ISA; after that every problem is reported on
    the events instead. ``limits`` bounds segments, sets and time (``edi_limits``); past its
    time budget ``BudgetExceeded`` is raised between two chunks.
    """
    source = _Source.of(data)
    start = source.skip_leading()
    if not source.startswith_isa(start):
        found = source.text(start, start + 20)
        raise ParseError(f"not an X12 interchange: expected ISA at the start, found {found!r}"
                         if found else "not an X12 interchange: the document is empty", position=1)
    return _iter_events(source, source.read_isa(start), limits or EdiLimits())


def count_interchanges(data: str | buffers.Buffer, limits: EdiLimits) -> int:
    """How many interchanges ``iter_x12`` would open, counted up to one past
    ``limits.max_interchanges``: the ISAs it would read, found by the same search, without
    reading what lies between them. 0 when the data does not start with a readable ISA."""
    source = _Source.of(data)

    def isa_at(position: int) -> _Isa | None:
        try:
            return source.read_isa(position)
        except ParseError:
            return None  # the reader reports it, or stops there too

    def following(isa: _Isa) -> _Isa | None:
        position = source.find_isa(isa.end, isa.delimiters.segment)
        return isa_at(position) if position < source.length else None

    return count_starts(isa_at(source.skip_leading()), following, limits)


# --------------------------------------------------------------------------------- the source
# Bytes are searched and released in windows of this size (see ``_Source``).
WINDOW = buffers.WINDOW
# An ISA, and the line after it that ``_line_ends_with`` looks at, lie within this much text.
ISA_WINDOW = MAX_ISA_LENGTH + 4096 + 8


class _Source:
    """The document as the reader walks it: a ``str``, or a bytes-like buffer (``bytes`` or an
    ``mmap`` of the file) of which only the chunk being split is decoded.

    Bytes are decoded as UTF-8 when all of them are valid UTF-8, else as latin-1 (what
    ``decode_x12`` does with a whole document). The buffer is searched with the same
    operations as text (delimiters are ASCII, or one byte in latin-1, so a cut at a
    terminator never splits a character); positions are byte offsets. For an ``mmap`` the
    pages behind the reader are given back (``madvise``): they stay in the page cache but stop
    counting in the process's memory, so a 100 MB interchange does not make a 100 MB process.
    A UTF-8 document whose head is not ASCII (a multi-byte character in the ISA, whose fixed
    width is counted in characters) is decoded whole, as before."""

    __slots__ = ("data", "encoding", "length", "_mapped", "_released")

    def __init__(self, data, encoding: str | None) -> None:
        self.data = data
        self.encoding = encoding  # None: ``data`` is text
        self.length = len(data)
        self._mapped = buffers.is_mapped(data)
        self._released = 0

    @classmethod
    def of(cls, data) -> _Source:
        if isinstance(data, str):
            return cls(data, None)
        encoding = _encoding_of(data)
        start = 3 if data[:3] == b"\xef\xbb\xbf" else 0
        if encoding == "utf-8" and not bytes(data[start:start + ISA_WINDOW]).isascii():
            return cls(decode_x12(bytes(data)), None)
        return cls(data, encoding)  # a BOM is skipped with the leading whitespace

    # ------------------------------------------------------------------ reading
    def text(self, a: int, b: int) -> str:
        chunk = self.data[a:b]
        return chunk if self.encoding is None else bytes(chunk).decode(self.encoding, "replace")

    def skip_leading(self) -> int:
        data, n = self.data, self.length
        if self.encoding is None:
            return _skip_leading(data)
        i = 3 if data[:3] == b"\xef\xbb\xbf" else 0
        while i < n and data[i:i + 1] in (b" ", b"\t", b"\r", b"\n"):
            i += 1
        return i

    def startswith_isa(self, start: int) -> bool:
        return self.data[start:start + 3] in ("ISA", b"ISA")

    def read_isa(self, start: int) -> _Isa:
        if self.encoding is None:
            return _read_isa(self.data, start)
        # latin-1 gives one character per byte, so positions in the window are offsets
        window = bytes(self.data[start:start + ISA_WINDOW]).decode("latin-1")
        isa = _read_isa(window, 0, offset=start)
        isa.end += start
        return isa

    def find_isa(self, pos: int, term: str) -> int:
        if self.encoding is None:
            return _find_isa(self.data, pos, term)
        term_b = term.encode("latin-1")
        data, n = self.data, self.length
        i = pos
        while i < n:  # window by window, so that a long search maps no more than one window
            stop = min(n, i + WINDOW)
            j = data.find(b"ISA", i, min(n, stop + 2))
            while j != -1:
                k = j - 1
                while k >= pos and data[k:k + 1] in (b" ", b"\t", b"\r", b"\n") \
                        and data[k:k + 1] != term_b:
                    k -= 1
                if k < pos or data[k:k + 1] == term_b:
                    return j
                j = data.find(b"ISA", j + 3, min(n, stop + 2))
            self._drop(i, stop)
            i = stop
        return n

    def next_cut(self, pos: int, stop: int, term: str, longest: int) -> tuple[int, tuple[int, int] | None]:
        if self.encoding is None:
            return _next_cut(self.data, pos, stop, term, longest)
        return _next_cut(self.data, pos, stop, term.encode("latin-1"), longest)

    def split(self, a: int, b: int, term: str, elem: str) -> list[Segment]:
        rows = _split_chunk(self.text(a, b), term, elem)
        self.release(b)
        return rows

    # ------------------------------------------------------------------ memory
    def release(self, upto: int) -> None:
        """Done with everything before ``upto``: a mapped file's pages there are given back."""
        if self._mapped and upto - self._released >= WINDOW:
            self._drop(self._released, upto)
            self._released = upto - upto % mmap.PAGESIZE

    def _drop(self, a: int, b: int) -> None:
        if self._mapped:
            buffers.release(self.data, a, b)


def _encoding_of(data) -> str:
    """"utf-8" when every byte of ``data`` is valid UTF-8, else "latin-1"; read in windows,
    ASCII windows at C speed, without ever decoding the whole document."""
    if isinstance(data, bytes) and data.isascii():
        return "utf-8"
    decoder = None
    try:
        for window in buffers.windows(data, WINDOW):
            if decoder is None and window.isascii():
                continue
            decoder = decoder or codecs.getincrementaldecoder("utf-8")()
            decoder.decode(window)
        if decoder is not None:
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


# ------------------------------------------------------------------------------------- the ISA
@dataclass(slots=True)
class _Isa:
    delimiters: Delimiters
    end: int
    elements: Segment  # "ISA", ISA01..ISA16, padding stripped
    problems: list[X12Problem] = field(default_factory=list)


def _read_isa(text: str, start: int, offset: int = 0) -> _Isa:
    """The ISA at ``start`` in ``text``, which may be a window that starts ``offset``
    characters into the document (positions in messages count from the document's start)."""
    def fail(reason: str) -> ParseError:
        return ParseError(f"cannot read the ISA at character {start + offset}: {reason}",
                          position=1, segment_id="ISA")

    if not text.startswith("ISA", start):
        raise fail(f"found {text[start:start + 20]!r}")
    n = len(text)
    elem = text[start + 3:start + 4]
    if not elem or elem.isalnum() or elem in WHITESPACE:
        raise fail(f"the element separator after 'ISA' is {elem!r}; it must not be a letter, digit or space")
    limit = min(n, start + MAX_ISA_LENGTH)
    values: list[str] = []
    i = start + 4
    while len(values) < 15:
        j = text.find(elem, i, limit)
        if j == -1:
            raise fail(f"it has {len(values) + 1} elements, not 16")
        value = text[i:j]
        if "\n" in value or "\r" in value:
            value = _unwrap_isa_value(value, len(values), fail)
        if len(value.strip()) > MAX_ISA_VALUE:
            raise fail(f"ISA{len(values) + 1:02d} {value.strip()[:30]!r} is too long for an ISA field; "
                       f"are the element separators consistent?")
        values.append(value)
        i = j + 1
    component = text[i:i + 1]
    if not component or component in LINE_BREAKS:
        raise fail("ISA16 (component separator) is missing")
    term, end = _terminator_after(text, i + 1)
    if not term:
        raise fail("the file ends before the segment terminator")
    elements = ["ISA", *(v.strip() for v in values), component]
    problems: list[X12Problem] = []
    if term in LINE_BREAKS and _line_ends_with(text, end, term, component, elem):
        # "...*P*~" + line break, and the next line ends with "~" too: ISA16 was left out
        # and "~" is the terminator (seen in real files); the line breaks are whitespace.
        term, end = component, i + 1
        component = next(c for c in FALLBACK_COMPONENTS if c not in (elem, term))
        elements[16] = ""
        problems.append(X12Problem(
            level="interchange", code="027", position=1, segment_id="ISA",
            message=f"ISA16 (component separator) is missing: {term!r} read as the segment terminator",
            interchange_control=elements[13]))
    if term.isalnum():
        raise fail(f"the segment terminator after ISA16 is {term!r}, a letter or digit")
    if term == elem or component == elem:
        raise fail(f"the element separator {elem!r} is also used as segment terminator or component separator")
    if term == component:
        raise fail(f"the component separator {component!r} is also the segment terminator")
    return _Isa(Delimiters(elem, component, _repetition(elements, (elem, component, term)), term),
                end, elements, problems)


def _unwrap_isa_value(value: str, index: int, fail) -> str:
    """A line break inside the ISA: a file wrapped at a fixed width, or an ISA cut short."""
    tail = value.replace("\r", "\n").rsplit("\n", 1)[1].strip()
    if tail in ENVELOPE:
        raise fail(f"it ends after {index + 1} elements, before the {tail} segment")
    return value.replace("\r", "").replace("\n", "")


def _terminator_after(text: str, k: int) -> tuple[str, int]:
    term = text[k:k + 1]
    if term in (" ", "\t"):
        # Padding after ISA16 and then a line break (pretty-printed files): the line break is
        # the terminator, a space never is one when a line break follows.
        m = k
        while text[m:m + 1] in (" ", "\t"):
            m += 1
        if text[m:m + 1] in ("\r", "\n"):
            k, term = m, text[m]
    if term == "\r" and text[k + 1:k + 2] == "\n":
        return "\n", k + 2
    return term, k + 1


def _line_ends_with(text: str, end: int, term: str, char: str, elem: str) -> bool:
    """Whether the line after the ISA ends with ``char`` (and not as an element of its own)."""
    if char.isalnum() or char in WHITESPACE:
        return False
    stop = text.find(term, end, end + 4096)
    line = text[end:stop if stop != -1 else end + 4096].rstrip(WHITESPACE)
    # "GS*...*004010~" ends with the character; "TA1>...>006>+" is an element that holds it.
    return len(line) > 1 and line[-1] == char and line[-2] != elem


def _repetition(isa: Segment, others: tuple[str, ...]) -> str | None:
    isa11, version = isa[11], isa[12]
    if version >= REPETITION_FROM_VERSION and len(isa11) == 1 and not isa11.isalnum() and isa11 not in others:
        return isa11
    return None


def _skip_leading(text: str) -> int:
    i = 1 if text.startswith("\ufeff") else 0
    n = len(text)
    while i < n and text[i] in WHITESPACE:
        i += 1
    return i


def _find_isa(text: str, pos: int, term: str) -> int:
    """Index of the next ISA that starts a segment (after ``term`` and whitespace), or len(text)."""
    i = text.find("ISA", pos)
    while i != -1:
        j = i - 1
        while j >= pos and text[j] in WHITESPACE and text[j] != term:
            j -= 1
        if j < pos or text[j] == term:
            return i
        i = text.find("ISA", i + 3)
    return len(text)


# --------------------------------------------------------------------------------- splitting
def _split_chunk(chunk: str, term: str, elem: str) -> list[Segment]:
    # Line breaks are whitespace unless they terminate segments; inside a segment they come
    # from files wrapped at a fixed width, so they are removed, not replaced.
    if term == "\n":
        if "\r" in chunk:
            chunk = chunk.replace("\r", "")
    elif term == "\r":
        if "\n" in chunk:
            chunk = chunk.replace("\n", "")
    else:
        if "\n" in chunk:
            chunk = chunk.replace("\n", "")
        if "\r" in chunk:
            chunk = chunk.replace("\r", "")
    parts = chunk.split(term)
    # Two-character searches cost as much as the split itself, so tabs (one memchr) go first.
    if ("\t" in chunk or chunk[:1] == " " or chunk[-1:] == " " or term + " " in chunk
            or " " + term in chunk):
        parts = [p.strip(" \t") for p in parts]
    if parts[-1] == "":  # a chunk ends with a terminator
        parts.pop()
    if "" in parts:
        parts = [p for p in parts if p]
    return [p.split(elem) for p in parts]


def _next_cut(text: str, pos: int, stop: int, term: str, longest: int) -> tuple[int, tuple[int, int] | None]:
    """Where the chunk from ``pos`` ends, and the first segment in it longer than ``longest``
    characters as (start, index after its terminator), or None.

    A chunk ends at the first terminator after ``CHUNK_SIZE`` characters, looked for no further
    than ``longest`` characters on, so one giant segment never makes a giant chunk. A segment
    inside the chunk that is too long is found with a few searches, not a look at each
    segment: every window of ``longest // 2`` characters (aligned on ``pos``) that holds no
    terminator lies inside a segment at least that long, and any segment longer than
    ``longest`` holds such a window. Only those segments are measured.
    """
    end = pos + CHUNK_SIZE
    oversized = None
    if end >= stop:
        end = stop
    else:
        cut = text.find(term, end, min(stop, end + longest + 1))
        if cut != -1:
            end = cut + 1
        elif end + longest + 1 >= stop:
            end = stop
        else:  # the segment across ``end`` runs on for more than ``longest`` characters
            a = text.rfind(term, pos, end) + 1 or pos
            b = text.find(term, end + longest, stop)
            oversized = (a, stop if b == -1 else b + 1)
            end = a
    step = max(1, longest // 2)
    i = pos
    while i + step <= end:
        if text.find(term, i, i + step) != -1:
            i += step
            continue
        a = text.rfind(term, pos, i) + 1 or pos
        b = text.find(term, i, stop)
        if b == -1:
            b = stop
        if b - a > longest:
            return a, (a, b if b == stop else b + 1)
        i = b + 1
    return end, oversized


# ---------------------------------------------------------------------------------- events
def _iter_events(source: _Source, isa: _Isa, limits: EdiLimits) -> Iterator[X12Event]:
    file_position = 1
    budget = limits.budget
    longest = limits.max_segment_chars
    while True:
        reader = _InterchangeReader(isa, file_position, limits.max_set_segments)
        yield reader.header
        term = isa.delimiters.segment
        elem = isa.delimiters.element
        pos = isa.end
        next_isa = source.find_isa(pos, term)
        while pos < next_isa:
            cut, oversized = source.next_cut(pos, next_isa, term, longest)
            if cut > pos:
                yield from reader.feed(source.split(pos, cut, term, elem))
            if oversized is not None:  # never split: only its start is read, to report it
                a, b = oversized
                rows = _split_chunk(source.text(a, a + OVERSIZED_PREFIX), term, elem)
                yield from reader.oversized(rows[0] if rows else [""], b - a, longest)
                cut = b
            pos = cut
            check_budget(budget, "reading the interchange")
        isa = None
        if next_isa < source.length:
            try:
                isa = source.read_isa(next_isa)
            except ParseError as exc:
                reader.unreadable_isa(exc)
        yield from reader.finish(next_isa_follows=isa is not None)
        if isa is None:
            return
        # Also between interchanges: a file of bare ISAs never reaches the per-chunk check.
        check_budget(budget, "reading the interchange")
        file_position += reader.count


@dataclass(slots=True)
class _OpenSet:
    st: Segment
    position: int
    group: GroupHeader | None  # None: an ST outside any group, skipped to its SE
    begin: int  # index of its first segment in the current chunk's rows
    carried: list[Segment] | None = None  # its segments from earlier chunks
    problems: list[X12Problem] = field(default_factory=list)
    # Over a size limit: rejected, and its segments are counted (for the SE01 check) but no
    # longer held.
    dropped: int = 0
    discard: bool = False


@dataclass(slots=True)
class _OpenGroup:
    header: GroupHeader
    sets: int = 0
    controls: set[str] = field(default_factory=set)
    problems: list[X12Problem] = field(default_factory=list)


class _InterchangeReader:
    """The envelope state of one interchange, fed chunk by chunk."""

    def __init__(self, isa: _Isa, file_position: int, max_set_segments: int) -> None:
        self.max_set_segments = max_set_segments
        self.header = InterchangeHeader(isa=isa.elements, delimiters=isa.delimiters, position=file_position)
        self.control = isa.elements[13]
        self.problems = list(isa.problems)
        self.count = 1  # segments read so far, the ISA included
        self.groups = 0
        self.group: _OpenGroup | None = None
        self.tx: _OpenSet | None = None
        self.ended = False  # IEA seen
        self.service_segments = 0  # TA1s outside groups
        self.stray: _StrayRun | None = None
        self.out: list[X12Event] = []  # events the handlers produced, yielded by feed()

    # The hot path: one call per chunk, Python work only at envelope segments.
    def feed(self, rows: list[Segment]) -> Iterator[X12Event]:
        base = self.count
        envelope = ENVELOPE
        marks = [k for k, row in enumerate(rows) if row[0] in envelope]
        out = self.out
        done = 0  # rows before this index are dealt with
        for k in marks:
            if self.ended:
                break
            if k > done and self.tx is None:
                self._stray(rows, done, k, base)
            tag = rows[k][0]
            position = base + k + 1
            if tag == "ST":
                self._start_set(rows, k, position)
            elif tag == "SE":
                self._end_set(rows, k, position)
            elif tag == "GS":
                self._start_group(rows, k, position)
            elif tag == "GE":
                self._end_group(rows, k, position)
            elif tag == "IEA":
                self._end_interchange(rows, k, position)
            else:  # "ISA" not taken for an interchange start: reported, never dropped silently
                self._stray(rows, k, k + 1, base)
            done = k + 1
            if out:
                yield from out
                out.clear()
        tx = self.tx
        if tx is None:
            if done < len(rows):
                self._stray(rows, done, len(rows), base)
        else:  # the open set goes on in the next chunk
            tail = rows[tx.begin:]
            if tx.discard:
                tx.dropped += len(tail)
            else:
                carried = tail if tx.carried is None else tx.carried + tail
                if len(carried) > self.max_set_segments:
                    self._too_many(tx, carried)
                else:
                    tx.carried = carried
            tx.begin = 0
        self.count = base + len(rows)

    def oversized(self, row: Segment, length: int, limit: int) -> Iterator[X12Event]:
        """A segment of ``length`` characters, over ``limit``: ``row`` is read from its first
        characters only. It counts as one segment; the set it is in is rejected."""
        tag = row[0][:20]
        position = self.count + 1
        # The element that is cut where the segment passes the limit is "too long" (AK4 5).
        element = max(1, len(row) - 1)
        message = (f"segment {tag!r} at position {position} is {length} characters long, more "
                   f"than the {limit} allowed (ORDERGATE_EDI_MAX_SEGMENT_BYTES): its "
                   f"transaction set is rejected unread")
        tx = self.tx
        if tx is not None and tag not in ("ST", "GS", "GE", "IEA", "ISA"):
            self._segment_too_long(tx, tag, position, element, message)
            yield from self.feed([row])
            return
        yield from self.feed([row])
        if tag == "ST" and self.tx is not None:
            self._segment_too_long(self.tx, tag, position, element, message)
        else:
            self._problem("024", message.replace("its transaction set is", "it is"), position, tag)

    def _segment_too_long(self, tx: _OpenSet, tag: str, position: int, element: int,
                          message: str) -> None:
        problem = self._set_problem(tx, "5", message, position, tag, position - tx.position + 1)
        problem.segment_code = "8"  # AK3: segment has data element errors
        problem.element_position, problem.element_code = element, "5"  # AK4: too long
        tx.problems.append(problem)
        self._discard(tx)

    def _too_many(self, tx: _OpenSet, segments: list[Segment]) -> None:
        """The set has more segments than allowed: rejected, the first one past the limit named
        (AK3 5, "segment exceeds maximum use"), and none of them held from now on."""
        limit = self.max_set_segments
        tag = segments[limit][0][:20] if len(segments) > limit else ""
        control = tx.st[2] if len(tx.st) > 2 else ""
        problem = self._set_problem(
            tx, "5", f"transaction set {control} has more than {limit} segments "
            f"(ORDERGATE_EDI_MAX_SET_SEGMENTS): rejected unread; ask the partner to split it",
            tx.position + limit, tag or None, limit + 1)
        problem.segment_code = "5"
        tx.problems.append(problem)
        tx.carried = None  # ``segments`` holds them all: counted once, here
        tx.dropped += len(segments)
        tx.discard = True

    @staticmethod
    def _discard(tx: _OpenSet) -> None:
        if not tx.discard:
            tx.discard = True
            tx.dropped += len(tx.carried) if tx.carried else 0
        tx.carried = None

    def _held(self, tx: _OpenSet, segments: list[Segment], trailer: Segment | None) -> list[Segment]:
        """What a closing set keeps: all its segments, or only its ST (and SE) once it is
        rejected for its size (its count was checked with ``tx.dropped`` added)."""
        if not tx.discard and len(segments) > self.max_set_segments:
            self._too_many(tx, segments)
        if tx.discard:
            return [tx.st] if trailer is None else [tx.st, trailer]
        return segments

    # ------------------------------------------------------------------ transaction sets
    def _start_set(self, rows: list[Segment], k: int, position: int) -> None:
        if self.tx is not None:
            self._close_set(rows, k, position, "ST")
        st = rows[k]
        group = self.group
        tx = _OpenSet(st=st, position=position, group=group.header if group else None, begin=k)
        self.tx = tx
        set_id = st[1] if len(st) > 1 else ""
        control = st[2] if len(st) > 2 else ""
        if group is None:
            self._problem("022", f"transaction set {set_id} {control} at position {position} is outside "
                          "any functional group (no GS before it): not read", position, "ST",
                          transaction_control=control or None)
            return
        group.sets += 1
        if not (len(set_id) == 3 and _is_digits(set_id)):
            tx.problems.append(self._set_problem(
                tx, "6", f"ST01 {set_id!r} is not a transaction set identifier (3 digits)" if set_id
                else "ST01 (transaction set identifier) is missing", position, "ST", 1,
                element=(1, "143", "7" if set_id else "1", set_id)))
        if not 4 <= len(control) <= 9:
            tx.problems.append(self._set_problem(
                tx, "7", f"ST02 {control!r} must be 4 to 9 characters" if control
                else "ST02 (transaction set control number) is missing", position, "ST", 1,
                element=(2, "329", ("4" if len(control) < 4 else "5") if control else "1", control)))
        elif control in group.controls:
            tx.problems.append(self._set_problem(
                tx, "23", f"ST02 {control} is already used by an earlier transaction set of group "
                f"{group.header.control_number}", position, "ST", 1))
        else:
            group.controls.add(control)

    def _end_set(self, rows: list[Segment], k: int, position: int) -> None:
        tx = self.tx
        if tx is None:
            self._problem("022", f"SE at position {position} ends no transaction set (no ST before it)",
                          position, "SE")
            return
        self.tx = None
        segments = rows[tx.begin:k + 1]
        if tx.carried:
            segments = tx.carried + segments
        if tx.group is None:
            return
        se = rows[k]
        count = len(segments) + tx.dropped
        declared = se[1] if len(se) > 1 else ""
        if declared != str(count) and not (_is_digits(declared) and int(declared) == count):
            tx.problems.append(self._set_problem(
                tx, "4", f"SE01 says {declared} segments but the transaction set has {count}" if declared
                else f"SE01 (number of included segments) is missing; the transaction set has {count}",
                position, "SE", count, bad_value=declared))
        control = tx.st[2] if len(tx.st) > 2 else ""
        se02 = se[2] if len(se) > 2 else ""
        if se02 != control:
            tx.problems.append(self._set_problem(
                tx, "3", f"SE02 {se02!r} does not match ST02 {control!r}", position, "SE", count,
                bad_value=se02))
        self._emit(tx, control, self._held(tx, segments, se))

    def _close_set(self, rows: list[Segment] | None, k: int, position: int,
                   came: str | None) -> None:
        """The open set's SE never came; ``came`` did instead (None: the interchange's text ended)."""
        tx = self.tx
        self.tx = None
        segments = tx.carried or []
        if rows is not None:
            segments = segments + rows[tx.begin:k]
        if tx.group is None:
            return
        instead = f"{came} at position {position} came first" if came else "the interchange ends first"
        control = tx.st[2] if len(tx.st) > 2 else ""
        tx.problems.append(self._set_problem(
            tx, "2", f"transaction set {control} has no SE trailer: {instead}", position, "SE",
            len(segments) + tx.dropped + 1))
        self._emit(tx, control, self._held(tx, segments, None))

    def _emit(self, tx: _OpenSet, control: str, segments: list[Segment]) -> None:
        self.out.append(TransactionSet(set_id=tx.st[1] if len(tx.st) > 1 else "", control_number=control,
                                       segments=segments, position=tx.position, group=tx.group,
                                       problems=tx.problems))

    # ------------------------------------------------------------------ functional groups
    def _start_group(self, rows: list[Segment], k: int, position: int) -> None:
        if self.tx is not None:
            self._close_set(rows, k, position, "GS")
        if self.group is not None:
            self._close_group(position, "GS")
        self.groups += 1
        header = GroupHeader(gs=rows[k], position=position, interchange=self.header)
        group = _OpenGroup(header)
        control = header.control_number
        if not _is_control_number(control):
            group.problems.append(self._group_problem(
                header, "6", f"GS06 {control!r} is not a group control number (1 to 9 digits)",
                position, "GS", bad_value=control))
        self.group = group
        self.out.append(header)

    def _end_group(self, rows: list[Segment], k: int, position: int) -> None:
        if self.tx is not None:
            self._close_set(rows, k, position, "GE")
        group = self.group
        if group is None:
            self._problem("022", f"GE at position {position} ends no functional group (no GS before it)",
                          position, "GE")
            return
        self.group = None
        header = group.header
        ge = rows[k]
        declared = ge[1] if len(ge) > 1 else ""
        if not (_is_digits(declared) and int(declared) == group.sets):
            group.problems.append(self._group_problem(
                header, "5", f"GE01 says {declared} transaction sets but the group has {group.sets}"
                if declared else f"GE01 (number of transaction sets) is missing; the group has {group.sets}",
                position, "GE", bad_value=declared))
        ge02 = ge[2] if len(ge) > 2 else ""
        if not _same_number(ge02, header.control_number):
            group.problems.append(self._group_problem(
                header, "4", f"GE02 {ge02!r} does not match GS06 {header.control_number!r}",
                position, "GE", bad_value=ge02))
        self.out.append(GroupEnd(group=header, transaction_count=group.sets, problems=group.problems))

    def _close_group(self, position: int, came: str | None) -> None:
        group = self.group
        self.group = None
        instead = f"{came} at position {position} came first" if came else "the interchange ends first"
        group.problems.append(self._group_problem(
            group.header, "3", f"functional group {group.header.control_number} has no GE trailer: "
            f"{instead}", position, "GE"))
        self.out.append(GroupEnd(group=group.header, transaction_count=group.sets, problems=group.problems))

    # ------------------------------------------------------------------ the interchange
    def _end_interchange(self, rows: list[Segment], k: int, position: int) -> None:
        if self.tx is not None:
            self._close_set(rows, k, position, "IEA")
        if self.group is not None:
            self._close_group(position, "IEA")
        self.ended = True
        iea = rows[k]
        declared = iea[1] if len(iea) > 1 else ""
        # Some senders count the TA1s of an interchange that holds nothing else; tolerated.
        counted = self.groups or self.service_segments
        if not (_is_digits(declared) and int(declared) in (self.groups, counted)):
            self._problem("021", f"IEA01 says {declared} functional groups but the interchange has "
                          f"{self.groups}" if declared else
                          f"IEA01 (number of groups) is missing; the interchange has {self.groups}",
                          position, "IEA", bad_value=declared)
        iea02 = iea[2] if len(iea) > 2 else ""
        if not _same_number(iea02, self.control):
            self._problem("001", f"IEA02 {iea02!r} does not match ISA13 {self.control!r}",
                          position, "IEA", bad_value=iea02)

    def finish(self, next_isa_follows: bool) -> list[X12Event]:
        """The interchange's text is over: close what is still open and report the interchange."""
        position = self.count + 1
        came = "ISA" if next_isa_follows else None
        if not self.ended:
            if self.tx is not None:
                self._close_set(None, 0, position, came)
            if self.group is not None:
                self._close_group(position, came)
            instead = (f"the next ISA (position {position}) came first" if came
                       else f"the file ends after position {self.count}")
            self._problem("023", f"interchange {self.control} has no IEA trailer: {instead}",
                          position, "IEA")
        self.out.append(InterchangeEnd(interchange=self.header, group_count=self.groups, problems=self.problems))
        return self.out

    def unreadable_isa(self, exc: ParseError) -> None:
        position = self.count + 1
        self._problem("024", f"the ISA at position {position} cannot be read, so the rest of the file "
                      f"was not read: {exc.reason}", position, "ISA")

    # ------------------------------------------------------------------ problems
    def _stray(self, rows: list[Segment], a: int, b: int, base: int) -> None:
        """Segments outside any transaction set: one problem per uninterrupted run of them."""
        for k in range(a, b):
            tag = rows[k][0][:20]  # garbage without element separators is one long "id"
            if tag in INTERCHANGE_SEGMENTS and self.group is None and not self.ended:
                self.service_segments += tag == "TA1"
                continue
            position = base + k + 1
            run = self.stray
            if run is not None and position == run.next_position:
                run.count += 1
                run.next_position += 1
                run.problem.message = run.describe()
                continue
            run = _StrayRun(tag=tag, position=position, after_iea=self.ended)
            run.problem = self._problem("022" if tag in ENVELOPE else "024", run.describe(), position, tag)
            self.stray = run

    def _problem(self, code: str, message: str, position: int, segment_id: str | None,
                 **details) -> X12Problem:
        group = self.group.header.control_number if self.group else None
        problem = X12Problem(level="interchange", code=code, message=message, position=position,
                             segment_id=segment_id, interchange_control=self.control,
                             group_control=group, **details)
        self.problems.append(problem)
        return problem

    def _group_problem(self, header: GroupHeader, code: str, message: str, position: int,
                       segment_id: str, bad_value: str | None = None) -> X12Problem:
        return X12Problem(level="group", code=code, message=message, position=position,
                          segment_id=segment_id, bad_value=bad_value, interchange_control=self.control,
                          group_control=header.control_number)

    def _set_problem(self, tx: _OpenSet, code: str, message: str, position: int, segment_id: str,
                     in_set: int, bad_value: str | None = None,
                     element: tuple[int, str, str, str] | None = None) -> X12Problem:
        problem = X12Problem(level="transaction", code=code, message=message, position=position,
                             segment_id=segment_id, segment_position_in_set=in_set, bad_value=bad_value,
                             interchange_control=self.control,
                             group_control=tx.group.control_number if tx.group else None,
                             transaction_control=(tx.st[2] if len(tx.st) > 2 else "") or None)
        if element is not None:
            # An ST element error: AK3 "segment has data element errors" with its AK4 detail.
            problem.segment_code = "8"
            problem.element_position, problem.element_ref, problem.element_code, problem.bad_value = element
        return problem


@dataclass(slots=True)
class _StrayRun:
    tag: str
    position: int
    after_iea: bool
    count: int = 1
    next_position: int = 0
    problem: X12Problem | None = None

    def __post_init__(self) -> None:
        self.next_position = self.position + 1

    def describe(self) -> str:
        where = "after the IEA trailer" if self.after_iea else "outside any transaction set"
        if self.count == 1:
            return f"segment {self.tag!r} at position {self.position} is {where}"
        return f"{self.count} segments from {self.tag!r} at position {self.position} on are {where}"


def _is_control_number(value: str) -> bool:
    return 1 <= len(value) <= 9 and _is_digits(value)


def _same_number(trailer: str, header: str) -> bool:
    """Trailer and header control numbers (N0) are equal as numbers: "0001" matches "1"."""
    if trailer == header:
        return True
    # Compared as text: int() of a few thousand digits is refused (or slow) by Python.
    return (_is_digits(trailer) and _is_digits(header)
            and trailer.lstrip("0") == header.lstrip("0"))


def _is_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()
