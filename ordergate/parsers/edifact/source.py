"""Finding EDIFACT interchanges in raw bytes: where each starts, its separators, and its text.

An interchange starts at a UNA or UNB that begins a segment (or, at the start of a file, a
UNH). Its separators come from the UNA, or else from the defaults, or else from what the UNB
shows (reported). Its syntax identifier (UNB S001 0001) is read from the bytes, ASCII in every
repertoire EDIFACT uses, and only then is the interchange decoded with the character set it
names (``types.CHARSETS``):

- bytes that fit the declared set are read with it;
- bytes that are valid UTF-8 where a single-byte set (UNOA to UNOL) is declared are read as
  UTF-8, the usual mistake, and noted (code 21);
- non-ASCII bytes that are not UTF-8 in UNOA/UNOB are read as ISO 8859-1, and bytes a declared
  set cannot decode are replaced by U+FFFD, both noted (code 21);
- an identifier that is not UNOA to UNOY (IATB, XXXA, "") is read as ASCII, else UTF-8, else
  ISO 8859-1; the reader reports the identifier itself (code 2, or 13 when missing).

Offsets are byte offsets: ``Source.scan`` is the bytes read as ISO 8859-1, one character each.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ordergate.errors import ParseError
from ordergate.parsers.edifact.tokens import (
    WHITESPACE,
    find_terminator,
    read_una,
    split_segments,
    terminator_is_released,
)
from ordergate.parsers.edifact.types import (
    CHARSETS,
    DEFAULT_DELIMITERS,
    INVALID_DECIMAL_NOTATION,
    INVALID_SERVICE_CHARACTERS,
    Delimiters,
    component_of,
)

BOM = b"\xef\xbb\xbf"
STARTS = ("UNA", "UNB", "UNH")
# How far to look for the first segment terminator when no UNA names it.
MAX_HEADER = 4096
# ISO 9735 level B defaults (IS1, IS3, IS4), for a UNB whose element separator is IS3.
LEVEL_B = Delimiters(component="\x1f", element="\x1d", release=None, segment="\x1c")
_NAMES = {"ascii": "ASCII", "utf_8": "UTF-8", "iso2022_jp_2": "ISO 2022"}


def decode_edifact(content: bytes) -> str:
    """The text of ``content`` as ``iter_edifact`` reads it: each interchange decoded with the
    character set its UNB names (with the same fallbacks), the BOM dropped. Raises
    ``ParseError`` when ``content`` does not begin with a UNA, UNB or UNH."""
    source, start = open_source(content)
    pieces: list[str] = []
    while start is not None:
        end = find_next_start(source.scan, start.body + 1, start.delimiters)
        region = decode_region(source, start, end)
        pieces.append(source.scan[start.index:start.body])
        pieces.append(region.text[region.lo:region.hi])
        try:
            start = read_start(source.scan, end) if end < len(source.scan) else None
        except ParseError:
            pieces.append(source.scan[end:])  # shown as ISO 8859-1: it could not be read
            start = None
    return "".join(pieces)


@dataclass(slots=True)
class Source:
    """The input, once: the raw bytes (None when given text), and ``scan`` to search them."""

    raw: bytes | None  # None when given text
    scan: str  # the text, or the bytes read as ISO 8859-1: offsets are byte offsets
    ascii: bool  # every byte is ASCII, so every ASCII-compatible charset reads the same


@dataclass(slots=True)
class InterchangeStart:
    """Where an interchange begins: its UNA (if any), delimiters and first segment."""

    index: int
    body: int  # index of the first segment (the UNB, or a UNH when there is none)
    delimiters: Delimiters
    una: bool
    notes: list[tuple[str, str]] = field(default_factory=list)  # (code, message) before the UNB


@dataclass(slots=True)
class Region:
    """One interchange's text, ``text[lo:hi]`` from its first segment on, and how it was decoded."""

    text: str
    lo: int
    hi: int
    charset: str | None
    start: InterchangeStart
    decode_note: str | None = None


