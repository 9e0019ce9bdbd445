"""X12: reading interchanges as envelope and transaction-set events (``reader``, typed in
``types``) and writing segments and envelopes (``writer``), shared with the X12 answers in
``sinks.x12``.
"""

from __future__ import annotations

from ordergate.parsers.x12.reader import count_interchanges, decode_x12, iter_x12
from ordergate.parsers.x12.types import (
    Delimiters,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Segment,
    TransactionSet,
    X12Problem,
)
from ordergate.parsers.x12.writer import (
    GS_APPLICATION,
    GS_VERSION,
    ISA_ID,
    ISA_QUALIFIER,
    OutGroup,
    OutInterchange,
    OutTransaction,
    SegmentWriter,
    segment_writer,
    write_interchange,
)

__all__ = [
    "count_interchanges",
    "decode_x12",
    "Delimiters",
    "GroupEnd",
    "GroupHeader",
    "GS_APPLICATION",
    "GS_VERSION",
    "InterchangeEnd",
    "InterchangeHeader",
    "ISA_ID",
    "ISA_QUALIFIER",
    "iter_x12",
    "OutGroup",
    "OutInterchange",
    "OutTransaction",
    "Segment",
    "segment_writer",
    "SegmentWriter",
    "TransactionSet",
    "write_interchange",
    "X12Problem",
]
