"""Sniff a document's format from its first bytes, never from its file name."""

from __future__ import annotations

import re

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n\x00"

# format name -> leading bytes (after BOM and whitespace)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "x12": (b"ISA",),
    # UNH: messages sent without an interchange envelope, read so the reason can be given
    "edifact": (b"UNA", b"UNB", b"UNH"),
    "pdf": (b"%PDF",),
    "xlsx": (b"PK\x03\x04",),
}


# An RFC 5322 message starts with header fields ("Name: value", folded lines indented); a mail
# as saved by clients or delivered to a Maildir starts with one of these within its first lines.
_HEADER_LINE = re.compile(rb"^(?:From [^\r\n]*|[!-9;-~]+:[^\r\n]*|[ \t][^\r\n]*)\r?$")
_MAIL_HEADERS = re.compile(rb"^(?:from|to|subject|date|message-id|received|return-path|"
                           rb"mime-version|delivered-to|reply-to|x-[!-9;-~]+|dkim-signature|"
                           rb"authentication-results|content-type):", re.IGNORECASE | re.MULTILINE)


def detect_format(content: bytes) -> str | None:
    """The format name from ``SIGNATURES`` (or "email"), or None when nothing matches."""
    head = content[:64]
    if head.startswith(_BOM):
        head = head[len(_BOM):]
    head = head.lstrip(_WHITESPACE)
    for name, prefixes in SIGNATURES.items():
        if head.startswith(prefixes):
            return name
    return "email" if looks_like_mail(content) else None


def looks_like_mail(content: bytes) -> bool:
    """Every line up to the first blank one is a header field, and at least two of them are
    fields every mail has (From, Date, Received, ...): a CSV or text file fails the first test."""
    block = content[:16384].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    lines = block.splitlines()
    if not lines or not all(_HEADER_LINE.match(line) for line in lines[:200]):
        return False
    return len(_MAIL_HEADERS.findall(block)) >= 2
