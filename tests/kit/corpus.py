"""Where the third-party test corpus is, and what a test does when it is not there.

The files are read in place from ../shared/corpus beside the checkout (or $ORDERGATE_CORPUS),
never copied into the repository; a clone made elsewhere (e.g. a fresh clone in a temporary
folder) finds it beside the checkout it was cloned from. Without them a corpus test skips
locally and fails in strict mode (tests/kit/strict.py), so a missing corpus can never turn CI green by skipping.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.kit.strict import require

ROOT = Path(__file__).resolve().parents[2]


def _cloned_from() -> Path | None:
    """The local checkout this one was cloned from (its origin, when that is a folder)."""
    try:
        url = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(url.removeprefix("file://")) if url else None
    return path if path is not None and path.is_absolute() and path.is_dir() else None


def _locate() -> Path:
    configured = os.environ.get("ORDERGATE_CORPUS")
    if configured:
        return Path(configured)
    beside = ROOT.parent / "shared" / "corpus"
    origin = None if beside.exists() else _cloned_from()
    if origin is not None and (origin.parent / "shared" / "corpus").exists():
        return origin.parent / "shared" / "corpus"
    return beside  # where it belongs, for the message when it is missing


CORPUS = _locate()


def require_corpus(path: Path = CORPUS) -> Path:
    """``path`` (the corpus or a file or folder in it), or skip / fail the test without it."""
    require(path.exists(), f"corpus not found at {path} (set ORDERGATE_CORPUS to the corpus folder)")
    return path


def outcome_matches(expected: str, actual: str) -> bool:
    """A corpus file's listed outcome against what it gave: ``maps`` exactly, or the same
    kind (``rejected: …``, ``envelope: …``) with the listed fragment in its reason."""
    if expected == "maps":
        return actual == "maps"
    kind, _, fragment = expected.partition(": ")
    return actual.startswith(f"{kind}: ") and fragment in actual
