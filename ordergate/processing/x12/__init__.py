"""The X12 intake: the prepare stage (``prepare``: parse, map, check, in a second process for a
large file), the store stage (``intake``), the 997/855/TA1 it queues (``replies``), and the
format's entry in the registry (``handler``).
"""

from __future__ import annotations

from ordergate.processing.x12.handler import X12

__all__ = [
    "X12",
]
