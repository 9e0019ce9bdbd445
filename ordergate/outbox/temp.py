"""The temporary files an outbox delivery writes before renaming them into place, and removing
those a killed writer left behind.

A delivery writes ``.<name>~<host>:<pid>:<random>.tmp`` next to the file it is about to
replace (hidden, so whatever picks files up from the folder ignores it), then renames it. A
writer killed in between leaves it there; the next delivery into that folder removes it when
it is certainly not being written any more: its writer was a process on this host (and pid
namespace) that has ended, or it is older than ``STALE_AFTER``, far longer than writing a
message takes. Another worker's temporary file in the middle of its write is left alone.
Files older code wrote (``.<name>.<random>.tmp``, without the writer) go by age alone.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

# Private to claims, which owns what "a process of this host that has ended" means; the
# holder format is its new_holder()'s.
from ordergate.store.claims import holder_is_gone, new_holder

log = logging.getLogger(__name__)

STALE_AFTER_SECONDS = 10 * 60
# The final name's start is kept for people looking at the folder; cut so that the temporary
# name stays within the file systems' 255-byte limit whatever the final name's length.
_NAME_CHARS = 80
_OURS = re.compile(r"\.(?P<name>[A-Za-z0-9._-]*)~(?P<holder>[^~/:]+~[^~/:]*:[0-9]+:[a-z0-9_]+)\.tmp")
_OLDER_CODE = re.compile(r"\.[A-Za-z0-9._-]+\.[a-z0-9_]{8}\.tmp")


def temp_affixes(final_name: str) -> tuple[str, str]:
    """(prefix, suffix) for ``tempfile.mkstemp``: its random part ends the writer's token."""
    host_and_pid = new_holder().rsplit(":", 1)[0]
    return f".{final_name[:_NAME_CHARS]}~{host_and_pid}:", ".tmp"


def remove_stale_temp_files(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporary files of earlier deliveries into ``folder`` that no live writer
    holds; returns what was removed. A file that cannot be listed or removed is left (and
    logged): the delivery itself goes on."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    except OSError as exc:
        log.warning("cannot look for stale temporary files in %s: %s", folder, exc)
        return removed
    for entry in entries:
        if not _is_stale(entry, now):
            continue
        try:
            os.unlink(entry.path)
        except FileNotFoundError:  # its writer renamed it, or another delivery removed it
            continue
        except OSError as exc:
            log.warning("cannot remove stale temporary file %s: %s", entry.path, exc)
            continue
        log.info("removed %s, left by a delivery that did not finish", entry.path)
        removed.append(Path(entry.path))
    return removed


def _is_stale(entry: os.DirEntry, now: float) -> bool:
    name = entry.name
    ours = _OURS.fullmatch(name)
    if ours is None and _OLDER_CODE.fullmatch(name) is None:
        return False  # not a temporary file of ours
    try:
        if not entry.is_file(follow_symlinks=False):
            return False
        age = now - entry.stat(follow_symlinks=False).st_mtime
    except OSError:  # gone meanwhile
        return False
    if age >= STALE_AFTER_SECONDS:
        return True
    return ours is not None and holder_is_gone(ours.group("holder"))
