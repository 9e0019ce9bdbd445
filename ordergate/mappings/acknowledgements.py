"""A partner's acknowledgement of what we sent, read: an X12 997/999 (per functional group it
answers) or an EDIFACT CONTRL (per interchange it answers)."""

from __future__ import annotations

from ordergate.mappings.x12_values import element
from ordergate.outbox.acks import ACCEPTED, REJECTED, ReceivedAck
from ordergate.parsers.x12 import TransactionSet

X12_ACCEPTED = ("A", "E")  # AK901/AK501: accepted, accepted with errors
EDIFACT_REJECTED = "4"  # UCI/UCM 0083: this level and all lower levels rejected


def x12_ack(ts: TransactionSet) -> ReceivedAck | None:
    """What a 997/999 says of the group it names (AK1), or None when it names none."""
    group = None
    status = None
    rejected_sets: list[str] = []
    notes: list[str] = []
    current = None
    for seg in ts.segments:
        tag = seg[0]
        if tag == "AK1" and group is None:
            group = element(seg, 2)
        elif tag in ("AK2", "IK2"):
            current = f"{element(seg, 1)} {element(seg, 2)}"
        elif tag in ("AK3", "IK3"):
            notes.append(f"{current}: segment {element(seg, 1)} at {element(seg, 2)} "
                         f"(code {element(seg, 4)})")
        elif tag in ("AK4", "IK4"):
            notes.append(f"{current}: element {element(seg, 1)} (code {element(seg, 3)})")
        elif tag in ("AK5", "IK5") and element(seg, 1) not in X12_ACCEPTED:
            rejected_sets.append(f"set {current} rejected (codes {' '.join(seg[2:]).strip()})")
        elif tag == "AK9":
            status = element(seg, 1)
    if not group:
        return None
    accepted = status in X12_ACCEPTED and not rejected_sets
    detail = "; ".join(rejected_sets + notes)[:2000] or None
    return ReceivedAck("x12", None, group, ACCEPTED if accepted else REJECTED, detail)


def edifact_ack(segments: list) -> ReceivedAck | None:
    """What a CONTRL says of the interchange it names (UCI 0020), or None."""
    reference = action = None
    rejected: list[str] = []
    for segment in segments:
        elements = segment.elements
        if segment.tag == "UCI" and reference is None:
            reference = _text(elements, 0)
            action = _text(elements, 3)
        elif segment.tag == "UCM" and _text(elements, 2) == EDIFACT_REJECTED:
            rejected.append(f"message {_text(elements, 0)} rejected (code {_text(elements, 3)})")
    if not reference:
        return None
    accepted = action != EDIFACT_REJECTED and not rejected
    detail = "; ".join(rejected)[:2000] or (None if accepted else "interchange rejected")
    return ReceivedAck("edifact", reference, None, ACCEPTED if accepted else REJECTED, detail)


def _text(elements: list, index: int) -> str:
    if len(elements) <= index:
        return ""
    value = elements[index]
    return (value if isinstance(value, str) else (value[0] if value else "")).strip()
