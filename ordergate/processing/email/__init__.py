"""The mail intake: who sent the mail, the orders of its attachments (``intake``,
``attachments``), the replies (``replies``), and the format's entry in the registry (``handler``).
"""

from __future__ import annotations

from ordergate.processing.email.handler import EMAIL

__all__ = [
    "EMAIL",
]
