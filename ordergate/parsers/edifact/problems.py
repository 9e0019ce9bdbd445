"""EDIFACT syntax problems, in the terms a CONTRL message reports them (UCI/UCF/UCM/UCS/UCD).

Shared by whatever finds a problem (the reader for envelopes, the mappings for message
content) and the CONTRL sink that reports it, so neither side translates the other's words.
Positions follow ISO 9735: a segment's position counts UNH as 1 (DE 0096); an element's
position counts the segment tag as 1 (DE 0098), so the first data element is 2; components
count from 1 (DE 0104).
"""

from __future__ import annotations

from dataclasses import dataclass

# DE 0085 syntax error codes (ISO 9735 Annex A). Only the ones ordergate emits are named.
INVALID_VALUE = "12"
MISSING = "13"
VALUE_NOT_SUPPORTED = "14"  # valid by the standard, but not something we can act on
NOT_SUPPORTED_IN_POSITION = "15"
UNSPECIFIED = "18"
UNKNOWN_SENDER = "23"
DUPLICATE_DETECTED = "26"
REFERENCES_DO_NOT_MATCH = "28"
CONTROL_COUNT_MISMATCH = "29"
LOWER_LEVEL_EMPTY = "32"
INVALID_CHARACTER_TYPE = "37"  # e.g. letters in a numeric element
TOO_LONG = "39"


@dataclass(slots=True)
class EdifactProblem:
    """One syntax problem, with everything a CONTRL and a person need to act on it.

    ``level`` is "interchange" (UCI: UNA/UNB/UNZ), "group" (UCF: UNG/UNE) or "message"
    (UCM, with UCS/UCD detail when ``segment_position`` is set and the segment is not UNH/UNT).
    """

    code: str  # DE 0085
    message: str
    level: str = "message"
    segment_tag: str | None = None
    segment_position: int | None = None  # DE 0096: UNH = 1
    element_position: int | None = None  # DE 0098: the segment tag = 1
    component_position: int | None = None  # DE 0104
    element_ref: str | None = None  # the data element's directory number, e.g. "6060"
    bad_value: str | None = None
    position: int | None = None  # the segment's 1-based position in the interchange
    interchange_reference: str | None = None  # UNB 0020
    message_reference: str | None = None  # UNH 0062

    @property
    def is_segment_detail(self) -> bool:
        """Reported as UCS (+UCD) under the UCM rather than on the UCM itself."""
        return (self.level == "message" and self.segment_position is not None
                and self.segment_tag not in ("UNH", "UNT"))

    def __str__(self) -> str:
        where = []
        if self.segment_tag:
            where.append(f"segment {self.segment_tag}")
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.element_position is not None:
            element = f"element {self.element_position}"
            if self.component_position is not None:
                element += f":{self.component_position}"
            where.append(element)
        if self.message_reference:
            where.append(f"UNH {self.message_reference}")
        if self.interchange_reference:
            where.append(f"UNB {self.interchange_reference}")
        return f"{self.message} ({', '.join(where)})" if where else self.message
