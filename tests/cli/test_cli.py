"""The command line as a user runs it: seed, ingest --json, orders list/show, outbox list."""

import json
import shutil
from pathlib import Path

from ordergate.cli import main

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
    # A held order's 855 waits for its release: none is listed yet.
    assert code == 0 and "held" in out and "history:" in out and "855 (set" not in out
    # the parties as a person reads them, and money with its currency's decimals
    assert "  buyer    ACME (Acme Hardware Supply Co.)" in out
    assert "  ship to  Acme Hardware Store 17, 1200 Industrial Parkway, Dock 4, Springfield IL " \
        "62701, US [code 92:ST017]" in out
    assert "  bill to  Acme Hardware Supply Co. Accounts Payable, PO Box 4400" in out
    assert "  total 44.70 USD  " in out
    code, out = run(capsys, "orders", "list")
    assert " USD" in out and not any(part.endswith(".0000") for part in out.split())
    code, out = run(capsys, "outbox", "list", "--json")
    # One 855 interchange answers both orders (an ST each), plus the 997.
    assert sorted(m["kind"] for m in json.loads(out)["outbox"]) == ["855", "997"]
    assert run(capsys, "orders", "show", "999")[0] == 2


def test_cli_rejects_a_bad_setting_without_a_traceback(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path))
    monkeypatch.setenv("ORDERGATE_X12_ID", "no-qualifier")
    assert main(["orders", "list"]) == 2
    assert "qualifier:id" in capsys.readouterr().err


def test_holds_list_release_and_reject_from_the_command_line(tmp_path, monkeypatch, capsys):
    """Ops' view: list what is held, release one after fixing the price, reject another."""
    import json as _json

    from ordergate.cli import main

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    samples = Path(__file__).resolve().parents[2] / "samples"
    assert main(["seed", str(samples / "masterdata")]) == 0
    from tests.kit.x12 import order_file, sku, unknown

    cheap = tmp_path / "cheap.edi"
    cheap.write_bytes(order_file("CHEAP-1", sku("HW-1001", price="12.00"), control=1))
    odd = tmp_path / "odd.edi"
    odd.write_bytes(order_file("ODD-1", unknown(), control=2))
    main(["ingest", str(cheap), str(odd), "--json"])
    capsys.readouterr()

    assert main(["holds", "list", "--json"]) == 0
    held = _json.loads(capsys.readouterr().out)["holds"]
    assert [(h["po_number"], h["reasons"][0][:16]) for h in held] == [
        ("CHEAP-1", "line 1: PO price"), ("ODD-1", "line 1: unknown ")]
    cheap_id, odd_id = held[0]["order_id"], held[1]["order_id"]

    assert main(["holds", "release", str(cheap_id), "--by", "ann"]) == 1  # still held
    capsys.readouterr()
    assert main(["holds", "release", str(cheap_id), "--accept-po-price", "--by", "ann", "--json"]) == 0
    released = _json.loads(capsys.readouterr().out)
    assert released["status"] == "accepted" and released["outbound"][0]["kind"] == "855"
    assert main(["holds", "reject", str(odd_id), "--reason", "not our item", "--by", "bob"]) == 0
    assert "order %d: rejected" % odd_id in capsys.readouterr().out
    assert main(["holds", "reject", str(odd_id), "--reason", "again"]) == 2
    assert "is rejected, not held" in capsys.readouterr().err
    assert main(["holds", "list", "--json"]) == 0
    assert _json.loads(capsys.readouterr().out)["holds"] == []


def test_stock_report_shows_allocation_and_what_to_reorder(tmp_path, monkeypatch, capsys):
    import json as _json

    from ordergate.cli import main
    from tests.kit.x12 import order_file, sku

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    masterdata = tmp_path / "md"
    shutil.copytree(Path(__file__).resolve().parents[2] / "samples" / "masterdata", masterdata)
    stock = (masterdata / "stock.csv").read_text().splitlines()
    rows = ["sku,on_hand,location,reorder_point,reorder_quantity"] + [
        line + (",200,100" if line.startswith("HW-1001,") else ",,") for line in stock[1:]]
    (masterdata / "stock.csv").write_text("\n".join(rows) + "\n")
    assert main(["seed", str(masterdata)]) == 0
    po = tmp_path / "po.edi"
    po.write_bytes(order_file("STK-1", sku("HW-1001", "50"), control=3))
    main(["ingest", str(po)])
    capsys.readouterr()

    assert main(["stock", "--reorders", "--json"]) == 0
    [line] = _json.loads(capsys.readouterr().out)["stock"]
    # 240 on hand, 50 allocated: 190 available is below the reorder point of 200.
    assert (line["sku"], line["allocated"], line["available"]) == ("HW-1001", "50", "190")
    assert line["suggested"] == "100"


