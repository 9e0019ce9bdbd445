"""Per-customer PDF layouts as data: ``mappings/pdf_templates/*.yaml``, validated on load.

A template is chosen when all its keywords appear on page 1. It says where the header fields
are (regular expressions with a ``value`` group, a ship-to region in points or a regex) and
what the line table's column heads are called. A bad template fails the run loudly with a
``ConfigError`` naming the file and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ordergate.errors import ConfigError
from ordergate.parsers.pdf.table import IDENTIFIERS, TABLE_END, TableRules
from ordergate.parsers.pdf.values import DateOrder, NumberStyle

DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "mappings" / "pdf_templates"
LineField = Literal["buyer_part", "vendor_part", "gtin", "description", "quantity", "uom",
                    "unit_price", "line_total", "line_id"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compiled(pattern: str, group: str | None) -> str:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    if group and group not in compiled.groupindex:
        raise ValueError(f"the pattern needs a named group (?P<{group}>...)")
    return pattern


class ShipToRule(_Strict):
    """Where the ship-to block is: a box on page 1 (x0, top, x1, bottom in points) or a regex."""

    region: tuple[float, float, float, float] | None = None
    # Named groups: name, street, city, postal_code, state, country (all optional).
    regex: str | None = None

    @field_validator("regex")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        return None if value is None else _compiled(value, None)

    @model_validator(mode="after")
    def _exactly_one(self) -> ShipToRule:
        if (self.region is None) == (self.regex is None):
            raise ValueError("give exactly one of region or regex")
        return self


class LineTableRule(_Strict):
    columns: dict[LineField, list[str]] = Field(min_length=2)  # field → its column head(s)
    end: str = TABLE_END.pattern  # a row matching this ends the table
    skip: list[str] = Field(default_factory=list)  # rows matching these are not lines
    part_in_description: str | None = None  # pulls a part code out of the description
    part_field: Literal["buyer_part", "vendor_part"] = "vendor_part"

    @field_validator("columns")
    @classmethod
    def _has_quantity_and_item(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if "quantity" not in value or not set(value) & set(IDENTIFIERS):
            raise ValueError(f"needs a quantity column and one of {', '.join(IDENTIFIERS)}")
        if any(not heads for heads in value.values()):
            raise ValueError("every column needs at least one header text")
        return value

    @field_validator("end")
    @classmethod
    def _valid_end(cls, value: str) -> str:
        return _compiled(value, None)

    @field_validator("skip")
    @classmethod
    def _valid_skip(cls, value: list[str]) -> list[str]:
        return [_compiled(pattern, None) for pattern in value]

    @field_validator("part_in_description")
    @classmethod
    def _valid_part(cls, value: str | None) -> str | None:
        return None if value is None else _compiled(value, "part")


class PdfTemplate(_Strict):
    name: str = Field(min_length=1)
    keywords: list[str] = Field(min_length=1)  # all must appear on page 1
    po_number: str  # regex with a (?P<value>...) group
    po_date: str | None = None
    date_order: DateOrder | None = None  # how to read 03/04/2026 on this customer's forms
    number_style: NumberStyle | None = None
    currency: str | None = None  # regex with a value group (an ISO code or a sign)
    currency_code: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")  # or a fixed one
    buyer_name: str | None = None
    ship_to: ShipToRule | None = None
    lines: LineTableRule

    @field_validator("po_number", "po_date", "currency")
    @classmethod
    def _value_group(cls, value: str | None) -> str | None:
        return None if value is None else _compiled(value, "value")

    def matches(self, first_page_text: str) -> bool:
        text = " ".join(first_page_text.split()).casefold()
        return all(" ".join(k.split()).casefold() in text for k in self.keywords)

    def table_rules(self) -> TableRules:
        return TableRules(
            keywords={name: tuple(heads) for name, heads in self.lines.columns.items()},
            require_all=True,
            end=re.compile(self.lines.end, re.I),
            skip=tuple(re.compile(p, re.I) for p in self.lines.skip),
            part_in_description=(re.compile(self.lines.part_in_description)
                                 if self.lines.part_in_description else None),
            part_field=self.lines.part_field)


def load_templates(folder: Path | str = DEFAULT_TEMPLATE_DIR) -> list[PdfTemplate]:
    """Every ``*.yaml`` template in ``folder``, by file name; ConfigError on any bad one."""
    directory = Path(folder)
    if not directory.is_dir():
        raise ConfigError(f"PDF template folder {directory} does not exist")
    templates: list[PdfTemplate] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        template = _load_one(path)
        if template.name in seen:
            raise ConfigError(f"{path}: name {template.name!r} is already used by {seen[template.name]}")
        seen[template.name] = path
        templates.append(template)
    return templates


def _load_one(path: Path) -> PdfTemplate:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a PDF template must be a mapping of fields, got {type(data).__name__}")
    try:
        return PdfTemplate.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"field {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
                             for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from exc
