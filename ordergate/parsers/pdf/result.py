"""What reading a PDF purchase order yields: the fields found and how sure each reading is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class PrintedAddress:
    """An address as printed on the PDF; the mapping turns it into the order's ``Address``
    (the reader knows nothing of the order model)."""

    name: str | None = None
    street: list[str] = field(default_factory=list)
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def filled(self) -> dict[str, object]:
        """The parts that were found, by name."""
        return {name: getattr(self, name) for name in self.__slots__ if getattr(self, name)}


@dataclass(slots=True)
class ExtractedLine:
    line_number: int  # 1..n in reading order
    quantity: Decimal
    page: int
    buyer_part: str | None = None
    vendor_part: str | None = None  # the supplier's (our) SKU
    gtin: str | None = None
    description: str | None = None
    uom: str | None = None
    unit_price: Decimal | None = None
    buyer_line_id: str | None = None  # the line number printed on the PO, if any


@dataclass(slots=True)
class PdfExtraction:
    """The order as read from the PDF; ``confidence`` maps field names to 0..1.

    Keys are ``po_number``, ``po_date``, ``currency``, ``ship_to``, ``buyer_name``, ``lines``
    (is the line table complete?) and ``line <n> <field>`` for ``quantity``, ``unit_price`` and
    ``item`` (what identifies the line).
    """

    template: str | None  # the template's name, None when the generic extractor read it
    po_number: str
    lines: list[ExtractedLine]
    confidence: dict[str, float]
    po_date: date | None = None
    currency: str | None = None
    ship_to: PrintedAddress | None = None
    buyer_name: str | None = None
    pages: int = 1
    notes: list[str] = field(default_factory=list)  # why a confidence is low, for the reviewer

    def lowest(self) -> float:
        return min(self.confidence.values(), default=1.0)

    def doubtful(self, threshold: float) -> list[str]:
        """Field names whose confidence is below ``threshold``, in document order."""
        return [name for name, value in self.confidence.items() if value < threshold]

    def hold_reason(self, threshold: float) -> str | None:
        """A hold reason naming the doubtful fields, or None when every field is sure enough."""
        names = self.doubtful(threshold)
        if not names:
            return None
        listed = ", ".join(f"{name} ({self.confidence[name]:.2f})" for name in names)
        return f"PDF fields read with confidence below {threshold:.2f}: {listed}"
