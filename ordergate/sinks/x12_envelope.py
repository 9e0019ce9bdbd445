"""The reply envelope shared by every X12 message we send: who it is from and to."""

from __future__ import annotations

from datetime import datetime

from ordergate.orders.model import ReplyAddress
from ordergate.parsers.x12_types import Delimiters, GroupHeader, InterchangeHeader
from ordergate.parsers.x12_writer import OutGroup, OutInterchange, OutTransaction

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
        group_version=(group.version if group and group.version else "004010")[:12],
    )


def _supported_isa_version(version: str) -> str:
    return version if version.isdigit() and len(version) == 5 else "00401"


def reply_delimiters(reply: ReplyAddress) -> Delimiters:
    return REPLY_DELIMITERS if reply.interchange_version >= "00402" else _NO_REPETITION


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
