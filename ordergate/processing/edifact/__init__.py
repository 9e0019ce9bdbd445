"""The EDIFACT intake: the prepare stage (``prepare``), the store stage (``intake``), the
CONTRL/ORDRSP it queues (``replies``), and the format's entry in the registry (``handler``).
"""

from __future__ import annotations

from ordergate.processing.edifact.handler import EDIFACT

__all__ = [
    "EDIFACT",
]
