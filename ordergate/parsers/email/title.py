"""How ops name a mail: by its sender and subject, read from its headers alone."""

from __future__ import annotations

MAX_HEADER_BYTES = 64 * 1024  # the headers of any mail we accept fit; the body is never read
MAX_VALUE = 400  # characters of a header value looked at


def mail_title(raw: bytes) -> str:
    """``from <sender>: <subject>``, read from the headers alone: how ops name a mail (its
    mailbox reference means nothing to them). The sender's words: escape before showing.

    Bounded: the legacy parser only splits the header block (no structured parsing, which a
    hostile From of 32,000 quotes makes take seconds), and each value is cut to
    ``MAX_VALUE`` characters before its encoded words are decoded."""
    from email.header import decode_header, make_header
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    def value(name: str) -> str:
        text = " ".join(str(headers.get(name, "") or "").split())[:MAX_VALUE]
        try:
            text = str(make_header(decode_header(text)))
        except Exception:  # noqa: BLE001 - a broken encoded word is shown as it came
            pass
        return " ".join(text.split())[:120]

    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:MAX_HEADER_BYTES])
        sender, subject = value("From"), value("Subject")
    except Exception:  # noqa: BLE001 - a header this broken is the document's problem, told later
        return "mail"
    title = f"from {sender or 'unknown sender'}"
    return f"{title}: {subject}" if subject else title
