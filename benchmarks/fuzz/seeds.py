"""The files each reader's mutations start from: samples/ and the third-party corpus.

The corpus is read in place (tests/kit/corpus.py finds it); nothing from it is copied into the
repository. Without the corpus the samples alone are used, and the report says so.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from tests.kit.corpus import CORPUS

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"

_MAX_SEED_BYTES = 400_000  # bigger files make each mutation slow without finding more


def _files(*patterns: tuple[Path, str]) -> list[Path]:
    found: list[Path] = []
    for folder, pattern in patterns:
        if folder.is_dir():
            found.extend(p for p in sorted(folder.glob(pattern))
                         if p.is_file() and p.stat().st_size <= _MAX_SEED_BYTES)
    return found


def seed_paths(kind: str) -> list[Path]:
    if kind == "x12":
        return _files((SAMPLES / "x12", "*.edi"), (CORPUS / "x12", "**/*"))
    if kind == "edifact":
        return _files((SAMPLES / "edifact", "*.edi"), (CORPUS / "edifact", "**/*"))
    if kind == "tabular":
        return _files((SAMPLES / "csv", "*.csv"), (CORPUS / "csv", "*.csv"),
                      (CORPUS / "csv", "*.xls*"))
    if kind == "email":
        return _files((SAMPLES / "email", "*.eml"))
    if kind == "pdf":
        return _files((CORPUS / "pdf", "*.pdf"))
    raise ValueError(f"no seeds for {kind!r}")


@lru_cache(maxsize=None)
def seeds(kind: str) -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in seed_paths(kind) if p.suffix.lower() != ".md")


def corpus_present() -> bool:
    return CORPUS.is_dir()
