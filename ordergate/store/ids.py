"""What a row id can be: a whole number from 1 to the largest signed 64-bit integer, the most
either database stores. A larger number names no row, and SQLite's driver refuses to bind it
at all, so text from a command line or a file is read through ``parse_id`` first."""

from __future__ import annotations

MAX_ID = 2**63 - 1


def parse_id(text: str) -> int | None:
    """``text`` (already stripped) as an id, or None when it is not one."""
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
