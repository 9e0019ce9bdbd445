"""The size limits an incoming mail must keep, and the checks made before anything is decoded.

Every limit is checked on what is already in memory (the raw bytes, the encoded payload
text), so a hostile mail is refused before it can cost a decode, a decompression or a walk.
The header blocks are checked on the raw bytes before the ``email`` package sees them: its
header and parameter parsers are superlinear (a 1 MB Content-Type of 100,000 RFC 2231
parameters took 340 s of CPU), so an oversized header or one of thousands of parameters is
refused here, and whatever is left is parsed within the time and memory budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ordergate.parsers.email.mime_boundary import read_boundary
from ordergate.parsers.guard import ParseBudget

MB = 1024 * 1024


@dataclass(frozen=True)
class MailLimits:
    max_message_bytes: int = 25 * MB
    max_attachments: int = 20
    max_attachment_bytes: int = 10 * MB
    # message/rfc822 parts inside message/rfc822 parts: a forward of a forward of a forward.
    max_forward_depth: int = 3
    # Every MIME entity counts, containers included, so a mail of many empty parts is bounded too.
    max_parts: int = 200
    # What an XLSX may claim to unpack to: the spreadsheet reader decompresses it later, and a
    # few kilobytes of zip can claim gigabytes.
    max_unpacked_bytes: int = 200 * MB
    max_body_chars: int = 100_000
    # One header field with its continuation lines. RFC 5322 allows 998 characters a line;
    # long recipient lists and References fold over several lines, but stay in kilobytes.
    max_header_bytes: int = 64 * 1024
    # Header fields in one block (the mail's, or a MIME part's), and that block's bytes.
    max_headers: int = 1000
    max_header_block_bytes: int = 256 * 1024
    # Parameters (";") of one Content-Type or Content-Disposition; a long file name split by
    # RFC 2231 takes a few dozen.
    max_header_params: int = 100
    # Time and memory for parsing the mail (ORDERGATE_PARSE_MAX_SECONDS / _MEMORY_MB).
    budget: ParseBudget = field(default_factory=ParseBudget)


def format_size(size: int) -> str:
    """A byte count the way a person reads it in a quarantine reason."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"


def decoded_size_bound(encoded: str, transfer_encoding: str) -> int:
    """The decoded size of a payload, worked out from its encoded text without decoding it.

    Exact for base64 apart from stray characters, an upper bound for
    quoted-printable (escapes only ever shrink), exact for 7bit/8bit/binary.
    """
    if transfer_encoding == "base64":
        # Line breaks are about 3% of a base64 payload; leaving them in would refuse
        # attachments just under the limit.
        whitespace = encoded.count("\n") + encoded.count("\r") + encoded.count(" ") + encoded.count("\t")
        padding = encoded.rstrip()[-2:].count("=")
        return (len(encoded) - whitespace) * 3 // 4 - padding
    return len(encoded)


# ---------------------------------------------------------------- header blocks
# A header line as the email package's feedparser tells one: a field name and a colon, a
# continuation (leading white space), or the mbox "From " line.
_HEADER_LINE = re.compile(rb"From |[\041-\071\073-\176]*:|[\t ]")
_FIELD_END = re.compile(rb"\n(?![ \t])")
_DASHES_AT_LINE_START = re.compile(rb"^--", re.MULTILINE)
# Lines starting with "--" looked at for boundaries: a text body may have separator lines, but
# not tens of thousands.
_MAX_DASH_LINES = 20_000
_PARAMETER_HEADERS = {b"content-type": "Content-Type", b"content-disposition": "Content-Disposition"}


@dataclass
class HeaderScan:
    """What the raw header blocks showed: problems (quarantine reasons, empty if none) and the
    mail's own header block without the headers over a limit, so a refused mail can still be
    reported by sender and subject."""

    problems: list[str]
    safe_head: bytes


