"""The MIME boundary a Content-Type declares, read from the raw header without the email package.

The header scan must know every boundary the email package will split the mail on, or a
part's headers reach that package's superlinear parser unchecked. Only the boundary parameter
is read here, linearly, following the rules of ``email._header_value_parser`` and
``email.utils.decode_params``: plain ``boundary=`` (token or quoted string with
quoted-pairs), RFC 2231 continuations ``boundary*0=``/``boundary*1=`` and the extended
``boundary*=charset'lang'percent-encoded`` form. Where the package's reading cannot be
predicted with certainty (comments, encoded words, duplicates, gaps, characters RFC 2046 does
not allow in a boundary), the answer is "uncertain" and the mail is refused, not skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_WS = rb"[ \t]*"
_TOKEN = rb"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+"
_QUOTED = rb'"(?:[^"\\\r\n]|\\[^\r\n])*"'
_MEDIA_TYPE = re.compile(_WS + _TOKEN + _WS + rb"/" + _WS + _TOKEN + _WS)
_PARAMETER = re.compile(rb";" + _WS + rb"(?:(" + _TOKEN + rb")(" + _WS + rb"=" + _WS
                        + rb")(" + _TOKEN + rb"|" + _QUOTED + rb")" + _WS + rb")?")
_BOUNDARY_NAME = re.compile(rb"boundary(?:\*([0-9]{1,3}))?(\*)?", re.IGNORECASE)
_QUOTED_PAIR = re.compile(rb"\\(.)", re.DOTALL)
# RFC 2046 bchars: what a boundary may hold. Anything else (quotes, backslashes, "<", tabs)
# goes through the email package's repeated unquoting, which is not worth predicting.
_BCHARS = re.compile(rb"[0-9A-Za-z'()+_,\-./:=? ]*")
_PERCENT = re.compile(rb"%([0-9A-Fa-f]{2})")
_ASCII_CHARSETS = {b"", b"us-ascii", b"ascii", b"utf-8", b"utf8", b"iso-8859-1", b"latin-1",
                   b"latin1"}
_MAX_SECTIONS = 100


@dataclass(frozen=True)
class BoundaryRead:
    """The boundary a Content-Type value declares (None: none), and whether that reading is
    certain. ``certain`` is False when the value may declare a boundary the reader cannot
    reconstruct exactly."""

    boundary: bytes | None
    certain: bool


def read_boundary(value: bytes) -> BoundaryRead:
    """Read the boundary of a raw Content-Type field value (without the field name)."""
    value = _FOLD.sub(b"", value).rstrip(b"\r\n")
    relevant = b"boundary" in value.lower() or b"multipart" in value.lower()
    parameters = _parameters(value)
    if parameters is None:  # not in the strict grammar: fine unless a boundary may be meant
        return BoundaryRead(None, not relevant)
    sections: list[tuple[bytes, int | None, bool, bytes]] = []
    for name, raw_value in parameters:
        match = _BOUNDARY_NAME.fullmatch(name)
        if match:
            number = int(match.group(1)) if match.group(1) is not None else None
            sections.append((name, number, match.group(2) is not None, raw_value))
    if not sections:
        return BoundaryRead(None, True)
    boundary = _assemble(sections)
    if boundary is None or not _BCHARS.fullmatch(boundary):
        return BoundaryRead(None, False)
    return BoundaryRead(boundary.rstrip(), True)


def _parameters(value: bytes) -> list[tuple[bytes, bytes]] | None:
    """The (name, raw value) parameters of a Content-Type in the plain grammar, or None."""
    if any(byte > 0x7E for byte in value) or b"(" in value.split(b";", 1)[0]:
        return None
    match = _MEDIA_TYPE.match(value)
    if not match:
        return None
    position = match.end()
    found: list[tuple[bytes, bytes]] = []
    while position < len(value):
        match = _PARAMETER.match(value, position)
        if not match:
            return None
        if match.group(1) is not None:
            # The email package reads RFC 2231 sections with blanks around "=" its own way;
            # such a section is kept with the blanks so it is not taken as certain.
            value_text = match.group(3)
            found.append((match.group(1), value_text if match.group(2) == b"=" else b" " + value_text))
        position = match.end()
    return found


def _assemble(sections: list[tuple[bytes, int | None, bool, bytes]]) -> bytes | None:
    """Join the boundary's sections; None when the email package's reading is not certain."""
    if len({name[:8] for name, _, _, _ in sections}) != 1 or len(sections) > _MAX_SECTIONS:
        return None  # duplicates or mixed spellings: the package picks by rules not worth copying
    _, number, extended, raw = sections[0]
    if len(sections) == 1 and number is None and not extended:
        return _unquote(raw.lstrip(b" "))
    if any(section_value.startswith(b" ") or section_value in (b"", b'""')
           for _, _, _, section_value in sections):
        return None
    if len(sections) == 1 and number is None:
        return _extended(raw, first=True)
    if any(section_number is None for _, section_number, _, _ in sections):
        return None
    ordered = sorted(sections, key=lambda section: section[1])
    if [section[1] for section in ordered] != list(range(len(ordered))):
        return None  # gaps or repeats
    pieces: list[bytes] = []
    for _, section_number, is_extended, section_value in ordered:
        piece = (_extended(section_value, first=section_number == 0) if is_extended
                 else _unquote(section_value))
        # A "'" outside an extended first section's charset'lang' prefix makes the package
        # look for one, and what it drops then depends on the order of the sections.
        if piece is None or b"'" in piece:
            return None
        pieces.append(piece)
    return b"".join(pieces)


def _unquote(raw: bytes) -> bytes | None:
    if raw.startswith(b'"'):
        text = _QUOTED_PAIR.sub(rb"\1", raw[1:-1])
        return None if b"=?" in text else text  # an encoded word would be decoded
    return raw


def _extended(raw: bytes, *, first: bool) -> bytes | None:
    """An RFC 2231 extended value: percent-encoded, the first section led by charset'lang'."""
    if raw.startswith(b'"'):
        return None
    if first:
        pieces = raw.split(b"'")
        if len(pieces) != 3 or pieces[0].lower() not in _ASCII_CHARSETS:
            return None
        raw = pieces[2]
    elif b"'" in raw:
        return None
    if raw.count(b"%") != len(_PERCENT.findall(raw)):
        return None  # a "%" not followed by two hex digits
    decoded = _PERCENT.sub(lambda match: bytes([int(match.group(1), 16)]), raw)
    return decoded if decoded and all(byte < 0x80 for byte in decoded) else None
