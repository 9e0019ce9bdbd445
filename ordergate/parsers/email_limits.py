"""The size limits an incoming mail must keep, and the checks made before anything is decoded.

Every limit is checked on what is already in memory (the raw bytes, the encoded payload
text), so a hostile mail is refused before it can cost a decode, a decompression or a walk.
"""

from __future__ import annotations

from dataclasses import dataclass

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