def open_source(data: bytes | str) -> tuple[Source, InterchangeStart]:
    """The source and its first interchange start; ParseError when the data does not begin
    (after a BOM and whitespace) with a readable UNA, UNB or UNH."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        source = Source(raw, raw.decode("latin-1"), raw.isascii())
        i = len(BOM) if raw.startswith(BOM) else 0
    else:
        source = Source(None, data, True)
        i = 1 if data.startswith("\ufeff") else 0
    scan = source.scan
    n = len(scan)
    while i < n and scan[i] in WHITESPACE:
        i += 1
    if not scan.startswith(STARTS, i):
        found = scan[i:i + 20]
        raise ParseError(f"not an EDIFACT interchange: expected UNA, UNB or UNH at the start, found "
                         f"{found!r}" if found else "not an EDIFACT interchange: the document is empty",
                         position=1)
    return source, read_start(scan, i)


def read_start(scan: str, i: int) -> InterchangeStart:
    """The interchange start at ``i`` (a UNA, UNB or UNH); ParseError when it cannot be read."""
    if scan.startswith("UNA", i):
        delimiters, end = read_una(scan, i)
        notes = []
        if delimiters.decimal not in ".,":
            notes.append((INVALID_DECIMAL_NOTATION, f"the UNA advises {delimiters.decimal!r} as the "
                          "decimal mark; ISO 9735 allows only '.' or ','"))
        n = len(scan)
        while end < n and scan[end] in WHITESPACE:
            end += 1
        return InterchangeStart(i, end, delimiters, True, notes)
    delimiters, notes = _infer_delimiters(scan, i)
    return InterchangeStart(i, i, delimiters, False, notes)


def _infer_delimiters(scan: str, i: int) -> tuple[Delimiters, list[tuple[str, str]]]:
    """Separators of a UNB (or UNH) without UNA: the defaults, or what the segment shows."""
    tag = scan[i:i + 3]
    elem = scan[i + 3:i + 4]
    if not _is_separator(elem):
        raise ParseError(f"cannot read the {tag} at character {i}: the element separator after "
                         f"{tag!r} is {elem!r}, a letter, digit or space", position=1, segment_id=tag)
    if elem == DEFAULT_DELIMITERS.element:
        base = DEFAULT_DELIMITERS
    elif elem == LEVEL_B.element:
        base = LEVEL_B
    else:
        comp = scan[i + 8:i + 9]
        if not (tag == "UNB" and scan[i + 4:i + 8].isalnum() and _is_separator(comp) and comp != elem):
            comp = DEFAULT_DELIMITERS.component
        base = Delimiters(component=comp, element=elem)
    delimiters = replace(base, segment=_infer_terminator(scan, i, base))
    if delimiters in (DEFAULT_DELIMITERS, LEVEL_B):
        return delimiters, []
    return delimiters, [(INVALID_SERVICE_CHARACTERS, (
        f"no UNA advises the separators and they are not the defaults: read with element separator "
        f"{delimiters.element!r}, component separator {delimiters.component!r} and segment "
        f"terminator {delimiters.segment!r}"))]


@lru_cache(maxsize=16)
def _next_tag(elem: str) -> re.Pattern[str]:
    return re.compile(r"(?:UN[GHTZ]|BGM)" + re.escape(elem))


def _infer_terminator(scan: str, i: int, base: Delimiters) -> str:
    """The character before the next UNG/UNH/UNT/UNZ/BGM: the terminator the sender used."""
    taken = {base.element, base.component, base.release, " "}
    for match in _next_tag(base.element).finditer(scan, i + 3, i + MAX_HEADER):
        j = match.start() - 1
        line_break = False
        while j > i and scan[j] in WHITESPACE:
            line_break = line_break or scan[j] in "\r\n"
            j -= 1
        char = scan[j]
        if char == base.segment or not (char.isalnum() or char in taken):
            return char
        if line_break:
            return "\n"  # one segment per line and no terminator: the line break is one
    return base.segment


def _is_separator(char: str) -> bool:
    return len(char) == 1 and not char.isalnum() and char not in WHITESPACE


_START_TAGS = re.compile("UN[AB]")


def find_next_start(scan: str, floor: int, delimiters: Delimiters) -> int:
    """Index of the next UNA or UNB that begins a segment at or after ``floor``, or len(scan)."""
    # One regex pass finds both tags: two str.find calls would each run to the end of the file
    # when only the other tag follows, for every interchange of a file that holds thousands.
    for match in _START_TAGS.finditer(scan, floor):
        i = match.start()
        if _begins_segment(scan, i, floor, delimiters) and (
                scan[i + 2] == "A" or _is_separator(scan[i + 3:i + 4])):
            return i
    return len(scan)


def _begins_segment(scan: str, i: int, floor: int, delimiters: Delimiters) -> bool:
    term = delimiters.segment
    j = i - 1
    while j >= floor:
        char = scan[j]
        if char == term:
            return not terminator_is_released(scan, j, delimiters, floor)
        if char not in WHITESPACE:
            return False
        j -= 1
    return False


# ----------------------------------------------------------------------- character sets
def decode_region(source: Source, start: InterchangeStart, end: int) -> Region:
    """The interchange's text from its first segment to ``end``, decoded as its UNB says."""
    scan = source.scan
    if source.raw is None:
        return Region(scan, start.body, end, None, start)
    syntax = _peek_syntax_identifier(scan, start, end)
    codec = CHARSETS.get(syntax)
    first_non_ascii = -1 if source.ascii else _first_non_ascii(scan, start.body, end)
    if first_non_ascii == -1 and codec != "iso2022_jp_2":
        # Every ASCII-compatible charset reads ASCII bytes alike: no second copy of the text.
        return Region(scan, start.body, end, codec or "ascii", start)
    # A memoryview: decoding from it spares a copy of the interchange's bytes.
    data = memoryview(source.raw)[start.body:end]
    text, used, note = _decode(data, syntax, codec, start.body, first_non_ascii)
    return Region(text, 0, len(text), used, start, note)


