"""What a shipment notice and a pick list say, as the renderers read them.

Built by the fulfilment store from the rows it wrote in the shipment's (or pick list's)
transaction, so a notice says exactly what was recorded. Plain slotted dataclasses: the
renderers are pure functions of these and of the envelope they go out in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ordergate.orders.model import Address


# Not frozen, unlike the notice: a frozen dataclass sets each field through
# object.__setattr__, 1.3 µs a line against 0.4, and a large shipment file makes one per line
# shipped and per line still open. Nothing changes one after it is made.
@dataclass(slots=True)
class ShippedLine:
    """One order line in one shipment (a line split over packages appears once per package)."""

    line_number: int  # our order line number (1..n, the PO's order)
    sku: str  # our item
    quantity: Decimal  # shipped in this shipment (in this package), in ``uom``
    ordered: Decimal  # what the PO asked for on this line, in ``uom``
    shipped_total: Decimal  # shipped on this line so far, this shipment included
    open_quantity: Decimal  # still to ship on this line after this shipment (0 when complete)
    uom: str | None = None
    buyer_line_id: str | None = None  # PO101 / the buyer's line number, echoed back
    buyer_part: str | None = None  # the identifiers the PO used, echoed as it sent them
    vendor_part: str | None = None
    gtin: str | None = None
    description: str | None = None
    package_id: str | None = None  # SSCC-18 of the package the quantity is in


@dataclass(frozen=True, slots=True)
class ShipmentNotice:
    """One shipment of one order: what the 856, the DESADV and the ship-notice mail or CSV say."""

    shipment_id: int
    order_id: int
    customer_id: str
    po_number: str
    carrier: str  # the carrier's code as the warehouse gave it (e.g. UPSN, FDEG, DHL)
    tracking_number: str
    ship_date: date
    lines: tuple[ShippedLine, ...]
    po_date: date | None = None
    ship_to: Address | None = None
    ship_from: Address | None = None
    complete: bool = False  # every line of the order has shipped in full with this shipment
    # (role, id) of the parties the order named, e.g. ("BY", GLN), ("DP", GLN) for EDIFACT
    parties: tuple[tuple[str, str], ...] = ()
    # The order's other lines that are still to ship (``quantity`` 0: not in this shipment),
    # so a notice can say everything that is still open.
    other_open_lines: tuple[ShippedLine, ...] = ()

    @property
    def packages(self) -> tuple[str, ...]:
        """The SSCCs of the shipment's packages, in the order their lines come."""
        seen: dict[str, None] = {}
        for line in self.lines:
            if line.package_id:
                seen.setdefault(line.package_id)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class PickLine:
    order_id: int
    line_number: int
    sku: str
    quantity: Decimal  # to pick, in ``uom``
    location: str | None = None  # the bin (stock.csv ``location``); None: no location known
    uom: str | None = None
    description: str | None = None
    customer_id: str | None = None
    po_number: str | None = None


@dataclass(frozen=True, slots=True)
class PickList:
    pick_list_id: str  # e.g. "PL-000042"
    created_at: datetime
    lines: tuple[PickLine, ...] = field(default_factory=tuple)  # by location, then SKU
