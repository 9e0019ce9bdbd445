"""Golden samples: ingesting samples/<format>/* (in name order, into one empty home) gives
exactly samples/expected/<format>_ingest.json, for X12, EDIFACT and CSV. CSV files go through
the drop folder as in the demo: into inbox/<CUSTOMER>/, the customer being the file name's first
word. Adding a sample means adding data: run once with ORDERGATE_UPDATE_GOLDEN=1 (the test
writes the golden file and fails, saying so), read the diff, run again, commit it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from ordergate.orders.db import make_engine, upgrade
from ordergate.orders.masterdata import seed_masterdata
from ordergate.parsers.edifact import iter_edifact
from ordergate.parsers.edifact_types import Message
from ordergate.parsers.x12 import iter_x12
from ordergate.parsers.x12_types import TransactionSet
from ordergate.processing.dropfolder_run import (
    deliver_and_annotate,
    ingest_drop_file,
    ingest_paths,
)
from ordergate.processing.report import IngestReport
from ordergate.settings import Settings
from ordergate.sources.dropfolder import scan_inbox

ROOT = Path(__file__).resolve().parents[1]


def x12_sets(data: bytes) -> list[str]:
    return [e.set_id for e in iter_x12(data) if isinstance(e, TransactionSet)]


def edifact_messages(data: bytes) -> list[str]:
    return [e.message_type for e in iter_edifact(data) if isinstance(e, Message)]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# What each outbound file holds, read back by its suffix: X12 sets or EDIFACT messages by type,
# or a CSV acknowledgement's rows.
CONTENTS = {".x12": ("sets", x12_sets), ".edi": ("sets", edifact_messages),
            ".csv": ("rows", csv_rows)}


def normalised(report: dict, home: Path) -> dict:
    """Drop what changes from run to run (absolute paths, dates in the outbound files)."""
    for document in report["documents"]:
        document["path"] = Path(document["path"]).name
        for outbound in document["outbound"]:
            path = Path(outbound["path"])
            outbound["path"] = str(path.relative_to(home))
            key, reader = CONTENTS[path.suffix]
            outbound[key] = reader(path.read_bytes())
    return report


def ingest_edi(engine, settings: Settings, samples: Path) -> IngestReport:
    return ingest_paths(engine, settings, sorted(samples.glob("*.edi")), actor="golden")


def ingest_dropped_csv(engine, settings: Settings, samples: Path) -> IngestReport:
    """Each file into inbox/<CUSTOMER>/, dropped one second apart in name order, then polled."""
    for second, path in enumerate(sorted(samples.glob("*.csv"))):
        folder = settings.inbox / path.name.split("_", 1)[0].upper()
        folder.mkdir(parents=True, exist_ok=True)
        dropped = folder / path.name
        shutil.copyfile(path, dropped)
        os.utime(dropped, (1_700_000_000 + second,) * 2)
    return IngestReport([ingest_drop_file(engine, settings, drop, actor="golden")
                         for drop in scan_inbox(settings.inbox)])


INGEST = {"x12": ingest_edi, "edifact": ingest_edi, "csv": ingest_dropped_csv}


@pytest.mark.parametrize("fmt", sorted(INGEST))
def test_samples_match_golden_output(tmp_path, fmt):
    samples = ROOT / "samples" / fmt
    expected = ROOT / "samples" / "expected" / f"{fmt}_ingest.json"
    home = tmp_path / "home"
    settings = Settings(home=home, database_url=None)
    settings.ensure_folders()
    engine = make_engine(settings.url)
    upgrade(engine)
    seed_masterdata(engine, ROOT / "samples" / "masterdata")
    report = INGEST[fmt](engine, settings, samples)
    deliver_and_annotate(engine, settings, report)
    actual = normalised(json.loads(report.to_json()), home)
    engine.dispose()
    check_golden(actual, expected)


def check_golden(actual: dict, expected: Path) -> None:
    """``actual`` must equal the golden file. With ORDERGATE_UPDATE_GOLDEN=1 a differing file is
    rewritten, and the test still fails in that run: the new file is not checked until someone
    has read the diff and runs the tests again."""
    text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("ORDERGATE_UPDATE_GOLDEN") == "1":
        if not expected.exists() or expected.read_text(encoding="utf-8") != text:
            expected.write_text(text, encoding="utf-8")
            shown = expected.relative_to(ROOT) if expected.is_relative_to(ROOT) else expected
            pytest.fail(f"wrote {shown}: read the diff, then run the tests "
                        "again without ORDERGATE_UPDATE_GOLDEN", pytrace=False)
    assert actual == json.loads(expected.read_text(encoding="utf-8"))


def test_updating_a_golden_file_fails_the_run_that_wrote_it(tmp_path, monkeypatch):
    golden = tmp_path / "g.json"
    golden.write_text('{"old": 1}\n', encoding="utf-8")
    monkeypatch.setenv("ORDERGATE_UPDATE_GOLDEN", "1")
    with pytest.raises(pytest.fail.Exception, match="wrote .*g.json: read the diff"):
        check_golden({"new": 2}, golden)
    assert json.loads(golden.read_text(encoding="utf-8")) == {"new": 2}
    check_golden({"new": 2}, golden)  # unchanged: nothing written, the comparison decides
    monkeypatch.delenv("ORDERGATE_UPDATE_GOLDEN")
    with pytest.raises(AssertionError):
        check_golden({"other": 3}, golden)
