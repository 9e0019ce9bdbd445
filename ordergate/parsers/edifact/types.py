"""The parsed shape of an EDIFACT interchange: delimiters, envelopes, messages, syntax error codes.

Segments are pydifact ``Segment`` objects, exactly as ``pydifact.parser.Parser`` builds them:
``seg.tag`` is the tag and ``seg.elements[0]`` the first data element after it; an element is
a ``str``, or a ``list[str]`` when it has more than one component (trailing empty components
are dropped, so ``"21:5:"`` is ``["21", "5"]`` and ``"5:"`` is ``"5"``). Release characters
are already removed; decimal marks are left as sent.

Problems are ``EdifactProblem`` (owned by ``problems``, shared with the mappings and
the CONTRL sink). The reader fills them like this:

- ``position``: the segment's 1-based position in its interchange, UNB = 1 (a UNA is a service
  string advice, not a segment, and is not counted). Without a UNB the first segment is 1.
- ``segment_position``: for message-level problems only, DE 0096, UNH = 1.
- ``element_position``: DE 0098, the segment tag counts as 1, so the first data element is 2;
  ``component_position``: DE 0104, from 1.
- ``level``: "interchange" (UCI), "group" (UCF) or "message" (UCM/UCS/UCD). The group's
  reference (UNG 0048) is not on the problem: group-level problems sit on ``GroupEnd`` and
  message-level ones on ``Message``, and both carry their ``GroupHeader``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydifact.segments import Segment

from ordergate.parsers.edifact.problems import EdifactProblem

__all__ = [
    "CHARSETS", "SYNTAX_ERRORS", "Delimiters", "EdifactEvent", "EdifactProblem", "GroupEnd",
    "GroupHeader", "InterchangeEnd", "InterchangeHeader", "Message", "Segment",
]

# ------------------------------------------------------------------------ DE 0085 codes
# UN/EDIFACT data element 0085 "Syntax error, coded", as ISO 9735-4 (CONTRL) lists it in the
# syntax version 4 service code list. Named here are the ones a CONTRL may need; the reader
# itself emits 2, 12, 13, 19, 20, 21, 22, 26, 28, 29, 30, 32 and 33.
SYNTAX_NOT_SUPPORTED = "2"  # syntax identifier (0001) or version (0002) not supported
RECIPIENT_NOT_ACTUAL = "7"  # interchange recipient (S003) is not the actual recipient
INVALID_VALUE = "12"
MISSING = "13"  # a mandatory segment, element or component is missing
VALUE_NOT_SUPPORTED = "14"  # valid by the standard, not supported by the recipient
NOT_SUPPORTED_IN_POSITION = "15"
TOO_MANY_CONSTITUENTS = "16"  # too many data elements in a segment or components in a composite
NO_AGREEMENT = "17"
UNSPECIFIED_ERROR = "18"
INVALID_DECIMAL_NOTATION = "19"  # the UNA decimal mark is neither "." nor ","
INVALID_SERVICE_CHARACTER_ADVICE = "20"  # a character advised in UNA cannot be a service character
INVALID_CHARACTERS = "21"  # characters outside the repertoire the syntax identifier names
INVALID_SERVICE_CHARACTERS = "22"  # separators that are neither advised in UNA nor the defaults
UNKNOWN_SENDER = "23"
TOO_OLD = "24"
TEST_INDICATOR_NOT_SUPPORTED = "25"
DUPLICATE_DETECTED = "26"
SECURITY_NOT_SUPPORTED = "27"
REFERENCES_DO_NOT_MATCH = "28"  # UNB/UNG/UNH reference differs from UNZ/UNE/UNT
CONTROL_COUNT_MISMATCH = "29"  # UNZ/UNE/UNT count differs from what was received
GROUPS_AND_MESSAGES_MIXED = "30"
MORE_THAN_ONE_MESSAGE_TYPE = "31"
LOWER_LEVEL_EMPTY = "32"  # an interchange or group without messages
INVALID_OCCURRENCE_OUTSIDE = "33"  # a segment outside any message, group or interchange
NESTING_NOT_ALLOWED = "34"
TOO_MANY_REPETITIONS = "35"
TOO_MANY_GROUP_REPETITIONS = "36"
INVALID_CHARACTER_TYPE = "37"  # letters in a numeric element or digits in an alphabetic one
MISSING_DIGIT_BEFORE_DECIMAL = "38"
DATA_ELEMENT_TOO_LONG = "39"
DATA_ELEMENT_TOO_SHORT = "40"
UNKNOWN_RECIPIENT = "43"
TRAILING_SEPARATOR = "45"
CHARACTER_SET_NOT_SUPPORTED = "46"

SYNTAX_ERRORS: dict[str, str] = {
    SYNTAX_NOT_SUPPORTED: "Syntax version or level not supported",
    RECIPIENT_NOT_ACTUAL: "Interchange recipient not actual recipient",
    INVALID_VALUE: "Invalid value",
    MISSING: "Missing",
    VALUE_NOT_SUPPORTED: "Value not supported in this position",
    NOT_SUPPORTED_IN_POSITION: "Not supported in this position",
    TOO_MANY_CONSTITUENTS: "Too many constituents",
    NO_AGREEMENT: "No agreement",
    UNSPECIFIED_ERROR: "Unspecified error",
    INVALID_DECIMAL_NOTATION: "Invalid decimal notation",
    INVALID_SERVICE_CHARACTER_ADVICE: "Character invalid as service character",
    INVALID_CHARACTERS: "Invalid character(s)",
    INVALID_SERVICE_CHARACTERS: "Invalid service character(s)",
    UNKNOWN_SENDER: "Unknown interchange sender",
    TOO_OLD: "Too old",
    TEST_INDICATOR_NOT_SUPPORTED: "Test indicator not supported",
    DUPLICATE_DETECTED: "Duplicate detected",
    SECURITY_NOT_SUPPORTED: "Security function not supported",
    REFERENCES_DO_NOT_MATCH: "References do not match",
    CONTROL_COUNT_MISMATCH: "Control count does not match number of instances received",
    GROUPS_AND_MESSAGES_MIXED: "Groups and messages/packages mixed",
    MORE_THAN_ONE_MESSAGE_TYPE: "More than one message type in group",
    LOWER_LEVEL_EMPTY: "Lower level empty",
    INVALID_OCCURRENCE_OUTSIDE: "Invalid occurrence outside message, package or group",
    NESTING_NOT_ALLOWED: "Nesting indicator not allowed",
    TOO_MANY_REPETITIONS: "Too many data element or segment repetitions",
    TOO_MANY_GROUP_REPETITIONS: "Too many segment group repetitions",
    INVALID_CHARACTER_TYPE: "Invalid type of character(s)",
    MISSING_DIGIT_BEFORE_DECIMAL: "Missing digit in front of decimal sign",
    DATA_ELEMENT_TOO_LONG: "Data element too long",
    DATA_ELEMENT_TOO_SHORT: "Data element too short",
    UNKNOWN_RECIPIENT: "Unknown interchange recipient",
    TRAILING_SEPARATOR: "Trailing separator",
    CHARACTER_SET_NOT_SUPPORTED: "Character set not supported",
}

# ------------------------------------------------------------------------ character sets
# Syntax identifier (DE 0001) -> the Python codec its repertoire is read with. UNOA and UNOB
# are ISO 646 subsets; lower case letters in UNOA are accepted without a report (many senders
# use them). UNOX is ISO 2022 with ISO 2375 escapes: iso2022_jp_2 is the Python codec that
# understands the most of those escapes (JIS, KS C 5601, GB 2312, ISO 8859-1 and -7). UNOY is
# ISO 10646-1 without code extension; in practice it travels as UTF-8, like UNOW.
CHARSETS: dict[str, str] = {
    "UNOA": "ascii", "UNOB": "ascii",
    "UNOC": "iso8859_1", "UNOD": "iso8859_2", "UNOE": "iso8859_5", "UNOF": "iso8859_7",
    "UNOG": "iso8859_3", "UNOH": "iso8859_4", "UNOI": "iso8859_6", "UNOJ": "iso8859_8",
    "UNOK": "iso8859_9", "UNOL": "iso8859_15",
    "UNOW": "utf_8", "UNOX": "iso2022_jp_2", "UNOY": "utf_8",
}
SYNTAX_VERSIONS = frozenset({"1", "2", "3", "4"})


# ------------------------------------------------------------------------ delimiters
@dataclass(frozen=True, slots=True)
class Delimiters:
    """The service characters of one interchange: from its UNA, or the ISO 9735 defaults.

    ``release`` and ``repetition`` are None when not used (a space in the UNA). The decimal
    mark is advice only: the reader leaves numbers as sent, and ISO 9735 lets data use "." or
    "," whatever the UNA says.
    """

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str | None = "?"
    repetition: str | None = None
    segment: str = "'"

    def service_string_advice(self) -> str:
        """The UNA that announces these delimiters, e.g. ``UNA:+.? '``."""
        return "UNA" + "".join((self.component, self.element, self.decimal, self.release or " ",
                                self.repetition or " ", self.segment))


