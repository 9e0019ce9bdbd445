"""The command line as a user runs it: seed, ingest --json, orders list/show, outbox list."""

import json
from pathlib import Path

from ordergate.flows.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_cli_ingest_json_and_listings(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert run(capsys, "seed", str(ROOT / "samples" / "masterdata"))[0] == 0

    code, out = run(capsys, "ingest", "--json", str(ROOT / "samples" / "x12" / "acme_two_orders.edi"),
                    str(ROOT / "samples" / "x12" / "not_an_order.edi"))
    report = json.loads(out)
    assert code == 1  # one document failed
    good, bad = report["documents"]
    assert set(good) >= {"path", "document_id", "format", "status", "error", "orders", "outbound"}
    assert [o["status"] for o in good["orders"]] == ["accepted", "held"]
    assert set(good["orders"][0]) >= {"order_id", "po_number", "customer_id", "status", "hold_reasons",
                                      "total", "currency", "lines"}
    assert {o["kind"] for o in good["outbound"]} == {"855", "997"}
    assert all(Path(o["path"]).exists() and o["status"] == "sent" for o in good["outbound"])
    assert bad["status"] == "failed" and "not a format" in bad["error"]

    code, out = run(capsys, "orders", "list", "--status", "held", "--json")
    (held,) = json.loads(out)["orders"]
    assert held["po_number"] == "4500012347" and "unknown item" in held["hold_reasons"][0]
    code, out = run(capsys, "orders", "show", str(held["order_id"]))
    assert code == 0 and "held" in out and "history:" in out and "855 (set 0002)" in out
    code, out = run(capsys, "outbox", "list", "--json")
    # One 855 interchange answers both orders (an ST each), plus the 997.
    assert sorted(m["kind"] for m in json.loads(out)["outbox"]) == ["855", "997"]
    assert run(capsys, "orders", "show", "999")[0] == 2


def test_cli_rejects_a_bad_setting_without_a_traceback(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path))
    monkeypatch.setenv("ORDERGATE_X12_ID", "no-qualifier")
    assert main(["orders", "list"]) == 2
    assert "qualifier:id" in capsys.readouterr().err
