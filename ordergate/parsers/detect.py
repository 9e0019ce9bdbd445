"""Sniff a document's format from its first bytes, never from its file name."""

from __future__ import annotations

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


def detect_format(content: bytes) -> str | None:
    """The format name from ``SIGNATURES``, or None when nothing matches."""
    head = content[:64]
    if head.startswith(_BOM):
        head = head[len(_BOM):]
    head = head.lstrip(_WHITESPACE)
    for name, prefixes in SIGNATURES.items():
        if head.startswith(prefixes):
            return name
    return None
