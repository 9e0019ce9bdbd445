"""A Prefect notification block that mails ops through ordergate's own SMTP settings.

Prefect's actions service sends a notification from the server process, which loads this
class through the ``prefect.collections`` entry point (``pyproject.toml``). The block stores
where to connect and whom to tell, never a password: the server reads it as the replies do,
from ``ORDERGATE_SMTP_PASSWORD`` in its environment or from the Prefect Secret block named by
``ORDERGATE_SMTP_PASSWORD_BLOCK``.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from prefect.blocks.abstract import NotificationBlock
from pydantic import Field

from ordergate.errors import ConfigError


class OrdergateMailNotification(NotificationBlock):
    """Mail to ops, through ordergate's SMTP settings."""

    _block_type_name = "Ordergate Mail Notification"
    _block_type_slug = "ordergate-mail-notification"

    smtp: dict = Field(description="ordergate's SMTP settings, without the password")
    to: list[str] = Field(description="who is told")

    @classmethod
    def from_settings(cls, settings) -> "OrdergateMailNotification":
        to = [address.strip() for address in settings.notify_email.split(",") if address.strip()]
        if not to:
            raise ConfigError("ORDERGATE_NOTIFY_EMAIL names no address")
        smtp = settings.smtp.model_dump(mode="json", exclude={"password"})
        return cls(smtp=smtp, to=to)

    def message(self, body: str, subject: str | None) -> bytes:
        from ordergate.mail_settings import SmtpSettings

        settings = SmtpSettings(**self.smtp)
        mail = EmailMessage()
        mail["From"] = formataddr((settings.from_name, settings.from_address))
        mail["To"] = ", ".join(self.to)
        mail["Subject"] = " ".join((subject or "ordergate").split())[:200]
        mail["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2])
        mail.set_content(body)
        return bytes(mail)

    async def notify(self, body: str, subject: str | None = None) -> None:
        await asyncio.to_thread(self._send, body, subject)

    def _send(self, body: str, subject: str | None) -> None:
        from ordergate.mail_settings import SmtpSettings
        from ordergate.sinks.email.smtp import SendStatus, send_messages, smtp_password

        settings = SmtpSettings(**self.smtp)
        [result] = send_messages(settings, smtp_password(settings),
                                 [("notify", self.message(body, subject))])
        if result.status is not SendStatus.SENT:
            # Prefect records the action as failed with this, where ops see automations.
            raise RuntimeError(f"the notification mail was not sent: {result.detail}")
