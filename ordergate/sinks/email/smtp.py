"""SMTP delivery of rendered emails: one connection per batch, one result per message.

The outbox decides what to do with each result: ``sent``; ``permanent`` (a 5xx answer or a
refused login: mark the message failed, do not retry); ``transient`` (a 4xx answer or
connection trouble: try again later). Envelope sender and recipients are given to the server
explicitly rather than left to smtplib. The password is a ``SecretStr`` and is never logged,
shown in a repr or put in an error message.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses
from enum import Enum
from typing import NamedTuple

from pydantic import SecretStr

from ordergate.errors import ConfigError
from ordergate.mail_settings import SMTP_PREFIX as ENV_PREFIX
from ordergate.mail_settings import SmtpSettings
from ordergate.secrets import resolve_password

__all__ = ["OutgoingMail", "SendResult", "SendStatus", "SmtpSettings", "send_messages",
           "smtp_password"]

log = logging.getLogger(__name__)

PASSWORD_ENV = "ORDERGATE_SMTP_PASSWORD"
PASSWORD_BLOCK_ENV = "ORDERGATE_SMTP_PASSWORD_BLOCK"


def smtp_password(settings: SmtpSettings) -> SecretStr | None:
    """The SMTP password the settings carry (``ORDERGATE_SMTP_PASSWORD``) or the one in the
    Prefect Secret block they name (``ORDERGATE_SMTP_PASSWORD_BLOCK``), read now; None when
    neither is set (no login)."""
    return resolve_password(settings, ENV_PREFIX)


class SendStatus(str, Enum):
    SENT = "sent"
    PERMANENT = "permanent"  # 5xx or refused login: mark failed, do not retry
    TRANSIENT = "transient"  # 4xx or connection trouble: retry later


@dataclass(frozen=True)
class SendResult:
    key: str  # the caller's outbox key, echoed
    status: SendStatus
    detail: str  # the server's answer or what went wrong, for the outbox's last_error
    refused: tuple[str, ...] = ()  # recipients refused while others accepted the message


class OutgoingMail(NamedTuple):
    """One message to send; a plain ``(key, payload)`` tuple means the defaults below."""

    key: str
    payload: bytes
    recipients: tuple[str, ...] = ()  # envelope recipients; () = the To and Cc addresses
    sender: str | None = None  # envelope sender; None = the settings' from address


class _BatchFailed(Exception):
    """Nothing in the batch can be sent over this connection, for the same reason."""

    def __init__(self, status: SendStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _status_for(code: int) -> SendStatus:
    return SendStatus.PERMANENT if 500 <= code < 600 else SendStatus.TRANSIENT


def _answer(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


def _connect(settings: SmtpSettings, password: SecretStr | None) -> smtplib.SMTP:
    where = settings.where
    # Our own domain as HELO name: smtplib's default asks DNS for our FQDN, which can stall.
    helo = settings.from_address.rpartition("@")[2]
    context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    client: smtplib.SMTP | None = None
    try:
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.effective_port, local_hostname=helo,
                                      timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.effective_port, local_hostname=helo,
                                  timeout=settings.timeout)
        client.ehlo()
        if settings.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.user:
            _login(client, settings, password.get_secret_value() if password else "")
        return client
    except smtplib.SMTPAuthenticationError as exc:
        _close(client)
        raise _BatchFailed(SendStatus.PERMANENT,
                           f"SMTP server {where} refused the login of user {settings.user!r}: "
                           f"{_answer(exc.smtp_code, exc.smtp_error)}; check the SMTP user and "
                           f"password") from exc
    except smtplib.SMTPNotSupportedError as exc:
        _close(client)
        raise _BatchFailed(SendStatus.PERMANENT,
                           f"SMTP server {where} does not support what ORDERGATE_SMTP_SECURITY="
                           f"{settings.security} or a user needs: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        _close(client)
        raise _BatchFailed(_status_for(exc.smtp_code), f"SMTP server {where} answered "
                           f"{_answer(exc.smtp_code, exc.smtp_error)}") from exc
    except (OSError, smtplib.SMTPException) as exc:  # refused, timeout, TLS handshake, hang-up
        _close(client)
        raise _BatchFailed(SendStatus.TRANSIENT, f"cannot talk to SMTP server {where} "
                           f"({settings.security}): {type(exc).__name__}: {exc}") from exc


def _login(client: smtplib.SMTP, settings: SmtpSettings, password: str) -> None:
    if settings.user.isascii() and password.isascii():
        client.login(settings.user, password)
        return
    # smtplib encodes credentials as ASCII; AUTH PLAIN carries UTF-8 (RFC 4616), so send it as such.
    mechanisms = client.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        raise smtplib.SMTPNotSupportedError(
            "the SMTP user or password has non-ASCII characters, which need AUTH PLAIN")
    token = base64.b64encode(b"\0" + settings.user.encode() + b"\0" + password.encode()).decode()
    code, answer = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        client.close()


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()  # the messages are already accepted; a rude goodbye changes nothing


def _header_recipients(payload: bytes) -> tuple[str, ...]:
    headers = BytesHeaderParser(policy=default_policy).parsebytes(payload)
    fields = [str(value) for name in ("To", "Cc") for value in headers.get_all(name, [])]
    return tuple(address for _, address in getaddresses(fields) if address)


def _send_one(client: smtplib.SMTP, settings: SmtpSettings, mail: OutgoingMail) -> SendResult:
    """Sends one message; raises OSError/SMTPServerDisconnected when the connection is gone."""
    recipients = mail.recipients or _header_recipients(mail.payload)
    if not recipients:
        return SendResult(mail.key, SendStatus.PERMANENT,
                          "the message has no recipients: no To or Cc header and none given")
    sender = mail.sender or settings.from_address
    options: list[str] = []
    if not all(address.isascii() for address in (sender, *recipients)):
        if not client.has_extn("smtputf8"):
            return SendResult(mail.key, SendStatus.PERMANENT,
                              f"SMTP server {settings.where} does not offer SMTPUTF8, needed for "
                              f"the non-ASCII address in {sender} -> {', '.join(recipients)}")
        options.append("SMTPUTF8")
    try:
        refused = client.sendmail(sender, list(recipients), mail.payload, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        answers = exc.recipients
        # One 4xx among the refusals means a later attempt may get through.
        status = (SendStatus.TRANSIENT if any(400 <= code < 500 for code, _ in answers.values())
                  else SendStatus.PERMANENT)
        detail = "; ".join(f"{address}: {_answer(code, text)}"
                           for address, (code, text) in answers.items())
        return SendResult(mail.key, status, f"recipient refused by {settings.where}: {detail}")
    except smtplib.SMTPSenderRefused as exc:
        return SendResult(mail.key, _status_for(exc.smtp_code),
                          f"sender {exc.sender} refused by {settings.where}: "
                          f"{_answer(exc.smtp_code, exc.smtp_error)}")
    except smtplib.SMTPResponseException as exc:  # SMTPDataError and other answers to DATA
        return SendResult(mail.key, _status_for(exc.smtp_code),
                          f"message refused by {settings.where}: "
                          f"{_answer(exc.smtp_code, exc.smtp_error)}")
    if refused:
        detail = "; ".join(f"{address}: {_answer(code, text)}"
                           for address, (code, text) in refused.items())
        return SendResult(mail.key, SendStatus.SENT, f"sent; refused: {detail}",
                          refused=tuple(refused))
    return SendResult(mail.key, SendStatus.SENT, f"sent to {', '.join(recipients)}")


def send_messages(settings: SmtpSettings, password: SecretStr | None,
                  messages: Sequence[OutgoingMail | tuple[str, bytes]]) -> list[SendResult]:
    """Delivers a batch over one connection; one result per message, in order."""
    mails = [OutgoingMail(*message) for message in messages]
    if not mails:
        return []
    if settings.user and password is None:
        raise ConfigError(f"ORDERGATE_SMTP_USER is {settings.user!r} but no password is set: set "
                          f"{PASSWORD_ENV} or {PASSWORD_BLOCK_ENV}")
    try:
        client = _connect(settings, password)
    except _BatchFailed as failure:
        log.warning("SMTP delivery of %d messages failed (%s): %s", len(mails),
                    failure.status.value, failure.detail)
        return [SendResult(mail.key, failure.status, failure.detail) for mail in mails]
    results: list[SendResult] = []
    try:
        for mail in mails:
            try:
                results.append(_send_one(client, settings, mail))
            except (OSError, smtplib.SMTPException) as exc:
                lost = f"connection to SMTP server {settings.where} lost: {type(exc).__name__}: {exc}"
                results.extend(SendResult(rest.key, SendStatus.TRANSIENT, lost)
                               for rest in mails[len(results):])
                break
    finally:
        _quit(client)
    for result in results:
        if result.status is not SendStatus.SENT:
            log.warning("SMTP message %s not sent (%s): %s", result.key, result.status.value,
                        result.detail)
    return results
