"""Partner profiles: what differs per customer beyond customers.csv.

One YAML file per customer, ``partners/<customer_id>.yaml`` in the master data folder, loaded
by ``ordergate seed`` into ``partner_profiles`` after customers.csv. A profile is validated
whole (unknown keys are errors, so a typo never silently does nothing); a bad one fails the
load naming the file and field and changes nothing. Example::

    email_addresses: [buyer@acme.example]     # senders besides customers.csv email
    email_domains: [acme.example]             # any sender at these domains
    pdf_templates: [acme-po]                  # PDF layouts tried first for this customer
    min_confidence: 0.8                       # PDF orders below this go on hold for review
    column_map:                               # their CSV/XLSX order files
      columns: {po_number: "PO#", sku: "Item", quantity: "Qty"}
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, Engine, select

from ordergate.masterdata.problems import MasterDataError, Problem
from ordergate.parsers.tabular import ColumnMap
from ordergate.store.db import upsert
from ordergate.store.tables import customers, partner_profiles

PARTNERS_FOLDER = "partners"


class PartnerProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: str
    email_addresses: tuple[str, ...] = ()
    email_domains: tuple[str, ...] = ()
    pdf_templates: tuple[str, ...] = ()
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    column_map: ColumnMap | None = None
    # Checks: price, stock, credit, ship-to
    price_tolerance_percent: float | None = Field(default=None, ge=0)  # None: the setting
    uom_factors: dict[str, Decimal] = Field(default_factory=dict)  # their unit -> our units, e.g. CS: 12
    backorder_policy: Literal["ship_partial", "hold", "reject_line"] = "ship_partial"
    ship_to_codes: tuple[str, ...] = ()  # location codes we know, so a code alone is enough
    credit_stop: bool = False  # on stop: every order is a credit hold
    ack_held: bool = False  # send a "received, pending" acknowledgement for a held order
    # How the customer hears of a shipment: its EDI standard's notice (856/DESADV; the default
    # for orders that came as X12 or EDIFACT), a mail (the default for mailed orders), a CSV in
    # its outbox folder (the default for dropped order files), or not at all.
    ship_notice: Literal["edi", "email", "csv", "none"] | None = None
    # How invoices go out (default: EDI for EDI customers, mail for mailed orders, CSV and a
    # mailed PDF for dropped order files), how often, and when overdue invoices hold new orders.
    invoice_channel: Literal["edi", "email", "csv"] | None = None
    invoice_policy: Literal["per_shipment", "daily"] = "per_shipment"
    hold_if_overdue_days: int | None = Field(default=None, ge=0)

    @field_validator("uom_factors")
    @classmethod
    def _factors(cls, values: dict[str, Decimal]) -> dict[str, Decimal]:
        for unit, factor in values.items():
            if factor <= 0:
                raise ValueError(f"the factor for {unit} must be above zero, not {factor}")
        return {unit.strip().upper(): factor for unit, factor in values.items()}

    @field_validator("email_addresses")
    @classmethod
    def _addresses(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if value.count("@") != 1 or value.startswith("@") or value.endswith("@"):
                raise ValueError(f"{value!r} is not an email address")
        return tuple(v.strip().lower() for v in values)

    @field_validator("email_domains")
    @classmethod
    def _domains(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if "@" in value or "." not in value:
                raise ValueError(f"{value!r} is not a domain (write it like acme.example)")
        return tuple(v.strip().lower().lstrip(".") for v in values)


def load_profile_files(folder: Path) -> list[tuple[Path, PartnerProfile]]:
    """Every ``*.yaml`` in ``folder``, validated; raises MasterDataError listing all problems."""
    loaded, problems = [], []
    for path in sorted(Path(folder).glob("*.y*ml")):
        name = f"{PARTNERS_FOLDER}/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            problems.append(Problem(name, mark.line + 1 if mark else None, None,
                                    f"not readable YAML: {what}"))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(name, None, None, "must be a mapping of settings"))
            continue
        data.setdefault("customer_id", path.stem)
        if data["customer_id"] != path.stem:
            problems.append(Problem(name, None, "customer_id",
                                    f"{data['customer_id']!r} does not match the file name"))
            continue
        try:
            loaded.append((path, PartnerProfile.model_validate(data)))
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(part) for part in err["loc"]) or None
                problems.append(Problem(name, None, field, err["msg"]))
    if problems:
        raise MasterDataError(problems)
    return loaded


def seed_profiles(engine: Engine, folder: Path, now: datetime) -> int:
    """Upsert the profiles in ``folder`` in one transaction, all or nothing."""
    loaded = load_profile_files(folder)
    with engine.begin() as conn:
        known = set(conn.execute(select(customers.c.customer_id)).scalars())
        unknown = [Problem(f"{PARTNERS_FOLDER}/{path.name}", None, "customer_id",
                           f"no customer {profile.customer_id!r} in customers.csv")
                   for path, profile in loaded if profile.customer_id not in known]
        if unknown:
            raise MasterDataError(unknown)
        if loaded:
            conn.execute(upsert(conn, partner_profiles, update_columns=["profile", "updated_at"]),
                         [{"customer_id": p.customer_id, "profile": p.model_dump_json(),
                           "updated_at": now} for _, p in loaded])
    return len(loaded)


def load_profiles(conn: Connection) -> dict[str, PartnerProfile]:
    return {row.customer_id: PartnerProfile.model_validate(json.loads(row.profile))
            for row in conn.execute(select(partner_profiles))}