def scan_header_blocks(raw: bytes, limits: MailLimits, *, parts: bool = True) -> HeaderScan:
    """Check the mail's header block and, with ``parts``, each MIME part's (the block after a
    line that is a boundary some Content-Type declared), against the header limits."""
    boundaries: set[bytes] = set()
    problems: list[str] = []
    kept: list[bytes] = []
    end, nested = _scan_block(raw, 0, "the mail's headers", limits, problems, boundaries, kept)
    safe_head = b"".join(kept)
    if not parts or problems:
        return HeaderScan(problems, safe_head)
    number = 0
    while nested:  # a message/rfc822 mail: its body starts with the inner mail's headers
        end, nested = _scan_block(raw, end, "the forwarded mail's headers", limits, problems,
                                  boundaries, None)
    for candidates, match in enumerate(_DASHES_AT_LINE_START.finditer(raw, end)):
        if number > limits.max_parts or candidates > _MAX_DASH_LINES:
            # Enough to find a hostile part; the rest is left to the parse, which runs within
            # the time budget and reports the part count itself.
            break
        line_end = raw.find(b"\n", match.start())
        line_end = len(raw) if line_end < 0 else line_end
        if raw[match.start() + 2:line_end].rstrip() not in boundaries:
            continue
        number += 1
        position, nested = _scan_block(raw, line_end + 1, f"the headers of MIME part {number}",
                                       limits, problems, boundaries, None)
        while nested and not problems:
            position, nested = _scan_block(raw, position, f"the forwarded mail in MIME part "
                                           f"{number}", limits, problems, boundaries, None)
        if problems:
            break
    return HeaderScan(problems, safe_head)


def _scan_block(raw: bytes, start: int, where: str, limits: MailLimits, problems: list[str],
                boundaries: set[bytes], kept: list[bytes] | None) -> tuple[int, bool]:
    """Scan the header block at ``start``: returns where its body starts and whether that body
    is a forwarded mail (message/rfc822). Boundaries it declares join ``boundaries``; with
    ``kept``, the header fields within the limits are collected there (for the mail's own)."""
    position = start
    fields: list[tuple[int, int]] = []  # (start, end) of each header field, continuations included
    too_many = False
    stop = len(raw)
    while position < len(raw):
        line = raw[position:position + 1024].split(b"\n", 1)[0]
        if not line.strip(b"\r"):  # the blank line: the body follows
            stop = position + len(line) + 1
            break
        if not _HEADER_LINE.match(line):  # the parser ends the headers here too
            stop = position
            break
        if len(fields) == limits.max_headers:
            too_many = True
            break
        # A field ends at the first line break not followed by white space (a continuation);
        # found by the regex engine, so a field of a million folded lines costs one search.
        end = _FIELD_END.search(raw, position)
        field_end = end.start() + 1 if end else len(raw)
        fields.append((position, field_end))
        position = field_end
    forwarded = False
    kept_bytes = 0
    for field_start, field_end in fields:
        text = raw[field_start:field_end]
        name = text.split(b":", 1)[0].strip().lower()[:100]
        problem = _field_problem(text, name, where, limits)
        if problem:
            if problem not in problems:
                problems.append(problem)
            continue
        if kept is not None and kept_bytes + len(text) <= limits.max_header_block_bytes:
            kept.append(text)
            kept_bytes += len(text)
        if name == b"content-type":
            value = text.split(b":", 1)[1]
            declared = read_boundary(value)
            if not declared.certain:
                # Skipping the part scan would hand unchecked part headers to the parser.
                problem = (f"{where}: the Content-Type header declares its MIME boundary in a "
                           "form that cannot be checked safely (send it as a plain boundary=\"...\" "
                           "parameter); the mail was not read")
                if problem not in problems:
                    problems.append(problem)
            elif declared.boundary is not None:
                boundaries.add(declared.boundary)
            forwarded = value.strip().lower().startswith((b"message/rfc822", b"message/global"))
    if too_many:
        problems.append(f"{where} have more than {limits.max_headers:,} header fields; the mail "
                        "was not read")
    elif position - start > limits.max_header_block_bytes:
        problems.append(f"{where} take {format_size(position - start)}, over the "
                        f"{format_size(limits.max_header_block_bytes)} limit; the mail was not read")
    return stop, forwarded


def _field_problem(text: bytes, name: bytes, where: str, limits: MailLimits) -> str | None:
    shown = _PARAMETER_HEADERS.get(name) or name[:40].decode("ascii", "replace") or "unnamed"
    if name in _PARAMETER_HEADERS:  # the count first: it is what makes such a header costly
        parameters = text.count(b";")
        if parameters > limits.max_header_params:
            return (f"{where}: the {shown} header has {parameters:,} parameters, over the limit of "
                    f"{limits.max_header_params:,}; the mail was not read")
    if len(text) > limits.max_header_bytes:
        return (f"{where}: the {shown} header is {format_size(len(text))}, over the "
                f"{format_size(limits.max_header_bytes)} limit; the mail was not read")
    return None
