"""Mail answers: the threaded reply to a mailed order (``reply``) with its PDF confirmation
(``confirmation_pdf``), the ship notice in the same thread (``ship_notice``), sent through SMTP
(``smtp``).
"""

from __future__ import annotations

from ordergate.sinks.email.reply import (
    OriginalMail,
    ReplyNotAllowed,
    order_reply,
    should_reply,
    unreadable_reply,
)
from ordergate.sinks.email.ship_notice import ship_notice_mail
from ordergate.sinks.email.smtp import send_messages, smtp_password

__all__ = [
    "order_reply",
    "OriginalMail",
    "ReplyNotAllowed",
    "send_messages",
    "ship_notice_mail",
    "should_reply",
    "smtp_password",
    "unreadable_reply",
]
