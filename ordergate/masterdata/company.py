"""Who we are on an invoice: ``company.yaml`` in the seed folder, flat keys.

``name``, ``street``, ``city``, ``postal_code``, ``country`` (ISO 3166 alpha-2), ``tax_id``
(a VAT id, checked with its country's check digits), ``email``, ``iban`` (check digits
verified), ``bic`` and ``invoice_prefix`` (``INV`` by default). A bad value is refused naming
the file and field, and nothing of it loads; invoicing without a loaded company stops with a
sentence saying to load it, before any invoice is begun.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, Engine, select

from ordergate.errors import ConfigError
from ordergate.masterdata.problems import MasterDataError, Problem
from ordergate.store import tables as t
from ordergate.store.db import upsert

COMPANY_FILE = "company.yaml"


class CompanyProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    street: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str
    tax_id: str | None = None
    email: str | None = None
    iban: str | None = None
    bic: str | None = None
    invoice_prefix: str = Field(default="INV", pattern=r"^[A-Z0-9]{1,10}$")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code (e.g. DE, US)")
        return value

    @field_validator("tax_id")
    @classmethod
    def _tax_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from stdnum.eu import vat
        from stdnum.exceptions import ValidationError as NumberError

        compact = vat.compact(value)
        if compact[:2].isalpha():  # an EU VAT id: its country's check digits must hold
            try:
                return vat.validate(compact)
            except NumberError as exc:
                raise ValueError(f"{value!r} is not a valid VAT id: {exc}") from None
        return value.strip()

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from stdnum import iban
        from stdnum.exceptions import ValidationError as NumberError

        try:
            return iban.validate(value)
        except NumberError as exc:
            raise ValueError(f"{value!r} is not a valid IBAN: {exc}") from None

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from stdnum import bic
        from stdnum.exceptions import ValidationError as NumberError

        try:
            return bic.validate(value)
        except NumberError as exc:
            raise ValueError(f"{value!r} is not a valid BIC: {exc}") from None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and (value.count("@") != 1 or " " in value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value


def read_company_file(path: Path) -> CompanyProfile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MasterDataError([Problem(COMPANY_FILE, None, None, f"not readable YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise MasterDataError([Problem(COMPANY_FILE, None, None, "must be a mapping of settings")])
    try:
        return CompanyProfile.model_validate({k: (str(v) if isinstance(v, (int, float)) else v)
                                              for k, v in data.items()})
    except ValidationError as exc:
        raise MasterDataError([Problem(COMPANY_FILE, None, ".".join(map(str, err["loc"])) or None,
                                       err["msg"]) for err in exc.errors()]) from None


def seed_company(engine: Engine, path: Path, now: datetime) -> None:
    profile = read_company_file(path)
    with engine.begin() as conn:
        conn.execute(upsert(conn, t.company_profile, update_columns=["profile", "updated_at"]),
                     {"id": 1, "profile": profile.model_dump_json(), "updated_at": now})


def load_company(conn: Connection) -> CompanyProfile:
    """The loaded company profile; ``ConfigError`` when there is none."""
    raw = conn.execute(select(t.company_profile.c.profile).where(t.company_profile.c.id == 1)).scalar()
    if raw is None:
        raise ConfigError(f"no company profile is loaded: add {COMPANY_FILE} (name, street, city, "
                          f"postal_code, country, tax_id, email, iban, bic) to the master data "
                          f"folder and run ordergate seed; no invoice was made")
    return CompanyProfile.model_validate(json.loads(raw))
