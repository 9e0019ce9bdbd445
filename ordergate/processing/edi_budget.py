"""The limits one X12 or EDIFACT document is read under, from the settings.

Made when the document's processing starts, so its time budget counts from there; passed to
the reader (which checks it once per chunk, in whichever process reads) and to the storing
side (``parallel.prepared_items``, which checks it once per chunk of items).
"""

from __future__ import annotations

from ordergate.parsers.edi_limits import Budget, EdiLimits
from ordergate.settings import Settings


def edi_limits(settings: Settings, content: bytes) -> EdiLimits:
    return EdiLimits(max_segment_chars=settings.edi_max_segment_bytes,
                     max_set_segments=settings.edi_max_set_segments,
                     max_interchanges=settings.edi_max_interchanges,
                     budget=Budget.start(len(content), settings.parse_max_seconds,
                                         settings.parse_seconds_per_mb))
