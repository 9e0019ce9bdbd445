"""The reply envelope shared by every X12 message we send: who it is from and to."""

from __future__ import annotations

from datetime import datetime

from ordergate.orders.model import ReplyAddress
from ordergate.parsers.x12 import (
    GS_APPLICATION,
    GS_VERSION,
    ISA_ID,
    ISA_QUALIFIER,
    Delimiters,
    GroupHeader,
    InterchangeHeader,
    OutGroup,
    OutInterchange,
    OutTransaction,
)

# Repetition separator only exists from ISA version 00402 on; the writer puts "U" before that.
REPLY_DELIMITERS = Delimiters(element="*", component=">", repetition="^", segment="~")


def reply_address(interchange: InterchangeHeader, group: GroupHeader | None,
                  our_qualifier: str, our_id: str) -> ReplyAddress:
    return ReplyAddress(
        partner_qualifier=interchange.sender_qualifier, partner_id=interchange.sender_id,
        our_qualifier=our_qualifier, our_id=our_id,
        partner_app_code=(group.sender_code if group else "") or interchange.sender_id,
        our_app_code=(group.receiver_code if group else "") or our_id,
        interchange_version=_supported_isa_version(interchange.version),
        group_version=(group.version if group and group.version
                       and _unfit(group.version, "GS08", GS_VERSION, "00401") is None else "004010"),
    )


def interchange_unfit(interchange: InterchangeHeader) -> str | None:
    """Why no answer can be addressed to this ISA's sender (ISA05/ISA06 do not fit the
    ISA07/ISA08 of our reply), or None."""
    version = _supported_isa_version(interchange.version)
    return (_unfit(interchange.sender_qualifier, "ISA05", ISA_QUALIFIER, version)
            or _unfit(interchange.sender_id, "ISA06", ISA_ID, version))


def group_unfit(group: GroupHeader) -> str | None:
    """Why this GS cannot be answered as sent (GS02/GS03 do not fit the GS03/GS02 of our
    reply, or GS06 the AK102 of a 997, N0 1/9), or None. An empty GS02/GS03 is not echoed:
    the ISA ids stand in for it."""
    version = _supported_isa_version(group.interchange.version)
    for value, name in ((group.sender_code, "GS02"), (group.receiver_code, "GS03")):
        if value:
            problem = _unfit(value, name, GS_APPLICATION, version)
            if problem:
                return problem
    control = group.control_number
    if not (1 <= len(control) <= 9 and control.isascii() and control.isdigit()):
        return (f"GS06 {control[:30]!r} is not a group control number of 1 to 9 digits, so a 997 "
                f"cannot name the group (AK102)")
    return None


def _unfit(value: str, name: str, limits: tuple[int, int], version: str) -> str | None:
    low, high = limits
    if not low <= len(value) <= high:
        size = str(high) if low == high else f"{low} to {high}"
        return (f"{name} {value[:30]!r} does not fit: the answer must echo it in a field of "
                f"{size} characters, and it has {len(value)}")
    delims = reply_delimiters_for(version)
    reserved = {delims.element, delims.component, delims.segment, "\r", "\n"}
    if delims.repetition:
        reserved.add(delims.repetition)
    bad = reserved.intersection(value)
    if bad:
        return (f"{name} {value!r} contains {sorted(bad)[0]!r}, a delimiter of our answers, so it "
                f"cannot be echoed")
    return None


def _supported_isa_version(version: str) -> str:
    return version if version.isdigit() and len(version) == 5 else "00401"


def reply_delimiters(reply: ReplyAddress) -> Delimiters:
    return reply_delimiters_for(reply.interchange_version)


def reply_delimiters_for(interchange_version: str) -> Delimiters:
    return REPLY_DELIMITERS if interchange_version >= "00402" else _NO_REPETITION


_NO_REPETITION = Delimiters(element="*", component=">", repetition=None, segment="~")


def reply_interchange(reply: ReplyAddress, control_number: int, groups: list[OutGroup], *,
                      extra_segments: list[list[str]] | None = None,
                      timestamp: datetime | None = None) -> OutInterchange:
    return OutInterchange(
        sender=(reply.our_qualifier, reply.our_id),
        receiver=(reply.partner_qualifier, reply.partner_id),
        control_number=control_number, groups=groups, delimiters=reply_delimiters(reply),
        version=reply.interchange_version, timestamp=timestamp,
        extra_segments=extra_segments or [],
    )


def reply_group(reply: ReplyAddress, functional_id: str, control_number: int,
                transactions: list[OutTransaction]) -> OutGroup:
    return OutGroup(functional_id=functional_id, sender_code=reply.our_app_code,
                    receiver_code=reply.partner_app_code, control_number=control_number,
                    version=reply.group_version, transactions=transactions)
