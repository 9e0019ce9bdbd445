"""Standard output belongs to the command: ``ingest --json`` stays valid JSON when a library
reading a hostile file prints (xlrd writes its diagnostics to stdout by default)."""

import json
from pathlib import Path

from ordergate.cli import main
from tests.kit.tabular import chatty_xls

ROOT = Path(__file__).resolve().parents[2]


def test_ingest_json_stays_json_when_xlrd_prints(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert main(["seed", str(ROOT / "samples" / "masterdata")]) == 0
    capfd.readouterr()
    path = tmp_path / "po.xls"
    path.write_bytes(chatty_xls())

    code = main(["ingest", str(path), "--customer", "ACME", "--json"])
    out, err = capfd.readouterr()  # what reached file descriptors 1 and 2, not only sys.stdout
    [document] = json.loads(out)["documents"]
    assert code == 1
    assert document["status"] == "failed"
    assert "looks like an XLS workbook but cannot be read" in document["error"]
    assert "@@@@" not in out + err
