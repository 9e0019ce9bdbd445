"""Reading a document file: small files as bytes, a large X12 interchange as a memory map.

The X12 reader takes a map and reads it window by window, giving the pages behind it back
(``buffers``), so that a 100 MB weekly batch does not make a 100 MB process; every other
reader wants the bytes whole, and gets them.
"""

from __future__ import annotations

from pathlib import Path

from ordergate.buffers import MAP_FROM_BYTES, Buffer, map_file
from ordergate.parsers.sniff import is_x12

# How much of a file tells its format (``sniff.lead`` looks at the first 64 bytes).
HEAD_BYTES = 4096


def read_document(path: Path) -> Buffer:
    """The file's bytes, or for a large X12 interchange a read-only map of it. The file must
    stay as it is while it is read (a drop folder takes files only once they have settled)."""
    if path.stat().st_size < MAP_FROM_BYTES:
        return path.read_bytes()
    mapped = map_file(path)
    if is_x12(mapped[:HEAD_BYTES]):
        return mapped
    mapped.close()
    return path.read_bytes()
