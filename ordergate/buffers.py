"""A document's bytes when they are too many to hold: a read-only memory map of the file, read
window by window, with the pages behind the reader given back.

A mapped page that has been read counts in the process's memory (RSS) until it is unmapped,
even though it is only the kernel's page cache: reading a 100 MB interchange through a map
would make a 100 MB process all the same. ``release`` tells the kernel this process is done
with a range (``MADV_DONTNEED``): the pages stay cached for whoever reads them next and stop
counting here. Plain ``bytes`` pass through every function unchanged.
"""

from __future__ import annotations

import hashlib
import mmap
from collections.abc import Iterator
from pathlib import Path

# Searched, hashed and stored in pieces of this size.
WINDOW = 8 << 20
# Files this large are mapped instead of read (where the reader of their format takes a map).
MAP_FROM_BYTES = 8 << 20

Buffer = bytes | mmap.mmap


def is_mapped(data: object) -> bool:
    return isinstance(data, mmap.mmap)


def map_file(path: Path) -> mmap.mmap:
    """The file read-only in memory; it must not be truncated while mapped."""
    with path.open("rb") as file:
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def release(data: Buffer, start: int, end: int) -> None:
    """Done with ``data[start:end]`` for now: a map's pages there stop counting in this
    process (read again, they come back from the page cache). Nothing for bytes."""
    if not isinstance(data, mmap.mmap):
        return
    start -= start % mmap.PAGESIZE
    if end > start:
        try:
            data.madvise(mmap.MADV_DONTNEED, start, min(end, len(data)) - start)
        except (AttributeError, OSError, ValueError):
            pass  # not on this system: the pages stay mapped, which only costs memory


def windows(data: Buffer, size: int | None = None) -> Iterator[bytes]:
    """``data`` in pieces of ``size`` bytes (``WINDOW``), each released once the caller has it."""
    size = size or WINDOW
    if isinstance(data, bytes) and len(data) <= size:
        yield data
        return
    for start in range(0, len(data), size):
        piece = data[start:start + size]
        release(data, start, start + size)
        yield piece


def sha256_of(data: Buffer) -> str:
    digest = hashlib.sha256()
    for piece in windows(data):
        digest.update(piece)
    return digest.hexdigest()


def as_bytes(data: Buffer) -> bytes:
    """The whole of ``data`` as bytes, for readers that need it so (small documents)."""
    return data if isinstance(data, bytes) else data[:]


def is_blank(data: Buffer) -> bool:
    """Whether ``data`` holds nothing but whitespace (looked at window by window)."""
    return all(not piece.strip() for piece in windows(data))
