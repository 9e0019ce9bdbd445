"""Which child processes this test process has, for tests that promise to leave none behind."""

from __future__ import annotations

import os
from pathlib import Path


def children() -> set[str]:
    """Our live (or unreaped) child processes, from /proc; other tests' servers included, so
    a test compares before and after."""
    found: set[str] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update((task / "children").read_text().split())
    return found