DEFAULT_DELIMITERS = Delimiters()


def component_of(element: str | list[str] | None, index: int = 0) -> str:
    """Component ``index`` (0-based) of a pydifact element, "" when absent."""
    if element is None:
        return ""
    if isinstance(element, str):
        return element if index == 0 else ""
    return element[index] if index < len(element) else ""


def _element(segment: Segment | None, index: int) -> str | list[str] | None:
    if segment is None:
        return None
    elements = segment.elements
    return elements[index] if index < len(elements) else None


def _value(segment: Segment | None, index: int, component: int = 0) -> str:
    return component_of(_element(segment, index), component)


# ------------------------------------------------------------------------ envelopes
@dataclass(slots=True)
class InterchangeHeader:
    """A UNB (interchange header), or the stand-in for an interchange that has none.

    Values are the raw strings ("" when absent). ``segment`` is None when the file holds
    messages without a UNB; the reader then reports a MISSING problem on the interchange.
    The UNB's S005 (recipient's reference/password) is deliberately not a field, and the
    segment is kept out of ``repr`` so that a password never reaches a log.
    """

    segment: Segment | None = field(repr=False)
    delimiters: Delimiters
    position: int  # segment index of the UNB within the file (1-based, UNAs not counted)
    charset: str | None  # Python codec the bytes were read with; None when given text
    una: bool = False  # the interchange came with a service string advice
    problems: list[EdifactProblem] = field(default_factory=list)  # known when the UNB is read

    @property
    def present(self) -> bool:
        return self.segment is not None

    @property
    def syntax_identifier(self) -> str:  # 0001, e.g. "UNOC"
        return _value(self.segment, 0, 0)

    @property
    def syntax_version(self) -> str:  # 0002, "1" to "4"
        return _value(self.segment, 0, 1)

    @property
    def sender_id(self) -> str:  # 0004
        return _value(self.segment, 1, 0)

    @property
    def sender_qualifier(self) -> str:  # 0007, e.g. "14" for a GLN
        return _value(self.segment, 1, 1)

    @property
    def sender_reverse_routing(self) -> str:  # 0008
        return _value(self.segment, 1, 2)

    @property
    def recipient_id(self) -> str:  # 0010
        return _value(self.segment, 2, 0)

    @property
    def recipient_qualifier(self) -> str:  # 0007
        return _value(self.segment, 2, 1)

    @property
    def recipient_routing(self) -> str:  # 0014
        return _value(self.segment, 2, 2)

    @property
    def date(self) -> str:  # 0017: YYMMDD up to syntax 3, CCYYMMDD from 4
        return _value(self.segment, 3, 0)

    @property
    def time(self) -> str:  # 0019: HHMM
        return _value(self.segment, 3, 1)

    @property
    def control_reference(self) -> str:  # 0020
        return _value(self.segment, 4)

    @property
    def application_reference(self) -> str:  # 0026
        return _value(self.segment, 6)

    @property
    def processing_priority(self) -> str:  # 0029
        return _value(self.segment, 7)

    @property
    def acknowledgement_request(self) -> str:  # 0031: "1" asks for a CONTRL
        return _value(self.segment, 8)

    @property
    def agreement_id(self) -> str:  # 0032
        return _value(self.segment, 9)

    @property
    def test_indicator(self) -> str:  # 0035: "1" for a test interchange
        return _value(self.segment, 10)

    @property
    def is_test(self) -> bool:
        return self.test_indicator == "1"

    @property
    def sender(self) -> tuple[str, str | None]:
        """(0004 identification, 0007 qualifier or None): how partner profiles name a sender."""
        return self.sender_id, self.sender_qualifier or None

    @property
    def recipient(self) -> tuple[str, str | None]:
        """(0010 identification, 0007 qualifier or None)."""
        return self.recipient_id, self.recipient_qualifier or None

    @property
    def prepared_at(self) -> datetime | None:
        """0017/0019 as a naive datetime (YY 00-49 is 20YY), or None when unreadable."""
        return _read_timestamp(self.date, self.time)


