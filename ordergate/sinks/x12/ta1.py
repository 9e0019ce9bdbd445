"""X12 TA1 interchange acknowledgement: for a rejected interchange (wrong receiver, unknown
sender, duplicate control number) or when ISA14 asked for one."""

from __future__ import annotations

from ordergate.parsers.x12 import InterchangeHeader

NO_ERROR = "000"
INVALID_SENDER_QUALIFIER = "005"
INVALID_SENDER = "006"
UNKNOWN_RECEIVER = "009"
INVALID_CONTROL_NUMBER = "018"  # ISA13 is not a 9-digit number
DUPLICATE_CONTROL_NUMBER = "025"
NO_TRAILER = "023"  # improper (premature) end of file: the interchange has no IEA


def build_ta1(interchange: InterchangeHeader, status: str, note_code: str) -> list[str]:
    """TA1*ISA13*ISA09*ISA10*A|E|R*note code — echoing the interchange it answers."""
    isa = interchange.isa
    date = isa[9] if len(isa) > 9 else ""
    time = isa[10] if len(isa) > 10 else ""
    # TA101 is N0 9/9: an ISA13 that is not a number (rejected with 018) is echoed cut to fit.
    control = interchange.control_number
    control = control.zfill(9) if control.isascii() and control.isdigit() else control[:9]
    return ["TA1", control, date[:6], time[:4], status, note_code]
