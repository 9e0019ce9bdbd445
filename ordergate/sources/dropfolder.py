"""The drop folder: files in ``inbox/`` (or ``inbox/<customer_id>/``) become raw documents,
and after processing move to ``archive/`` or ``failed/``.

A file is only picked up once it looks complete: names that writers use while uploading
(dot-files, ``*.part``, ``*.tmp``, ``*.filepart``) are skipped, and so are files younger than
``min_age_seconds``. Moving happens after the database has the document, so a crash in
between only means the file is seen again and recognised as the same content.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ordergate.documents import RawDocument
from ordergate.sources.files import read_document

IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".filepart", ".partial", ".crdownload")


@dataclass(frozen=True, slots=True)
class DropFile:
    path: Path
    customer_hint: str | None


def scan_inbox(inbox: Path, *, limit: int | None = None, min_age_seconds: float = 0) -> list[DropFile]:
    """Complete files in the inbox and its customer sub-folders, oldest first."""
    if not inbox.is_dir():
        return []
    now = time.time()
    found: list[tuple[float, DropFile]] = []
    for entry in sorted(inbox.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            for child in sorted(entry.iterdir()):
                if _complete(child, now, min_age_seconds):
                    found.append((child.stat().st_mtime, DropFile(child, entry.name)))
        elif _complete(entry, now, min_age_seconds):
            found.append((entry.stat().st_mtime, DropFile(entry, None)))
    found.sort(key=lambda item: item[0])
    files = [drop for _, drop in found]
    return files[:limit] if limit else files


def _complete(path: Path, now: float, min_age_seconds: float) -> bool:
    if not path.is_file() or path.name.startswith(".") or path.name.lower().endswith(IN_PROGRESS_SUFFIXES):
        return False
    return now - path.stat().st_mtime >= min_age_seconds


def read_drop_file(drop: DropFile, channel: str = "dropfolder") -> RawDocument:
    stat = drop.path.stat()
    return RawDocument(
        content=read_document(drop.path), channel=channel, source_ref=str(drop.path),
        customer_hint=drop.customer_hint,
        received_at=datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc))


def finish_drop_file(drop: DropFile, *, archive: Path, failed: Path, document_id: int | None,
                     ok: bool) -> Path | None:
    """Move a processed file out of the inbox; the document id in the name links it back.
    None when the file has gone meanwhile: several workers share an inbox, and one that found
    the same content already received moves the file too; whoever comes first moves it."""
    target_root = archive if ok else failed
    day = datetime.now(timezone.utc).strftime("%Y%m%d")
    folder = target_root / day
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"{document_id}_" if document_id is not None else ""
    target = folder / f"{prefix}{drop.path.name}"
    if target.exists():  # never overwrite: keep both
        target = folder / f"{prefix}{int(time.time() * 1000)}_{drop.path.name}"
    try:
        os.replace(drop.path, target)
    except FileNotFoundError:
        return None
    except OSError:  # another file system: copy, then remove
        return _copy_then_remove(drop.path, target)
    return target


def _copy_then_remove(source: Path, target: Path) -> Path | None:
    """Move across file systems. The copy goes to a name of this process's own first, so that
    a worker moving the same file at once never writes over, or removes, the other's copy;
    whoever removes the source keeps its copy."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        shutil.copy2(source, temporary)
        source.unlink()
    except FileNotFoundError:
        temporary.unlink(missing_ok=True)
        return None
    if target.exists():
        target = target.with_name(f"{int(time.time() * 1000)}_{target.name}")
    os.replace(temporary, target)
    return target