@dataclass(slots=True)
class GroupHeader:
    """A UNG (functional group header). UNG 0058 (application password) is kept out of repr."""

    segment: Segment = field(repr=False)
    position: int  # segment index within the interchange (UNB = 1)
    interchange: InterchangeHeader

    @property
    def message_group_id(self) -> str:  # 0038, e.g. "ORDERS"
        return _value(self.segment, 0)

    @property
    def sender_id(self) -> str:  # 0040
        return _value(self.segment, 1, 0)

    @property
    def sender_qualifier(self) -> str:  # 0007
        return _value(self.segment, 1, 1)

    @property
    def recipient_id(self) -> str:  # 0044
        return _value(self.segment, 2, 0)

    @property
    def recipient_qualifier(self) -> str:  # 0007
        return _value(self.segment, 2, 1)

    @property
    def date(self) -> str:  # 0017
        return _value(self.segment, 3, 0)

    @property
    def time(self) -> str:  # 0019
        return _value(self.segment, 3, 1)

    @property
    def reference(self) -> str:  # 0048
        return _value(self.segment, 4)

    @property
    def controlling_agency(self) -> str:  # 0051
        return _value(self.segment, 5)

    @property
    def message_version(self) -> str:  # 0052
        return _value(self.segment, 6, 0)

    @property
    def message_release(self) -> str:  # 0054
        return _value(self.segment, 6, 1)

    @property
    def association_code(self) -> str:  # 0057
        return _value(self.segment, 6, 2)

    @property
    def sender(self) -> tuple[str, str | None]:
        return self.sender_id, self.sender_qualifier or None

    @property
    def recipient(self) -> tuple[str, str | None]:
        return self.recipient_id, self.recipient_qualifier or None


