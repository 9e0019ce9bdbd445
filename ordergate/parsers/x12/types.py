"""The parsed shape of an X12 interchange: envelopes, transaction sets, and syntax problems.

A segment is a ``list[str]`` whose item 0 is the segment id, so ``seg[1]`` is element 01 as
the X12 standard numbers it. Components and repetitions are not split by the reader (use
``Delimiters.components``): most elements have none, and splitting every element would cost
the reader its speed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordergate.wire import by_fields

Segment = list[str]


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ">"
    repetition: str | None = None  # ISA11 from version 00402 on; None before
    segment: str = "~"

    def components(self, value: str) -> list[str]:
        return value.split(self.component)


@by_fields
@dataclass(slots=True)
class X12Problem:
    """One syntax problem, with everything a 997/TA1 and a person need to act on it.

    ``level`` is "interchange", "group" or "transaction". ``code`` is the X12 code for the
    acknowledgement at that level: TA105 note code for interchange, AK905 for group, AK502
    for transaction. Segment-level detail (AK3/AK4) sits in the optional fields.
    """

    level: str
    code: str
    message: str
    position: int | None = None  # 1-based segment index in the file's interchange
    segment_id: str | None = None
    # AK3/AK4 detail for transaction-level problems
    segment_position_in_set: int | None = None  # ST is 1
    segment_code: str | None = None  # AK304
    element_position: int | None = None  # AK401
    element_ref: str | None = None  # AK403 data element reference number
    element_code: str | None = None  # AK403 element syntax error code
    bad_value: str | None = None
    interchange_control: str | None = None
    group_control: str | None = None
    transaction_control: str | None = None

    def __str__(self) -> str:
        where = []
        if self.segment_id:
            where.append(f"segment {self.segment_id}")
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.element_position is not None:
            where.append(f"element {self.element_position:02d}")
        for label, value in (("ISA13", self.interchange_control), ("GS06", self.group_control),
                             ("ST02", self.transaction_control)):
            if value:
                where.append(f"{label} {value}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


@dataclass(slots=True)
class InterchangeHeader:
    isa: Segment  # elements stripped of their fixed-width padding
    delimiters: Delimiters
    position: int  # segment index of ISA within the file (1-based)

    @property
    def sender_qualifier(self) -> str:
        return self.isa[5]

    @property
    def sender_id(self) -> str:
        return self.isa[6]

    @property
    def receiver_qualifier(self) -> str:
        return self.isa[7]

    @property
    def receiver_id(self) -> str:
        return self.isa[8]

    @property
    def control_number(self) -> str:
        return self.isa[13]

    @property
    def version(self) -> str:
        return self.isa[12]


@dataclass(slots=True)
class GroupHeader:
    gs: Segment
    position: int
    interchange: InterchangeHeader

    @property
    def functional_id(self) -> str:
        return self.gs[1] if len(self.gs) > 1 else ""

    @property
    def sender_code(self) -> str:
        return self.gs[2] if len(self.gs) > 2 else ""

    @property
    def receiver_code(self) -> str:
        return self.gs[3] if len(self.gs) > 3 else ""

    @property
    def control_number(self) -> str:
        return self.gs[6] if len(self.gs) > 6 else ""

    @property
    def version(self) -> str:
        return self.gs[8] if len(self.gs) > 8 else ""


@dataclass(slots=True)
class TransactionSet:
    set_id: str  # ST01, e.g. "850"
    control_number: str  # ST02
    segments: list[Segment]  # ST through SE inclusive (SE missing if the trailer was)
    position: int  # segment index of ST within its interchange (ISA = 1), as problem positions
    group: GroupHeader
    problems: list[X12Problem] = field(default_factory=list)  # envelope problems of this set

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class GroupEnd:
    """Emitted after a group's last transaction: its trailer checks and what it held."""

    group: GroupHeader
    transaction_count: int  # sets actually seen
    problems: list[X12Problem] = field(default_factory=list)  # GE count/control mismatches, GE missing


@dataclass(slots=True)
class InterchangeEnd:
    interchange: InterchangeHeader
    group_count: int
    problems: list[X12Problem] = field(default_factory=list)  # IEA count/control mismatches, IEA missing


# What ``iter_x12`` yields, in file order.
X12Event = InterchangeHeader | GroupHeader | TransactionSet | GroupEnd | InterchangeEnd
