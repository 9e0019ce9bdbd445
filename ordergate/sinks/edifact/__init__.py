"""EDIFACT answers: CONTRL (``contrl``) and ORDRSP (``ordrsp``), the DESADV (``desadv``) of a
shipment and the INVOIC (``invoic``) of an invoice or credit note, in an interchange addressed
from the partner's UNB (``envelope``, written by ``serializer``).
"""

from __future__ import annotations

from ordergate.sinks.edifact.contrl import (
    Action,
    GroupAck,
    InterchangeAck,
    MessageAck,
    build_contrl,
    not_supported_problem,
)
from ordergate.sinks.edifact.desadv import build_desadv
from ordergate.sinks.edifact.envelope import (
    EdifactParty,
    EdifactReply,
    render_interchange,
    reply_from_unb,
)
from ordergate.sinks.edifact.invoic import build_invoic
from ordergate.sinks.edifact.ordrsp import (
    build_duplicate_ordrsp,
    build_ordrsp,
    parties_of,
    write_lines_ahead,
)

__all__ = [
    "Action",
    "build_contrl",
    "build_desadv",
    "build_duplicate_ordrsp",
    "build_invoic",
    "build_ordrsp",
    "EdifactParty",
    "EdifactReply",
    "GroupAck",
    "InterchangeAck",
    "MessageAck",
    "not_supported_problem",
    "parties_of",
    "render_interchange",
    "reply_from_unb",
    "write_lines_ahead",
]
