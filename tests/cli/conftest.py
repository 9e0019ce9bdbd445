"""The command line as a user runs it, in this process: ``cli("orders", "list")``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ordergate.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Runs ``ordergate ARGS`` against a fresh ORDERGATE_HOME (SQLite) under tmp_path."""
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    capsys.readouterr()

    def run(*argv: str) -> Ran:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run
