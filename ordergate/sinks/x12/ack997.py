"""X12 997 functional acknowledgement: one per functional group received.

AK1 names the group, AK2/AK5 each transaction set (with AK3/AK4 where a segment or element
was at fault), AK9 the group's verdict. Pure: control numbers come in, a transaction goes out.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from ordergate.parsers.x12 import GroupHeader, OutTransaction, SegmentWriter, X12Problem
from ordergate.wire import by_fields

# Transaction sets we turn into business documents; others are acknowledged as not supported.
SUPPORTED_SETS = frozenset({"850", "820"})
# Answers to what we sent: taken in without a 997 back (acknowledging an acknowledgement loops).
ACKNOWLEDGEMENT_SETS = frozenset({"997", "999"})
NOT_SUPPORTED = "1"  # AK502 / AK905 code
_NO_PROBLEMS: list[X12Problem] = []  # shared by accepted sets kept in a GroupAck: never appended to
ONE_OR_MORE_SEGMENTS_IN_ERROR = "5"


@by_fields
@dataclass(slots=True)
class TransactionAck:
    set_id: str
    control_number: str
    problems: list[X12Problem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class GroupAck:
    group: GroupHeader
    transactions: list[TransactionAck] = field(default_factory=list)
    problems: list[X12Problem] = field(default_factory=list)  # GE trailer problems

    def add(self, ack: TransactionAck) -> None:
        """Keep ``ack`` for the 997. A group may hold 300,000 sets, nearly all accepted: each of
        those is kept as a fresh record with the set id shared and no problem list of its own
        (about 120 bytes instead of 600 for what the prepare process sent)."""
        if not ack.problems:
            ack = TransactionAck(sys.intern(ack.set_id), ack.control_number, _NO_PROBLEMS)
        self.transactions.append(ack)

    @property
    def accepted_count(self) -> int:
        return sum(1 for t in self.transactions if t.accepted)

    @property
    def status(self) -> str:
        """AK901: A accepted, E accepted with errors, P partially accepted, R rejected."""
        accepted = self.accepted_count
        if self.transactions and accepted == len(self.transactions):
            return "E" if self.problems else "A"
        if accepted:
            return "P"
        return "R"


# Segments rendered to text at a time when a writer is given (``build_997``).
_CHUNK = 4096


def build_997(ack: GroupAck, st_control: int, writer: SegmentWriter | None = None) -> OutTransaction:
    """The 997 answering one group. With ``writer`` (the one ``write_interchange`` will use)
    everything after AK1 is rendered to text a few thousand segments at a time: a group of
    100,000 sets has 200,000 AK2/AK5 segments, about 50 MB as lists held at once."""
    # AK102 is N0 1/9: a GS06 that does not fit was rejected (AK905 6) and is echoed cut.
    head: list[list[str]] = [["AK1", ack.group.functional_id[:2], ack.group.control_number[:9]]]
    if writer is None:
        return OutTransaction(set_id="997", control_number=st_control,
                              segments=head + list(_after_ak1(ack)))
    chunks: list[str] = []
    chunk: list[list[str]] = []
    count = 0
    for segment in _after_ak1(ack):
        chunk.append(segment)
        if len(chunk) == _CHUNK:
            chunks.append(writer.render_all(chunk))
            count += len(chunk)
            chunk = []
    if chunk:
        chunks.append(writer.render_all(chunk))
        count += len(chunk)
    return OutTransaction(set_id="997", control_number=st_control, segments=head,
                          tail="".join(chunks), tail_count=count, tail_writer=writer)


def _after_ak1(ack: GroupAck) -> Iterator[list[str]]:
    for tx in ack.transactions:
        # AK201 ID 3/3, AK202 AN 4/9: values that do not fit were rejected (AK502 6 or 7).
        yield ["AK2", tx.set_id[:3], tx.control_number[:9]]
        codes: list[str] = []
        for problem in tx.problems:
            if problem.segment_id and problem.segment_position_in_set and problem.segment_code:
                yield ["AK3", problem.segment_id, str(problem.segment_position_in_set),
                       "", problem.segment_code]
                if problem.element_position and problem.element_code:
                    yield ["AK4", str(problem.element_position), problem.element_ref or "",
                           problem.element_code, (problem.bad_value or "")[:99]]
            if problem.code and problem.code not in codes:  # "": a fault X12 has no code for
                codes.append(problem.code)
        # AK502-AK506: at most five reason codes.
        yield ["AK5", "A" if tx.accepted else "R", *codes[:5]]
    group_codes: list[str] = []
    for problem in ack.problems:
        if problem.code and problem.code not in group_codes:
            group_codes.append(problem.code)
    if not ack.accepted_count and ack.transactions and all(
            any(p.code == NOT_SUPPORTED for p in t.problems) for t in ack.transactions):
        group_codes.insert(0, NOT_SUPPORTED)
    yield ["AK9", ack.status, str(_declared_count(ack)), str(len(ack.transactions)),
           str(ack.accepted_count), *group_codes[:5]]


def _declared_count(ack: GroupAck) -> int:
    """AK902: the number the GE said it held (or what we saw, if the GE is unreadable)."""
    for problem in ack.problems:
        if problem.code == "5" and problem.bad_value and problem.bad_value.isdigit():
            return int(problem.bad_value)
    return len(ack.transactions)


def not_supported_problem(set_id: str, control_number: str) -> X12Problem:
    return X12Problem(level="transaction", code=NOT_SUPPORTED,
                      message=f"transaction set {set_id} is not supported here (only 850 purchase orders)",
                      transaction_control=control_number)
