"""What the 856 and the 810 write the same way: parties (the N1 loop), an item's product ids,
free text cut to its element, our shipment number, dates and hash totals.

- An N1 names a party by name and, when known, by (N103 qualifier, N104 id): an id given by
  the caller (how the partner knows us, or the buyer), else the party's own code with the
  qualifier it came with, 92 (assigned by buyer) when it came with none. N3 holds two street
  lines and the loop two N3s; N4 city, state, postal code, country.
- Product ids echo the PO's: BP (buyer's part), then VP (the PO's vendor part, else our SKU),
  then the GTIN by its length once the leading zeros of its 14-digit form are dropped: UP for a
  12-digit U.P.C. (two leading zeros; a GTIN-8 padded), EN for a 13-digit EAN (one), UK for a
  GTIN-14. A value that is no GTIN goes without one: no qualifier would say what it is.
- Free text (names, streets, cities, descriptions, terms) is cut to its element's size with
  runs of white space made one; the writer replaces any delimiter it holds by a space. A text
  with no letter or digit is left out rather than written empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from ordergate.billing.model import Party
from ordergate.orders.model import Address

BUYER_ASSIGNED = "92"  # N103 66: assigned by buyer or buyer's agent
# Maximum sizes (004010) of the free-text elements we fill.
NAME_SIZE, STREET_SIZE, CITY_SIZE, DESCRIPTION_SIZE = 60, 55, 30, 80  # N102, N301, N401, PID05
HASH_DIGITS = 10  # CTT02


def party(role: str, address: Address | Party | None,
          identified: tuple[str, str] | None) -> list[list[str]]:
    """N1 (with N3/N4 when the address has them) for ``role``; nothing when neither a name nor
    an id is known, since N1 needs one of them."""
    name = text(address.name, NAME_SIZE) if address is not None else None
    if identified is not None:
        qualifier, code = identified
    elif address is not None and address.code:
        qualifier, code = address.code_qualifier or BUYER_ASSIGNED, address.code
    else:
        qualifier = code = ""
    if not name and not code:
        return []
    segments = [["N1", role, name or "", qualifier, code]]
    if address is None:
        return segments
    streets = [street for street in (text(s, STREET_SIZE) for s in address.street) if street]
    for first in range(0, min(len(streets), 4), 2):  # N3 holds two lines, the N1 loop two N3s
        segments.append(["N3", *streets[first:first + 2]])
    place = [text(address.city, CITY_SIZE) or "", address.state or "", address.postal_code or "",
             address.country or ""]
    if any(place):
        segments.append(["N4", *place])
    return segments


def product_ids(buyer_part: str | None, vendor_part: str | None, sku: str | None,
                gtin: str | None) -> list[str]:
    """Qualifier, id, qualifier, id…: what follows the line id in a LIN or an IT1."""
    ids: list[str] = []
    for qualifier, value in (("BP", buyer_part), ("VP", vendor_part or sku), *gtin_id(gtin)):
        if value:
            ids += [qualifier, value]
    return ids


def gtin_id(gtin: str | None) -> tuple[tuple[str, str], ...]:
    """(qualifier, number) for a GTIN in any of its lengths; nothing for a value that is not
    one (no qualifier would say what it is)."""
    if not gtin or not gtin.isascii() or not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return ()
    full = gtin.zfill(14)
    if full.startswith("00"):
        return (("UP", full[2:]),)  # U.P.C. consumer package code (1-5-5-1); GTIN-8 padded
    if full.startswith("0"):
        return (("EN", full[1:]),)  # EAN (2-5-5-1)
    return (("UK", full),)  # U.P.C./EAN shipping container code (1-2-5-5-1)


# Descriptions, names and streets recur across the shipments and invoices of a batch (the same
# products, the same stores): each distinct one is cleaned once.
@lru_cache(maxsize=4096)
def text(value: str | None, size: int) -> str | None:
    if not value:
        return None
    cut = " ".join(value.split())[:size].rstrip()
    # Most texts start with a letter or digit; the search finds one anywhere else.
    return cut if cut[:1].isalnum() or _LETTER_OR_DIGIT.search(cut) else None


# What str.isalnum() accepts: a word character that is not the underscore.
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def shipment_number(shipment_id: int) -> str:
    """Our shipment number as the 856 (BSN02, REF*BM) and the 810 (REF*BM) write it: the id,
    zero-padded to the two characters BSN02 needs at least."""
    return str(shipment_id).zfill(2)


@lru_cache(maxsize=1024)  # the notice's date, ship dates and PO dates: a few per batch
def yyyymmdd(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def hash_total(quantities: Iterable[str]) -> str:
    """X12 hash total: the values' digits summed as whole numbers (decimal points and signs
    disregarded), truncated on the left to the element's size."""
    total = sum(int(value.replace(".", "").lstrip("-") or "0") for value in quantities)
    return str(total % 10 ** HASH_DIGITS)
