"""Mail: one message read into a ``MailDocument`` (``message``) within size limits (``limits``,
``mime_boundary``), with the verdict of our own mail servers' Authentication-Results (``auth``).
"""

from __future__ import annotations

from ordergate.parsers.email.limits import MailLimits
from ordergate.parsers.email.message import Attachment, MailDocument, read_mail
from ordergate.parsers.email.title import mail_title

__all__ = [
    "Attachment",
    "MailDocument",
    "MailLimits",
    "mail_title",
    "read_mail",
]