_NON_ASCII = re.compile("[\x80-\xff]")


def _first_non_ascii(scan: str, start: int, end: int) -> int:
    match = _NON_ASCII.search(scan, start, end)
    return -1 if match is None else match.start()


def _peek_syntax_identifier(scan: str, start: InterchangeStart, end: int) -> str:
    if not scan.startswith("UNB", start.body):
        return ""
    delimiters = start.delimiters
    stop = find_terminator(scan, start.body, min(end, start.body + MAX_HEADER), delimiters)
    unb = split_segments(scan[start.body:stop if stop != -1 else end], delimiters).segments
    return component_of(unb[0].elements[0]) if unb and unb[0].elements else ""


def _decode(data: memoryview, syntax: str, codec: str | None, offset: int,
            first_non_ascii: int) -> tuple[str, str, str | None]:
    """(text, codec used, what went wrong or None) for one interchange's bytes.

    ``first_non_ascii`` is the file offset of its first byte above 0x7F, or -1 when none.
    """
    if codec is None:  # an identifier we do not know is reported on its own (code 2)
        try:
            return str(data, "utf-8"), "utf_8", None
        except UnicodeDecodeError:
            return str(data, "latin-1"), "latin_1", None
    if codec not in ("utf_8", "iso2022_jp_2") and _looks_like_utf8(data, first_non_ascii - offset):
        try:
            text = str(data, "utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, "utf_8", (f"{syntax} names {charset_name(codec)}, but the non-ASCII bytes "
                                   f"are UTF-8: read as UTF-8")
    if codec == "ascii":
        return str(data, "latin-1"), "latin_1", (
            f"{syntax} allows only ASCII, but byte 0x{data[first_non_ascii - offset]:02X} at byte "
            f"offset {first_non_ascii} is not ASCII: read as ISO 8859-1")
    try:
        return str(data, codec), codec, None
    except UnicodeDecodeError as exc:
        return str(data, codec, "replace"), codec, (
            f"byte 0x{data[exc.start]:02X} at byte offset {offset + exc.start} is not a character of "
            f"{charset_name(codec)} ({syntax}): replaced by U+FFFD")


def _looks_like_utf8(data: memoryview, first: int) -> bool:
    """Whether the bytes from the first non-ASCII one on start like UTF-8: a failed attempt to
    decode a whole interchange as UTF-8 costs twice its size in memory, a window does not."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data[first:first + 4096], final=False)
    except UnicodeDecodeError:
        return False
    return True


def charset_name(codec: str) -> str:
    return _NAMES.get(codec) or codec.replace("iso8859_", "ISO 8859-")
