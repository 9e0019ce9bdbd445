"""Splitting EDIFACT text into pydifact ``Segment`` objects, fast: the reader's tokenizer.

``split_segments`` builds the same segments pydifact's ``Parser.parse`` builds (same tag, same
``elements`` nesting, release characters removed, decimal marks untouched) at C speed for the
common case: ``str.split`` on the segment terminator, then on the element separator, and on
the component separator only for the elements that hold one. Only segments that contain the
release character take a character-by-character path, and only the few envelope tags the
caller asks for are looked at individually.

Where pydifact raises, this module reads on and reports a ``TokenIssue`` instead, so that one
bad segment never costs the rest of an interchange:

- an empty segment (two terminators in a row, or only whitespace between them) is dropped;
- a tag that is not three upper case letters or digits is kept, and reported;
- a release character at the very end of the text is dropped, and reported.

And by design, where pydifact would keep the characters as data or fail on them:

- whitespace after a segment terminator is skipped as pydifact skips it, tabs included;
- line breaks inside a segment are removed (files wrapped at a fixed width), unless the line
  break is itself the segment terminator;
- a UNA whose release or repetition position holds a space advises "not used" (ISO 9735),
  where pydifact would take the space as its escape character;
- the last segment may lack its terminator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydifact.segments import Segment

from ordergate.errors import ParseError
from ordergate.parsers.edifact.types import DEFAULT_DELIMITERS, Delimiters

WHITESPACE = " \t\r\n"
LINE_BREAKS = "\r\n"
UNA_LENGTH = 9  # "UNA" and six service characters

# Tags pydifact accepts: three characters, upper case letters and digits (and not only digits,
# since str.isupper needs a cased letter). Seeded with the tags every ORDERS carries.
_VALID_TAGS = {"UNB", "UNG", "UNH", "UNT", "UNE", "UNZ", "UNS", "BGM", "DTM", "NAD", "LIN", "PIA",
               "IMD", "QTY", "PRI", "CUX", "RFF", "CNT", "FTX", "MOA", "TAX", "ALC", "CTA", "COM"}

_new = object.__new__


@dataclass(frozen=True, slots=True)
class TokenIssue:
    """Something pydifact would have raised on. ``index`` is the 0-based segment index in the
    returned list (for "empty": the segment after the empty one, possibly one past the end)."""

    kind: str  # "empty", "tag" or "release"
    index: int
    detail: str


@dataclass(slots=True)
class Split:
    segments: list[Segment]
    marked: list[int]  # indices of the segments whose tag was asked for, in order
    issues: list[TokenIssue]
    # Each segment's text as split off (whitespace folded, release characters kept), one per
    # segment: a run of them joined by the terminator splits again into the same segments
    # (``Message.text``).
    texts: list[str]


def is_valid_tag(tag: str) -> bool:
    return len(tag) == 3 and tag.isascii() and tag.isalnum() and tag.isupper()


def is_released(text: str, index: int, release: str | None, floor: int = 0) -> bool:
    """Whether the character at ``index`` is escaped by an odd run of release characters."""
    if release is None:
        return False
    run = 0
    i = index - 1
    while i >= floor and text[i] == release:
        run += 1
        i -= 1
    return run % 2 == 1


def find_terminator(text: str, start: int, end: int, delimiters: Delimiters,
                    floor: int | None = None) -> int:
    """Index of the first segment terminator in ``text[start:end]`` that is not released, or -1.

    Release characters are counted back to ``floor`` (default ``start``): pass the start of
    the segment text when ``start`` may fall inside a segment.
    """
    term = delimiters.segment
    floor = start if floor is None else floor
    i = text.find(term, start, end)
    while i != -1 and terminator_is_released(text, i, delimiters, floor):
        i = text.find(term, i + 1, end)
    return i


def terminator_is_released(text: str, index: int, delimiters: Delimiters, floor: int = 0) -> bool:
    """Whether the segment terminator at ``index`` is released, as ``split_segments`` reads it:
    it removes line breaks inside a segment before it reads release characters, so "?" +
    line break + "'" is a released "'". Where the chunks are cut and where the next
    interchange starts must see the same."""
    if delimiters.segment in LINE_BREAKS:
        return is_released(text, index, delimiters.release, floor)
    return _released_across_line_breaks(text, index, delimiters.release, floor)


def _released_across_line_breaks(text: str, index: int, release: str | None, floor: int) -> bool:
    """``is_released`` as ``split_segments`` reads it once the line breaks that do not follow
    a terminator are gone (``_inner_line_breaks``); only for a terminator that is not a line
    break."""
    if release is None:
        return False
    term = text[index]
    run = 0
    i = index - 1
    while i >= floor:
        char = text[i]
        if char == release:
            run += 1
            i -= 1
        elif char in LINE_BREAKS:
            while i >= floor and text[i] in LINE_BREAKS:
                i -= 1
            if i >= floor and text[i] == term:
                break  # line breaks after a terminator stay: they end the run of releases
        else:
            break
    return run % 2 == 1


def read_una(text: str, start: int = 0) -> tuple[Delimiters, int]:
    """The delimiters a UNA at ``start`` advises, and the index just after it.

    Raises ``ParseError`` (segment "UNA") when its characters cannot serve: too short, a
    letter, digit or space where a separator must be, or one character in two roles. An
    unusual decimal mark is not an error here (the reader reports it).
    """
    advice = text[start + 3:start + UNA_LENGTH]

    def fail(reason: str) -> ParseError:
        return ParseError(f"the service string advice {text[start:start + UNA_LENGTH]!r} cannot be "
                          f"used: {reason}", position=1, segment_id="UNA")

    if not text.startswith("UNA", start) or len(advice) < 6:
        raise fail("it has fewer than six service characters")
    component, element, decimal, release, repetition, terminator = advice
    if not advice.isascii():
        raise fail("its service characters must be ASCII")
    for name, char in (("component separator", component), ("element separator", element),
                       ("segment terminator", terminator)):
        if char.isalnum() or char == " " or (char in LINE_BREAKS and name != "segment terminator"):
            raise fail(f"the {name} is {char!r}")
    used = {"component separator": component, "element separator": element,
            "segment terminator": terminator}
    for name, char in (("release character", release), ("repetition separator", repetition)):
        if char == " ":
            continue
        if char.isalnum() or char in LINE_BREAKS:
            raise fail(f"the {name} is {char!r}")
        used[name] = char
    if len(set(used.values())) != len(used):
        roles = sorted(used, key=lambda name: (used[name], name))
        raise fail("one character serves as " + " and ".join(
            n for n in roles if list(used.values()).count(used[n]) > 1))
    delimiters = Delimiters(component=component, element=element, decimal=decimal,
                            release=None if release == " " else release,
                            repetition=None if repetition == " " else repetition,
                            segment=terminator)
    return delimiters, start + UNA_LENGTH


def split_segments(text: str, delimiters: Delimiters = DEFAULT_DELIMITERS,
                   marks: frozenset[str] | set[str] = frozenset()) -> Split:
    """Split ``text`` (no UNA) into segments; ``marked`` lists those whose tag is in ``marks``."""
    term, elem, comp, release = (delimiters.segment, delimiters.element, delimiters.component,
                                 delimiters.release)
    issues: list[TokenIssue] = []
    released = release is not None and release in text
    if not released:
        parts = _fold_whitespace(text, term).split(term)
    else:
        if term not in LINE_BREAKS and ("\n" in text or "\r" in text):
            # Line breaks that do not follow a terminator are inside a segment: removed before
            # release characters are read, so that "?" + line break + "'" is a released "'".
            text = _inner_line_breaks(term).sub("", text)
        if _whitespace_is_never_released(text, term, release):
            parts = _fold_whitespace(text, term).split(term)
            if release + term in text:
                parts = _rejoin_released(parts, term, release)
        else:
            # Whitespace after a released terminator is data, so the terminators that count
            # are found first and whitespace is handled segment by segment.
            parts = [_fold_part(part, term) for part in _rejoin_released(text.split(term), term, release)]
    if parts and parts[-1] == "":  # the text ends with a terminator
        parts.pop()
    if "" in parts:
        parts = _drop_empty(parts, issues)
    segments: list[Segment] = []
    marked: list[int] = []
    append = segments.append
    valid = _VALID_TAGS
    k = -1
    for part in parts:
        k += 1
        if released and release in part:
            tag, elements = _split_released(part, elem, comp, release, k, issues)
        else:
            elements = part.split(elem)
            tag = elements.pop(0)
            if comp in part:
                # In place and without a comprehension: this loop is the reader's hot path.
                i = 0
                for element in elements:
                    if comp in element:
                        components = element.split(comp)
                        elements[i] = components if components[-1] else _composite(components)
                    i += 1
        segment = _new(Segment)
        segment.tag = tag
        segment.elements = elements
        append(segment)
        if tag not in valid:
            if is_valid_tag(tag):
                valid.add(tag)
            else:
                issues.append(TokenIssue("tag", k, f"{tag[:20]!r} is not a segment tag (three upper "
                                                   f"case letters or digits)"))
        if tag in marks:
            marked.append(k)
    if len(issues) > 1:
        issues.sort(key=lambda issue: issue.index)
    return Split(segments, marked, issues, parts)


def parse_segments(text: str) -> list[Segment]:
    """What ``pydifact.parser.Parser().parse(text)`` yields, much faster: a UNA segment first
    when the text starts with one, then every segment. Raises ``ParseError`` with the segment's
    position (UNA not counted) where this module would report a ``TokenIssue``."""
    head: list[Segment] = []
    delimiters, start = DEFAULT_DELIMITERS, 0
    if text.startswith("UNA"):
        delimiters, start = read_una(text)
        una = _new(Segment)
        una.tag, una.elements = "UNA", [text[3:UNA_LENGTH]]
        head.append(una)
    split = split_segments(text[start:], delimiters)
    if split.issues:
        issue = split.issues[0]
        tag = split.segments[issue.index].tag if issue.index < len(split.segments) else None
        raise ParseError(f"{issue.kind}: {issue.detail}", position=issue.index + 1, segment_id=tag)
    return head + split.segments


# ------------------------------------------------------------------------ helpers
@lru_cache(maxsize=64)
def _whitespace_after(term: str) -> re.Pattern[str]:
    return re.compile(re.escape(term) + "[ \t\r\n]+")


@lru_cache(maxsize=64)
def _inner_line_breaks(term: str) -> re.Pattern[str]:
    return re.compile("(?<![" + re.escape(term) + "\r\n])[\r\n]+")


def _fold_whitespace(chunk: str, term: str) -> str:
    """Whitespace after terminators dropped; line breaks inside segments removed."""
    if chunk and chunk[0] in WHITESPACE:
        chunk = chunk.lstrip(WHITESPACE)
    if "\n" in chunk:
        # The usual layouts first: str.replace is several times faster than a regex.
        if "\r" in chunk:
            chunk = chunk.replace(term + "\r\n", term)
        chunk = chunk.replace(term + "\n", term)
    if "\n" in chunk or "\r" in chunk or "\t" in chunk or term + " " in chunk:
        # A replacement is a template: a backslash terminator must not be read as an escape.
        chunk = _whitespace_after(term).sub(term.replace("\\", "\\\\"), chunk)
        if term == "\n":
            chunk = chunk.replace("\r", "")
        elif term == "\r":
            chunk = chunk.replace("\n", "")
        elif "\n" in chunk or "\r" in chunk:
            chunk = chunk.replace("\r", "").replace("\n", "")
    return chunk


def _whitespace_is_never_released(text: str, term: str, release: str) -> bool:
    """True when no released terminator is followed by whitespace (which would be data)."""
    pair = release + term
    i = text.find(pair)
    while i != -1:
        after = i + len(pair)
        if after < len(text) and text[after] in WHITESPACE and is_released(text, i + 1, release):
            return False
        i = text.find(pair, i + 1)
    return True


def _fold_part(part: str, term: str) -> str:
    """``_fold_whitespace`` for one segment: leading whitespace and inner line breaks go."""
    if part and part[0] in WHITESPACE:
        part = part.lstrip(WHITESPACE)
    if "\n" in part or "\r" in part:
        for char in LINE_BREAKS:
            if char != term:
                part = part.replace(char, "")
    return part


def _composite(components: list[str]) -> str | list[str]:
    # pydifact keeps components up to the last non-empty one, and a lone one as a plain str.
    if components[-1] and len(components) > 1:
        return components
    while components and not components[-1]:
        components.pop()
    if not components:
        return ""
    return components[0] if len(components) == 1 else components


def _rejoin_released(parts: list[str], term: str, release: str) -> list[str]:
    """Glue back the parts that ``str.split`` cut at a released (escaped) terminator."""
    if not any(part.endswith(release) for part in parts):
        return parts
    out: list[str] = []
    pending: str | None = None
    for part in parts:
        if pending is not None:
            part = pending + term + part
            pending = None
        if part.endswith(release) and is_released(part, len(part), release):
            pending = part
        else:
            out.append(part)
    if pending is not None:
        out.append(pending)  # the text ends with a released terminator: a dangling release
    return out


def _drop_empty(parts: list[str], issues: list[TokenIssue]) -> list[str]:
    """Empty parts dropped; each run of them is one issue, at the index of the next segment."""
    out: list[str] = []
    run = 0
    for part in parts + ["-"]:  # a sentinel closes a run at the end
        if not part:
            run += 1
            continue
        if run:
            what = "an empty segment" if run == 1 else f"{run} empty segments"
            issues.append(TokenIssue("empty", len(out), f"{what} (segment terminators with nothing "
                                                        "between them)"))
            run = 0
        out.append(part)
    out.pop()
    return out


def _split_released(part: str, elem: str, comp: str, release: str, k: int,
                    issues: list[TokenIssue]) -> tuple[str, list[str | list[str]]]:
    """One segment with release characters, read as pydifact's tokenizer reads it."""
    elements: list[list[str]] = []
    components: list[str] = []
    current: list[str] = []
    i, n = 0, len(part)
    while i < n:
        char = part[i]
        if char == release:
            if i + 1 < n:
                current.append(part[i + 1])
            else:
                issues.append(TokenIssue("release", k, "the text ends with a release character"))
            i += 2
            continue
        if char == elem:
            components.append("".join(current))
            elements.append(components)
            components, current = [], []
        elif char == comp:
            components.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    components.append("".join(current))
    elements.append(components)
    tag = comp.join(elements[0])
    return tag, [_composite(components) for components in elements[1:]]
