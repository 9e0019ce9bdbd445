"""Golden samples: ingesting samples/x12/* (in name order, into one empty home) gives exactly
samples/expected/x12_ingest.json. Adding a sample means adding data: rerun with
ORDERGATE_UPDATE_GOLDEN=1, read the diff, commit it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ordergate.orders.db import make_engine, upgrade
from ordergate.orders.masterdata import seed_masterdata
from ordergate.parsers.x12 import iter_x12
from ordergate.parsers.x12_types import TransactionSet
from ordergate.processing.dropfolder_run import deliver_and_annotate, ingest_paths
from ordergate.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "x12"
EXPECTED = ROOT / "samples" / "expected" / "x12_ingest.json"


def normalised(report: dict, home: Path) -> dict:
    """Drop what changes from run to run (absolute paths, dates in the outbound files)."""
    for document in report["documents"]:
        document["path"] = Path(document["path"]).name
        for outbound in document["outbound"]:
            path = Path(outbound["path"])
            outbound["path"] = str(path.relative_to(home))
            outbound["sets"] = [e.set_id for e in iter_x12(path.read_bytes()) if isinstance(e, TransactionSet)]
    return report


def test_samples_match_golden_output(tmp_path):
    home = tmp_path / "home"
    settings = Settings(home=home, database_url=None)
    settings.ensure_folders()
    engine = make_engine(settings.url)
    upgrade(engine)
    seed_masterdata(engine, ROOT / "samples" / "masterdata")
    report = ingest_paths(engine, settings, sorted(SAMPLES.glob("*.edi")), actor="golden")
    deliver_and_annotate(engine, settings, report)
    actual = normalised(json.loads(report.to_json()), home)
    engine.dispose()
    if os.environ.get("ORDERGATE_UPDATE_GOLDEN") == "1":
        EXPECTED.write_text(json.dumps(actual, indent=2) + "\n")
    assert actual == json.loads(EXPECTED.read_text())
