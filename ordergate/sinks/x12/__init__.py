"""X12 answers: the 997 functional acknowledgement (``ack997``), the 855 purchase order
acknowledgement (``ack855``), the TA1 (``ta1``), the 856 ship notice (``asn856``), the 810
invoice (``invoice810``) and the envelope they go out in (``envelope``); ``elements`` holds what
the 856 and the 810 write alike.
"""

from __future__ import annotations

from ordergate.sinks.x12.ack855 import build_855, build_duplicate_855, write_lines_ahead
from ordergate.sinks.x12.ack997 import (
    ACKNOWLEDGEMENT_SETS,
    SUPPORTED_SETS,
    GroupAck,
    TransactionAck,
    build_997,
    not_supported_problem,
)
from ordergate.sinks.x12.asn856 import SHIP_NOTICE_GROUP, build_856
from ordergate.sinks.x12.envelope import (
    group_unfit,
    interchange_unfit,
    reply_address,
    reply_delimiters,
    reply_group,
    reply_interchange,
)
from ordergate.sinks.x12.invoice810 import INVOICE_GROUP, build_810

__all__ = [
    "ACKNOWLEDGEMENT_SETS",
    "build_810",
    "build_855",
    "build_856",
    "build_997",
    "build_duplicate_855",
    "group_unfit",
    "GroupAck",
    "interchange_unfit",
    "INVOICE_GROUP",
    "not_supported_problem",
    "reply_address",
    "reply_delimiters",
    "reply_group",
    "reply_interchange",
    "SHIP_NOTICE_GROUP",
    "SUPPORTED_SETS",
    "TransactionAck",
    "write_lines_ahead",
]
