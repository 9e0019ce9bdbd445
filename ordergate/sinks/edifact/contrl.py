"""EDIFACT CONTRL syntax and service report: our answer to one interchange received.

Written as CONTRL:D:3:UN, the layout of syntax version 3 (UCI+0020+S002+S003+0083+0085+0013
+S011 ...), which is what partners on UNOA..UNOC:3 (nearly all ORDERS senders) expect and
what translators for version 4 still read. UCI carries the verdict on the interchange
(7 acknowledged, lower levels too unless rejected below; 4 rejected with everything in it;
8 received only, nothing checked yet). A UCF answers each functional group when the subject
had groups (UNG/UNE), and a UCM each message with problems, or every message on request;
under it a UCS names each faulty segment by position (UNH = 1) and a UCD each faulty
element (the tag counting as position 1). ISO 9735 asks for each error to be reported once,
at the lowest level that can say it: an element error's code sits on its UCD, not its UCS.
Pure: typed acknowledgement data in, an ``OutMessage`` out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pydifact.segments import Segment

from ordergate.parsers.edifact import EdifactProblem
from ordergate.sinks.edifact.envelope import EdifactParty, OutMessage, segment
from ordergate.wire import by_fields

VERSION = ("CONTRL", "D", "3", "UN")
MAX_SEGMENT_REPORTS = 999  # UCS occurrences per UCM
MAX_ELEMENT_REPORTS = 99  # UCD occurrences per UCS
# ISO 9735 sizes of what UCI/UCF/UCM echo: reference, then each party's or S009's components.
_PARTY = (35, 4, 14)
_ECHO_SIZES = {"UCI": ((14,), _PARTY, _PARTY), "UCF": ((14,), _PARTY, _PARTY),
               "UCM": ((14,), (6, 3, 3, 3, 6))}


class Action(str, Enum):
    """DE 0083: what was done with a level of the subject interchange."""

    ACKNOWLEDGED = "7"  # this level acknowledged; lower levels too, unless rejected there
    REJECTED = "4"  # this level and all lower levels rejected
    RECEIVED = "8"  # interchange received; only in a receipt sent before any checking


@by_fields
@dataclass(slots=True)
class MessageAck:
    """One message of the subject interchange: its UNH identification and what was wrong."""

    reference: str  # their UNH 0062
    message_type: str  # S009 0065, e.g. "ORDERS"
    version: str  # 0052, e.g. "D"
    release: str  # 0054, e.g. "96A"
    agency: str = "UN"  # 0051
    association_code: str | None = None  # 0057, e.g. "EAN008"
    problems: list[EdifactProblem] = field(default_factory=list)
    action: Action | None = None  # None: rejected when there are problems, else acknowledged

    @property
    def verdict(self) -> Action:
        if self.action is not None:
            return self.action
        return Action.REJECTED if self.problems else Action.ACKNOWLEDGED


@dataclass(slots=True)
class GroupAck:
    """One functional group (UNG..UNE) of the subject interchange."""

    reference: str  # their UNG 0048
    sender: EdifactParty  # S006 application sender
    recipient: EdifactParty  # S007 application recipient
    messages: list[MessageAck] = field(default_factory=list)
    problems: list[EdifactProblem] = field(default_factory=list)  # UNG/UNE problems
    action: Action | None = None

    @property
    def verdict(self) -> Action:
        if self.action is not None:
            return self.action
        return Action.REJECTED if self.problems else Action.ACKNOWLEDGED


@dataclass(slots=True)
class InterchangeAck:
    """The subject interchange: their UNB addressing, its messages (or groups) and problems."""

    reference: str  # their UNB 0020
    sender: EdifactParty  # their S002 (the partner)
    recipient: EdifactParty  # their S003 (us)
    messages: list[MessageAck] = field(default_factory=list)
    groups: list[GroupAck] = field(default_factory=list)  # instead of messages, when UNG was used
    problems: list[EdifactProblem] = field(default_factory=list)  # UNA/UNB/UNZ problems
    action: Action | None = None

    @property
    def verdict(self) -> Action:
        if self.action is not None:
            return self.action
        return Action.REJECTED if self.problems else Action.ACKNOWLEDGED


def build_contrl(ack: InterchangeAck, message_reference: int, *,
                 report_all: bool = False) -> OutMessage:
    """The CONTRL for ``ack``; ``report_all`` adds a UCM for every message, not only faulty ones."""
    verdict = ack.verdict
    segments = [_report("UCI", [ack.reference, ack.sender.composite(),
                                ack.recipient.composite()], verdict, ack.problems)]
    # Under a rejected or merely received interchange there is nothing more to say: code 4
    # already covers every lower level, and a receipt comes before any checking.
    if verdict is Action.ACKNOWLEDGED:
        for group in ack.groups:
            segments.extend(_group(group, report_all))
        for message in ack.messages:
            segments.extend(_message(message, report_all))
    return OutMessage(reference=message_reference, message_type=VERSION[0], version=VERSION[1],
                      release=VERSION[2], agency=VERSION[3], segments=segments)


def _group(group: GroupAck, report_all: bool) -> list[Segment]:
    messages = [seg for m in group.messages for seg in _message(m, report_all)]
    if not (report_all or group.problems or messages):
        return []
    verdict = group.verdict
    ucf = _report("UCF", [group.reference, group.sender.composite(),
                          group.recipient.composite()], verdict, group.problems)
    return [ucf] if verdict is Action.REJECTED else [ucf, *messages]


def _message(message: MessageAck, report_all: bool) -> list[Segment]:
    if not (report_all or message.problems or message.action is not None):
        return []
    identifier = [message.message_type, message.version, message.release, message.agency,
                  message.association_code or ""]
    own = [p for p in message.problems if not p.is_segment_detail]
    detail = [p for p in message.problems if p.is_segment_detail]
    return [_report("UCM", [message.reference, identifier], message.verdict, own),
            *_segment_reports(detail)]


def _report(tag: str, identification: list, verdict: Action,
            problems: list[EdifactProblem]) -> Segment:
    """UCI/UCF/UCM: identification, 0083 action, then 0085/0013/S011 of the first problem."""
    # What is echoed fits its field: a longer value was rejected when read (39) and is cut here.
    identification = [[_fit(part, size) for part, size in zip(value, sizes)] if isinstance(value, list)
                      else _fit(value, sizes[0]) for value, sizes in zip(identification, _ECHO_SIZES[tag])]
    problem = problems[0] if problems else None
    if problem is None:
        return segment(tag, *identification, verdict.value)
    return segment(tag, *identification, verdict.value, problem.code, problem.segment_tag,
                   _element_id(problem))


def _fit(value: str, size: int) -> str:
    return value if len(value) <= size else value.strip()[:size]


def _segment_reports(problems: list[EdifactProblem]) -> list[Segment]:
    by_position: dict[int, list[EdifactProblem]] = {}
    for problem in problems:
        by_position.setdefault(problem.segment_position, []).append(problem)
    out: list[Segment] = []
    for position in sorted(by_position)[:MAX_SEGMENT_REPORTS]:
        found = by_position[position]
        whole = next((p for p in found if p.element_position is None), None)
        out.append(segment("UCS", str(position), whole.code if whole else ""))
        elements = [p for p in found if p.element_position is not None]
        out.extend(segment("UCD", p.code, _element_id(p)) for p in elements[:MAX_ELEMENT_REPORTS])
    return out


def _element_id(problem: EdifactProblem) -> list[str]:
    """S011: 0098 element position (tag = 1) : 0104 component position."""
    if problem.element_position is None:
        return [""]
    return [str(problem.element_position),
            "" if problem.component_position is None else str(problem.component_position)]


def not_supported_problem(message_type: str, reference: str | None = None) -> EdifactProblem:
    """A message we do not turn into business documents (only ORDERS is read here)."""
    # UNH's S009 is its second element after the tag: position 3, its type component 1.
    return EdifactProblem(
        code="14", level="message", segment_tag="UNH", segment_position=1, element_position=3,
        component_position=1, element_ref="0065", bad_value=message_type,
        message=f"message type {message_type} is not supported here (only ORDERS purchase "
                f"orders)", message_reference=reference)
