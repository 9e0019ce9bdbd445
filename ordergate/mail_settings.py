"""Where the mail servers are: the IMAP mailbox orders come from and the SMTP server replies
go out through. Plain models, read from ``ORDERGATE_IMAP_*`` and ``ORDERGATE_SMTP_*`` by
``ordergate.settings``; the IMAP and SMTP clients (``sources/imap.py``, ``sinks/email/smtp.py``)
take them as they are.

They live apart from the clients so that loading the settings does not import an IMAP or
SMTP library: most commands never talk to a mail server.

A password is a ``SecretStr`` (shown as ``**********`` in reprs and logs) or the name of the
Prefect Secret block holding it; the block is read only when a connection is made
(``ordergate.secrets.resolve_password``), so Prefect is not imported to load settings.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

log = logging.getLogger(__name__)

IMAP_PREFIX = "ORDERGATE_IMAP_"
SMTP_PREFIX = "ORDERGATE_SMTP_"
IMAP_DEFAULT_PORTS = {"tls": 993, "starttls": 143, "none": 143}
SMTP_DEFAULT_PORTS = {"tls": 465, "starttls": 587, "none": 25}


class _Login(BaseModel):
    """A password, or the name of the Prefect Secret block holding it; never both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    password: SecretStr | None = None
    password_block: str | None = None

    @model_validator(mode="after")
    def _one_password_source(self):
        if self.password is not None and self.password_block:
            # Which one a server gets must not depend on which field happens to be read first.
            raise ValueError("set either password or password_block (the name of the Prefect "
                             "Secret block holding it), not both")
        return self


class ImapSettings(_Login):
    """The orders mailbox."""

    host: str = Field(min_length=1)
    user: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535, description="993 for tls, 143 otherwise")
    security: Literal["tls", "starttls", "none"] = "tls"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    failed_folder: str = "Failed"
    timeout: float = Field(default=30.0, gt=0, description="Seconds to wait for the server")
    verify_ssl: bool = True
    ca_file: Path | None = Field(default=None, description="Trust this CA (PEM), e.g. a self-signed server's")

    @model_validator(mode="after")
    def _check_folders(self) -> ImapSettings:
        if len({self.folder, self.processed_folder, self.failed_folder}) != 3:
            raise ValueError(f"folder, processed_folder and failed_folder must differ, got "
                             f"{self.folder!r}, {self.processed_folder!r}, {self.failed_folder!r}")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise ValueError(f"ca_file {str(self.ca_file)!r} does not exist")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or IMAP_DEFAULT_PORTS[self.security]

    @property
    def mailbox_url(self) -> str:
        """The watched folder as an IMAP URL without password: the ``mailbox`` of every MailRef."""
        return (f"imap://{quote(self.user, safe='')}@{self.host}:{self.effective_port}/"
                f"{quote(self.folder, safe='/')}")

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        if not self.verify_ssl:
            log.warning("IMAP: certificate checks are off for %s; anyone on the path can read the "
                        "password", self.host)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


class SmtpSettings(_Login):
    """Where and how to deliver mail."""

    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # None: 465, 587 or 25 by security
    security: Literal["tls", "starttls", "none"] = "starttls"
    user: str | None = None
    timeout: float = Field(default=30.0, gt=0)
    from_address: str
    from_name: str = "ordergate"
    # A CA bundle to trust instead of the system's, e.g. for a test server's self-signed cert.
    ca_file: Path | None = None

    @field_validator("from_address")
    @classmethod
    def _check_from_address(cls, value: str) -> str:
        local, at, domain = value.strip().rpartition("@")
        if not (local and at and domain):
            raise ValueError(f"{value!r} is not an email address")
        return value.strip()

    @property
    def effective_port(self) -> int:
        return self.port or SMTP_DEFAULT_PORTS[self.security]

    @property
    def where(self) -> str:
        return f"{self.host}:{self.effective_port}"
