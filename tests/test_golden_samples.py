"""Golden samples: ingesting samples/<format>/* (in name order, into one empty home) gives
exactly samples/expected/<format>_ingest.json, for X12 and EDIFACT. Adding a sample means
adding data: rerun with ORDERGATE_UPDATE_GOLDEN=1, read the diff, commit it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ordergate.orders.db import make_engine, upgrade
from ordergate.orders.masterdata import seed_masterdata
from ordergate.parsers.edifact import iter_edifact
from ordergate.parsers.edifact_types import Message
from ordergate.parsers.x12 import iter_x12
from ordergate.parsers.x12_types import TransactionSet
from ordergate.processing.dropfolder_run import deliver_and_annotate, ingest_paths
from ordergate.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def x12_sets(data: bytes) -> list[str]:
    return [e.set_id for e in iter_x12(data) if isinstance(e, TransactionSet)]


def edifact_messages(data: bytes) -> list[str]:
    return [e.message_type for e in iter_edifact(data) if isinstance(e, Message)]


# What each outbound file holds, read back with our own reader: sets or messages by type.
CONTENTS = {"x12": x12_sets, "edifact": edifact_messages}


def normalised(report: dict, home: Path) -> dict:
    """Drop what changes from run to run (absolute paths, dates in the outbound files)."""
    for document in report["documents"]:
        document["path"] = Path(document["path"]).name
        for outbound in document["outbound"]:
            path = Path(outbound["path"])
            outbound["path"] = str(path.relative_to(home))
            reader = CONTENTS["edifact" if path.suffix == ".edi" else "x12"]
            outbound["sets"] = reader(path.read_bytes())
    return report


@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_samples_match_golden_output(tmp_path, fmt):
    samples = ROOT / "samples" / fmt
    expected = ROOT / "samples" / "expected" / f"{fmt}_ingest.json"
    home = tmp_path / "home"
    settings = Settings(home=home, database_url=None)
    settings.ensure_folders()
    engine = make_engine(settings.url)
    upgrade(engine)
    seed_masterdata(engine, ROOT / "samples" / "masterdata")
    report = ingest_paths(engine, settings, sorted(samples.glob("*.edi")), actor="golden")
    deliver_and_annotate(engine, settings, report)
    actual = normalised(json.loads(report.to_json()), home)
    engine.dispose()
    if os.environ.get("ORDERGATE_UPDATE_GOLDEN") == "1":
        expected.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(expected.read_text())
