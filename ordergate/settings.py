"""Runtime settings, read from ``ORDERGATE_*`` environment variables.

Secrets (database passwords inside ``ORDERGATE_DATABASE_URL``, later IMAP/SMTP passwords)
come from the environment only and are never logged: use ``Settings.safe_database_url``
when showing where the database is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class X12Identity(tuple):
    """An X12 interchange id as (qualifier, id), written ``ZZ:ORDERGATE``."""

    __slots__ = ()

    def __new__(cls, qualifier: str, ident: str) -> "X12Identity":
        return super().__new__(cls, (qualifier, ident))

    @property
    def qualifier(self) -> str:
        return self[0]

    @property
    def ident(self) -> str:
        return self[1]

    @classmethod
    def parse(cls, text: str) -> "X12Identity":
        qualifier, sep, ident = text.strip().partition(":")
        if not sep or not qualifier or not ident:
            raise ValueError(f"X12 id {text!r} must be written qualifier:id, e.g. ZZ:ORDERGATE")
        if len(qualifier) != 2 or len(ident) > 15:
            raise ValueError(f"X12 id {text!r}: qualifier is 2 characters and id at most 15")
        return cls(qualifier.upper(), ident.strip())

    def __str__(self) -> str:
        return f"{self[0]}:{self[1]}"


class EdifactIdentity(tuple):
    """An EDIFACT interchange party as (id, qualifier or None), written ``ORDERGATE`` or
    ``5412345000013:14`` (id, then the 0007 code qualifier), as UNB S002/S003 carry it."""

    __slots__ = ()

    def __new__(cls, ident: str, qualifier: str | None) -> "EdifactIdentity":
        return super().__new__(cls, (ident, qualifier))

    @property
    def ident(self) -> str:
        return self[0]

    @property
    def qualifier(self) -> str | None:
        return self[1]

    @classmethod
    def parse(cls, text: str) -> "EdifactIdentity":
        ident, _, qualifier = text.strip().partition(":")
        ident, qualifier = ident.strip(), qualifier.strip() or None
        if not ident or len(ident) > 35 or (qualifier and len(qualifier) > 4):
            raise ValueError(f"EDIFACT id {text!r} must be an id of up to 35 characters, "
                             f"optionally followed by :qualifier (e.g. 5412345000013:14)")
        return cls(ident, qualifier)

    def __str__(self) -> str:
        return f"{self[0]}:{self[1]}" if self[1] else self[0]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERGATE_", extra="ignore")

    home: Path = Field(default=Path("./var"), description="Holds the SQLite database and the folders.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite in home by default.")
    x12_id: str = "ZZ:ORDERGATE"
    edifact_id: str = "ORDERGATE"
    # How many orders the store writes per transaction (and answers in one 855 interchange).
    # Bigger batches amortise commits; smaller ones let a second process overlap sooner and
    # hold SQLite's write lock for less time. 500 was fastest end to end (BENCHMARKS.md).
    store_batch_size: int = Field(default=500, ge=1)
    # Documents at least this large are parsed, mapped and checked in a second process while
    # this one stores (processing/parallel.py); 0 keeps everything in one process.
    parallel_from_bytes: int = Field(default=1_000_000, ge=0)
    # A worker processing a document holds a claim on it (orders/claims.py) for this long,
    # renewed as it stores batches once half of it has passed (the other half is the margin for
    # a batch in flight and for clocks that differ); a document whose worker died on another
    # host is picked up again once the lease has run out (on this host, as soon as the dead
    # process is seen).
    document_lease_seconds: int = Field(default=900, ge=60)
    # How many drop-folder files one flow run takes, so task counts per run stay in the tens.
    max_files_per_run: int = 50
    poll_interval_seconds: int = 60
    # Email: the address and name replies come from (also the SMTP envelope sender).
    mail_address: str = "orders@ordergate.example"
    mail_name: str = "ordergate order desk"
    # Where mail is read from when no IMAP host is set: a local Maildir (the demo's mailbox).
    maildir: Path | None = None
    # How many messages one mail poll takes (one flow run), like max_files_per_run.
    max_mails_per_run: int = Field(default=50, ge=1)
    # Our mail servers' authserv-ids (comma separated): only their Authentication-Results can
    # prove a mail's sender. Empty: no mail is authenticated, so every mailed order is held.
    mail_trusted_authserv_ids: str = ""
    mail_max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    # What reading one document may cost (PDF, spreadsheet and mail parsing run in a child
    # process that is killed past these; the X12/EDIFACT readers check their own budgets).
    parse_max_seconds: float = Field(default=60.0, gt=0)
    parse_max_memory_mb: int = Field(default=512, ge=64)
    # The X12/EDIFACT readers stream, so their memory is bounded per unit: a longer segment or
    # a larger transaction set / message is rejected (997 AK5 R, CONTRL UCM 4), its neighbours
    # go on. Their time budget is max(parse_max_seconds, size in MB x parse_seconds_per_mb),
    # so a large weekly batch gets time in proportion to its size.
    edi_max_segment_bytes: int = Field(default=100_000, ge=1_000)
    edi_max_set_segments: int = Field(default=200_000, ge=10)
    edi_max_interchanges: int = Field(default=500, ge=1)
    parse_seconds_per_mb: float = Field(default=5.0, ge=0)
    # A PO price further than this from ours (customer price, else list price) is a hold.
    price_tolerance_percent: float = Field(default=2.0, ge=0)
    # PDF orders whose least certain field is below this go on hold (a profile may override).
    pdf_min_confidence: float = Field(default=0.8, ge=0, le=1)

    @field_validator("x12_id")
    @classmethod
    def _check_x12_id(cls, value: str) -> str:
        return str(X12Identity.parse(value))

    @field_validator("edifact_id")
    @classmethod
    def _check_edifact_id(cls, value: str) -> str:
        return str(EdifactIdentity.parse(value))

    @cached_property
    def our_edifact(self) -> EdifactIdentity:
        return EdifactIdentity.parse(self.edifact_id)

    @cached_property
    def our_x12(self) -> X12Identity:
        return X12Identity.parse(self.x12_id)

    @property
    def trusted_authserv_ids(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.mail_trusted_authserv_ids.split(",") if part.strip())

    @property
    def parse_budget(self):
        from ordergate.parsers.guard import ParseBudget

        return ParseBudget(max_seconds=self.parse_max_seconds,
                           max_memory_mb=self.parse_max_memory_mb)

    @property
    def mail_limits(self):
        from ordergate.parsers.email_limits import MailLimits

        return MailLimits(max_message_bytes=self.mail_max_message_bytes,
                          budget=self.parse_budget)

    @property
    def mailbox_folder(self) -> Path:
        return self.maildir or self.home / "maildir"

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def failed(self) -> Path:
        return self.home / "failed"

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'ordergate.db').resolve()}"

    @property
    def safe_database_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def ensure_folders(self) -> None:
        for folder in (self.home, self.inbox, self.outbox, self.archive, self.failed):
            folder.mkdir(parents=True, exist_ok=True)


def load_settings(**overrides) -> Settings:
    return Settings(**overrides)


M = TypeVar("M", bound=BaseModel)


def model_from_env(model: type[M], prefix: str, what: str, environ: Mapping[str, str] | None = None) -> M:
    """``model`` from ``<prefix><FIELD>`` variables (an empty one counts as unset), for the
    connection settings kept outside ``Settings`` (IMAP, SMTP). A bad or missing value is a
    ``ConfigError`` naming each variable to fix."""
    from ordergate.errors import ConfigError

    env = os.environ if environ is None else environ
    values = {name: env[prefix + name.upper()] for name in model.model_fields
              if env.get(prefix + name.upper(), "").strip()}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(_env_problem(prefix, error) for error in exc.errors())
        raise ConfigError(f"{what} settings: {problems}") from exc


def _env_problem(prefix: str, error) -> str:
    field = str(error["loc"][0]) if error["loc"] else ""
    name = prefix + field.upper() if field else "settings"
    return f"{name} is not set" if error["type"] == "missing" else f"{name}: {error['msg']}"
