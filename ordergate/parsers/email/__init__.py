"""Mail: one message read into a ``MailDocument`` (``message``) within size limits (``limits``,
``mime_boundary``), with the verdict of our own mail servers' Authentication-Results (``auth``).
"""

from __future__ import annotations

from ordergate.parsers.email.limits import MailLimits
from ordergate.parsers.email.message import Attachment, MailDocument, read_mail

__all__ = [
    "Attachment",
    "MailDocument",
    "MailLimits",
    "read_mail",
]