@dataclass(slots=True)
class Message:
    """One message, UNH to UNT inclusive (without the UNT when it is missing)."""

    reference: str  # UNH 0062
    message_type: str  # S009 0065, e.g. "ORDERS"
    version: str  # S009 0052, e.g. "D"
    release: str  # S009 0054, e.g. "96A"
    agency: str  # S009 0051, e.g. "UN"
    association_code: str  # S009 0057, e.g. "EAN008" ("" when absent)
    segments: list[Segment]
    position: int  # segment index of the UNH within its interchange (UNB = 1)
    interchange: InterchangeHeader
    group: GroupHeader | None = None
    problems: list[EdifactProblem] = field(default_factory=list)  # envelope problems of this message
    # The segments' texts (``tokens.Split.texts``): ``text`` reads back into
    # ``segments``. None for a message cut short (no UNT), which has a problem anyway.
    texts: list[str] | None = None

    @property
    def text(self) -> str:
        """The message as one text, UNH to UNT, that ``split_segments`` with the interchange's
        delimiters reads into these same segments."""
        return self.interchange.delimiters.segment.join(self.texts) + self.interchange.delimiters.segment

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def identifier(self) -> str:
        """S009 as written, e.g. "ORDERS:D:96A:UN:EAN008"."""
        parts = [self.message_type, self.version, self.release, self.agency, self.association_code]
        while parts and not parts[-1]:
            parts.pop()
        return ":".join(parts)


@dataclass(slots=True)
class GroupEnd:
    """Emitted after a group's last message: its trailer checks and what it held."""

    group: GroupHeader
    message_count: int  # messages actually seen
    segment: Segment | None = None  # the UNE; None when it is missing
    problems: list[EdifactProblem] = field(default_factory=list)


@dataclass(slots=True)
class InterchangeEnd:
    """Emitted last for each interchange: every interchange-level problem, the UNB's included."""

    interchange: InterchangeHeader
    message_count: int  # messages read, in groups or not
    group_count: int
    segment: Segment | None = None  # the UNZ; None when it is missing
    problems: list[EdifactProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# What ``iter_edifact`` yields, in file order.
EdifactEvent = InterchangeHeader | GroupHeader | Message | GroupEnd | InterchangeEnd


def _read_timestamp(day: str, clock: str) -> datetime | None:
    if not (day.isascii() and day.isdigit() and len(day) in (6, 8)):
        return None
    if len(day) == 6:
        yy = int(day[:2])
        day = f"{2000 + yy if yy < 50 else 1900 + yy}{day[2:]}"
    clock = clock if clock.isascii() and clock.isdigit() and len(clock) == 4 else "0000"
    try:
        return datetime(int(day[:4]), int(day[4:6]), int(day[6:8]), int(clock[:2]), int(clock[2:]))
    except ValueError:
        return None
