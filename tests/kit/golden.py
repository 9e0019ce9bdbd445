"""Byte-for-byte golden files for outbound documents (samples/expected/).

With ``ORDERGATE_UPDATE_GOLDEN=1`` a missing or differing file is rewritten and the test fails
in that run: a new golden is only trusted once someone has read its diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def match_golden_bytes(actual: bytes, golden: Path) -> None:
    if os.environ.get("ORDERGATE_UPDATE_GOLDEN") == "1":
        if not golden.exists() or golden.read_bytes() != actual:
            golden.write_bytes(actual)
            pytest.fail(f"wrote {golden.relative_to(ROOT)}: read the diff, then run the tests "
                        "again without ORDERGATE_UPDATE_GOLDEN", pytrace=False)
    assert golden.exists(), f"{golden.relative_to(ROOT)} is missing: run with ORDERGATE_UPDATE_GOLDEN=1"
    assert actual == golden.read_bytes()
