"""Payment terms as customers.csv writes them: ``NET30``, or ``2/10 NET30`` (2 % off when paid
within 10 days, the full amount due in 30)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_TERMS = "NET30"
_TERMS = re.compile(r"^(?:(?P<percent>\d{1,2}(?:\.\d{1,2})?)\s*/\s*(?P<days>\d{1,3})\s+)?"
                    r"NET\s*(?P<net>\d{1,3})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    text: str  # normalised, e.g. "2/10 NET30"
    net_days: int
    discount_percent: Decimal | None = None
    discount_days: int | None = None


def parse_terms(text: str | None) -> PaymentTerms:
    """The terms ``text`` names (``NET30`` when empty); ``ValueError`` saying how to write them."""
    match = _TERMS.match((text or DEFAULT_TERMS).strip())
    if match is None:
        raise ValueError(f"{text!r} is not payment terms: write NET30, NET45 or 2/10 NET30")
    net = int(match["net"])
    if match["percent"] is None:
        return PaymentTerms(f"NET{net}", net)
    percent, days = Decimal(match["percent"]), int(match["days"])
    if not 0 < percent < 100 or days > net:
        raise ValueError(f"{text!r}: the discount must be under 100 % and its days within the "
                         f"net days")
    return PaymentTerms(f"{percent.normalize():f}/{days} NET{net}", net, percent, days)
