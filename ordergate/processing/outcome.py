"""What an interchange-based intake (X12, EDIFACT) counts, and the document status it implies."""

from __future__ import annotations

from dataclasses import dataclass

from ordergate.masterdata.catalog import Catalog
from ordergate.orders.store import SavedOrder
from ordergate.processing.report import DocumentReport


@dataclass(slots=True)
class IntakeOutcome:
    interchanges: int = 0
    rejected_interchanges: int = 0
    duplicate_interchanges: int = 0
    accepted_sets: int = 0  # transaction sets / messages that became orders

    def add(self, other: "IntakeOutcome") -> None:
        """Count ``other`` in too (a mail's several EDI attachments make one document)."""
        self.interchanges += other.interchanges
        self.rejected_interchanges += other.rejected_interchanges
        self.duplicate_interchanges += other.duplicate_interchanges
        self.accepted_sets += other.accepted_sets


def document_status(outcome: IntakeOutcome, report: DocumentReport) -> tuple[str, str | None]:
    """processed when any order came out of it; duplicate when every interchange was one;
    failed (with the first reasons) when nothing usable did."""
    if outcome.accepted_sets:
        return "processed", None
    if outcome.interchanges and outcome.duplicate_interchanges == outcome.interchanges:
        return "duplicate", report.problems[0] if report.problems else None
    reasons = list(report.problems)
    for order in report.orders:
        reasons.extend(order.hold_reasons)
    if not reasons:
        return "processed", None  # e.g. an interchange of acknowledgements: nothing to do, nothing wrong
    return "failed", "; ".join(reasons[:3]) + (f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else "")


def answer_now(saved: list[SavedOrder], catalog: Catalog, *, pending_ack: bool = True) -> list[SavedOrder]:
    """What an intake acknowledges right away: everything but held orders, which are answered
    when ops release or reject them (``processing/holds.py``); a customer whose profile asks
    for it (``ack_held``, where the standard has a pending acknowledgement) hears at once too."""
    def wants_pending(item: SavedOrder) -> bool:
        profile = catalog.profile(item.order.customer_id)
        return pending_ack and profile is not None and profile.ack_held

    return [item for item in saved if item.status != "held" or wants_pending(item)]
