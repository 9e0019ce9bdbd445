"""Runtime settings: the one place that reads ``ORDERGATE_*`` environment variables.

Everything configurable is a field of ``Settings``, the mail servers included: ``imap`` from
``ORDERGATE_IMAP_*`` and ``smtp`` from ``ORDERGATE_SMTP_*`` (each None while its ``_HOST`` is
unset). ``ordergate.app`` builds the engine, the mail source and the mailer from it; nothing
else looks at the environment. An empty variable counts as unset (shells and .env files
produce them), and a bad value is a ``ConfigError`` naming each variable to fix.

Secrets (a database password inside ``ORDERGATE_DATABASE_URL``, the IMAP/SMTP passwords) are
never logged: the mail passwords are ``SecretStr``, and ``Settings.safe_database_url`` shows
where the database is without its password.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url

from ordergate.errors import ConfigError
from ordergate.mail_settings import IMAP_PREFIX, SMTP_PREFIX, ImapSettings, SmtpSettings

ENV_PREFIX = "ORDERGATE_"
# Connection settings read as a group of variables each, present only when their host is set.
MAIL_GROUPS: dict[str, tuple[type[BaseModel], str]] = {
    "imap": (ImapSettings, IMAP_PREFIX),
    "smtp": (SmtpSettings, SMTP_PREFIX),
}


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
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", env_ignore_empty=True)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            problems = "; ".join(_problem(error) for error in exc.errors())
            raise ConfigError(f"bad setting: {problems}") from exc

    home: Path = Field(default=Path("./var"), description="Holds the SQLite database and the folders.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite in home by default.")
    x12_id: str = "ZZ:ORDERGATE"
    edifact_id: str = "ORDERGATE"
    # How many orders the store writes per transaction (and answers in one 855 interchange).
    # Bigger batches amortise commits; smaller ones let a second process overlap sooner and
    # hold SQLite's write lock for less time. 500 was fastest end to end (BENCHMARKS.md).
    store_batch_size: int = Field(default=500, ge=1)
    # Documents at least this large are parsed, mapped and checked in a second process while
    # this one stores (processing/pipeline.py); 0 keeps everything in one process.
    parallel_from_bytes: int = Field(default=1_000_000, ge=0)
    # A worker processing a document holds a claim on it (store/claims.py) for this long,
    # renewed as it stores batches once half of it has passed (the other half is the margin for
    # a batch in flight and for clocks that differ); a document whose worker died on another
    # host is picked up again once the lease has run out (on this host, as soon as the dead
    # process is seen).
    document_lease_seconds: int = Field(default=900, ge=60)
    # How many drop-folder files one flow run takes, so task counts per run stay in the tens.
    max_files_per_run: int = 50
    # The schedule of the drop-folder and mailbox deployments; the outbox's is its own, or
    # half of it (at least 10 s) when not set.
    poll_interval_seconds: int = Field(default=60, ge=1)
    # How many drop-folder polls may run at once: one per worker that shares the inbox
    # (``ordergate deploy``); claims in the database keep each file to one of them.
    drop_folder_runs: int = Field(default=1, ge=1, le=64)
    delivery_interval_seconds: int | None = Field(default=None, ge=1)
    # The local Prefect server ``ordergate serve`` starts when no Prefect API is named.
    prefect_port: int = Field(default=4200, ge=1, le=65535)
    # The address it listens on: this machine only, unless told otherwise; another address
    # is refused without Prefect's API authentication (PREFECT_SERVER_API_AUTH_STRING).
    prefect_host: str = "127.0.0.1"
    # Where ``ordergate notify setup`` sends ops the news (holds, failed documents, failed
    # deliveries, rejected acknowledgements): a URL taking a JSON POST, or addresses (comma
    # separated) mailed through the SMTP settings.
    notify_webhook: str | None = None
    notify_email: str | None = None
    # Flow runs (with their logs and task runs) and artifact versions older than this are
    # deleted by the daily ``prune-history`` deployment; the standing pages keep their latest.
    run_retention_days: int = Field(default=30, ge=1)
    # Prefect's own variable: when set, ``ordergate serve`` uses that server instead.
    prefect_api_url: str | None = Field(
        default=None, validation_alias=AliasChoices("prefect_api_url", "PREFECT_API_URL"))
    # Email: the address and name replies come from (also the SMTP envelope sender).
    mail_address: str = "orders@ordergate.example"
    mail_name: str = "ordergate order desk"
    # A message that could not be delivered waits before the next try: the first wait, doubled
    # after each failure up to the cap; after the last attempt it stays failed and ops are told
    # (ordergate.delivery.failed). 30 s, 1 min, 2 min, ... 1 h: about 10 hours in all.
    delivery_retry_seconds: int = Field(default=30, ge=1)
    delivery_retry_cap_seconds: int = Field(default=3600, ge=1)
    delivery_max_attempts: int = Field(default=15, ge=1)
    # A 997/CONTRL not back this long after we sent something is told to ops (ordergate.ack.overdue).
    ack_due_hours: int = Field(default=24, ge=1)
    # Who ships: the ship-from party of ship notices (856 N1*SF, DESADV NAD+SU) besides our id.
    ship_from_name: str | None = None
    # Where mail is read from when no IMAP host is set: a local Maildir (the demo's mailbox).
    maildir: Path | None = None
    # How many messages one mail poll takes (one flow run), like max_files_per_run.
    max_mails_per_run: int = Field(default=50, ge=1)
    # Our mail servers' authserv-ids (comma separated): only their Authentication-Results can
    # prove a mail's sender. Empty: no mail is authenticated, so every mailed order is held.
    mail_trusted_authserv_ids: str = ""
    mail_max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    # The orders mailbox (None: the local Maildir) and the server replies go out through
    # (None: replies are written as .eml files to the outbox).
    imap: ImapSettings | None = None
    smtp: SmtpSettings | None = None
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

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        return (init_settings, _MailGroupsSource(settings_cls), env_settings, dotenv_settings,
                file_secret_settings)

    @model_validator(mode="before")
    @classmethod
    def _smtp_sender_defaults(cls, data: Any) -> Any:
        # Replies say they come from mail_address; the SMTP envelope says so too unless told.
        if isinstance(data, dict) and isinstance(data.get("smtp"), dict):
            fields = cls.model_fields
            data["smtp"] = {"from_address": data.get("mail_address", fields["mail_address"].default),
                            "from_name": data.get("mail_name", fields["mail_name"].default),
                            **data["smtp"]}
        return data

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
        from ordergate.parsers.email import MailLimits

        return MailLimits(max_message_bytes=self.mail_max_message_bytes,
                          budget=self.parse_budget)

    @property
    def mailbox_folder(self) -> Path:
        return self.maildir or self.home / "maildir"

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def delivery_interval(self) -> int:
        return self.delivery_interval_seconds or max(10, self.poll_interval_seconds // 2)

    @property
    def logs(self) -> Path:
        return self.home / "logs"

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


class _MailGroupsSource(PydanticBaseSettingsSource):
    """``imap`` and ``smtp`` from ``ORDERGATE_IMAP_<FIELD>`` / ``ORDERGATE_SMTP_<FIELD>``, the
    names these settings have always had (a nested pydantic-settings model would want
    ``ORDERGATE_IMAP__HOST``). A group is present only when its ``_HOST`` is set."""

    def get_field_value(self, field, field_name):  # every field is read in __call__
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, (model, prefix) in MAIL_GROUPS.items():
            values = {field: os.environ[prefix + field.upper()] for field in model.model_fields
                      if os.environ.get(prefix + field.upper(), "").strip()}
            if "host" not in values:
                continue
            if "password" in values and "password_block" in values:
                raise ConfigError(f"both {prefix}PASSWORD and {prefix}PASSWORD_BLOCK are set: set "
                                  f"only one (the password itself, or the name of the Prefect "
                                  f"Secret block holding it)")
            found[name] = values
        return found


def _problem(error: Any) -> str:
    """One validation error as ``VARIABLE: what is wrong``, never echoing a secret's value."""
    loc = [str(part) for part in error["loc"]]
    if loc and loc[0] in MAIL_GROUPS:
        prefix = MAIL_GROUPS[loc[0]][1]
        name = prefix + (loc[1].upper() if len(loc) > 1 else "*")
    elif loc:
        name = loc[0] if loc[0].isupper() else ENV_PREFIX + loc[0].upper()
    else:
        name = "settings"
    return f"{name} is not set" if error["type"] == "missing" else f"{name}: {error['msg']}"