def test_documents_show_tells_the_reason_and_saves_what_was_received(tmp_path, monkeypatch, capsys):
    from ordergate.cli import main

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    bad = tmp_path / "note.txt"
    bad.write_bytes(b"Hello,\nplease send 10 boxes of M8 bolts.\n")
    main(["ingest", str(bad)])
    capsys.readouterr()
    saved = tmp_path / "back.txt"
    assert main(["documents", "show", "1", "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "failed" in out and "not a format ordergate reads" in out
    assert saved.read_bytes() == bad.read_bytes()
    assert main(["documents", "show", "99"]) == 2
    capsys.readouterr()
    assert main(["documents", "show", "1", "--save", str(tmp_path / "no-such-folder" / "x")]) == 2
    err = capsys.readouterr().err
    assert "cannot save document 1 to " in err and "No such file or directory" in err
    assert main(["documents", "show", "1", "--save", ""]) == 2  # not silently nothing
    assert "cannot save document 1 to " in capsys.readouterr().err


def test_documents_show_names_the_worker_processing_it(tmp_path, monkeypatch, capsys):
    from ordergate.app import open_engine
    from ordergate.clock import utcnow
    from ordergate.documents import RawDocument
    from ordergate.orders.store import store_document
    from ordergate.settings import Settings
    from ordergate.store.claims import claim_document

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    engine = open_engine(Settings())
    document_id = store_document(engine, RawDocument(content=b"ISA*00*", channel="test",
                                                     source_ref="x.edi")).id
    with engine.begin() as conn:
        claim = claim_document(conn, document_id, now=utcnow(), lease_seconds=600)
    engine.dispose()
    capsys.readouterr()

    assert main(["documents", "show", str(document_id)]) == 0
    out = capsys.readouterr().out
    assert "received" in out
    assert f"being processed by {claim.holder} since " in out


def test_documents_are_listed_by_a_short_source_name(tmp_path, monkeypatch, capsys):
    from ordergate.app import open_engine
    from ordergate.cli import main
    from ordergate.documents import RawDocument
    from ordergate.orders.store import store_document
    from ordergate.settings import Settings

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    engine = open_engine(Settings())
    for content, ref in ((b"From: a@example.com\n\nhi\n",
                          "maildir:/srv/mail;UIDVALIDITY=a49c/;UID=acme_pdf_order"),
                         (b"ISA*00*", "var/inbox/ACME/po-17.edi"),
                         (b"ISA*01*", "var/inbox/ACME/po;UID=5.edi")):
        store_document(engine, RawDocument(content=content, channel="test", source_ref=ref))
    engine.dispose()
    capsys.readouterr()

    assert main(["documents", "list"]) == 0
    out = capsys.readouterr().out
    assert " mail acme_pdf_order " in out and " po-17.edi " in out and "UIDVALIDITY" not in out
    assert " po;UID=5.edi " in out  # a file, whatever its name


def test_report_prints_json_and_writes_a_folder_with_charts(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERGATE_DATABASE_URL", raising=False)
    assert run(capsys, "seed", str(ROOT / "samples" / "masterdata"))[0] == 0
    run(capsys, "ingest", str(ROOT / "samples" / "x12" / "acme_two_orders.edi"))
    code, out = run(capsys, "report", "--json")
    figures = json.loads(out)
    assert code == 0 and figures["orders"] == 2
    assert figures["hold_reasons"][0]["reason"] == "unknown item"
    code, out = run(capsys, "report", "--out", str(tmp_path / "report"))
    assert code == 0 and "# Operations report" in out
    written = sorted(p.name for p in (tmp_path / "report").iterdir())
    assert {"report.md", "report.json", "orders_per_day.png", "hold_reasons.png"} <= set(written)
    assert run(capsys, "report", "--since", "2026-12-31", "--until", "2026-01-01")[0] == 2
