"""The CSV/XLSX/XLS intake (``intake``) and the formats' entries in the registry (``handler``).
"""

from __future__ import annotations

from ordergate.processing.tabular.handler import CSV, XLS, XLSX, ZIP

__all__ = [
    "CSV",
    "XLS",
    "XLSX",
    "ZIP",
]
