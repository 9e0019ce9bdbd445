"""Where the third-party test corpus is, and what a test does when it is not there.

The files are read in place from ../shared/corpus beside the checkout (or $ORDERGATE_CORPUS),
never copied into the repository. Without them a corpus test skips locally and fails under
CI=true, so a missing corpus can never turn CI green by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ORDERGATE_CORPUS", ROOT.parent / "shared" / "corpus"))


def require_corpus(path: Path = CORPUS) -> Path:
    """``path`` (the corpus or a file or folder in it), or skip / fail the test without it."""
    if not path.exists():
        message = f"corpus not found at {path} (set ORDERGATE_CORPUS to the corpus folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
