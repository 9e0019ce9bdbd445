"""PDF purchase orders attached to mail, and the format's entry in the registry (``handler``).
"""

from __future__ import annotations

from ordergate.processing.pdf.handler import PDF

__all__ = [
    "PDF",
]
