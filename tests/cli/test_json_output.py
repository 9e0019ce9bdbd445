"""Every command that prints data prints JSON with ``--json``, and every ``--status`` takes
every status its enum defines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlalchemy import update

from ordergate.cli import build_parser
from ordergate.formats import DocumentFormat
from ordergate.statuses import (
    STORED_DOCUMENT_STATUSES,
    DocumentStatus,
    InvoiceStatus,
    OrderStatus,
    OutboxStatus,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# Commands that print no data: ``serve`` and ``mail watch`` run until stopped.
WITHOUT_JSON = {("serve",), ("mail", "watch")}


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, its parser) for every command, e.g. (("orders", "list"), parser)."""
    for action in parser._actions:  # argparse has no public walk over its subparsers
        if isinstance(action, argparse._SubParsersAction):
            if path and not action.required:  # a command of its own too (``stock``, ``stock receive``)
                yield path, parser
            for name, sub in action.choices.items():
                yield from _commands(sub, path + (name,))
            return
    yield path, parser


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {option: action for action in parser._actions for option in action.option_strings}


def test_every_command_that_prints_data_has_json():
    commands = dict(_commands(build_parser()))
    assert len(commands) == 37
    missing = [path for path, parser in commands.items()
               if "--json" not in _options(parser) and path not in WITHOUT_JSON]
    assert missing == []


def test_status_choices_are_the_enums():
    commands = dict(_commands(build_parser()))
    choices = {path: _options(parser)["--status"].choices
               for path, parser in commands.items() if "--status" in _options(parser)}
    assert choices == {
        ("orders", "list"): [s.value for s in OrderStatus],
        ("outbox", "list"): ["pending", "sent", "failed"],
        ("documents", "list"): [s.value for s in STORED_DOCUMENT_STATUSES],
        ("invoices", "list"): [s.value for s in InvoiceStatus],
    }
    assert DocumentStatus.IN_PROGRESS not in choices[("documents", "list")]  # never stored
    formats = _options(commands[("documents", "list")])["--format"].choices
    assert formats == [f.value for f in DocumentFormat] and "email" in formats


def test_outbox_list_filters_on_failed(cli, tmp_path):
    from ordergate.app import open_engine
    from ordergate.settings import Settings
    from ordergate.store.tables import outbox

    assert cli("seed", str(SAMPLES / "masterdata")).code == 0
    assert cli("ingest", "--no-deliver", str(SAMPLES / "x12" / "acme_two_orders.edi")).code == 0
    engine = open_engine(Settings())
    with engine.begin() as conn:  # what a recipient refusing the 997 for good leaves behind
        conn.execute(update(outbox).where(outbox.c.kind == "997")
                     .values(status=OutboxStatus.FAILED, last_error="550 no such mailbox"))

    ran = cli("outbox", "list", "--status", "failed", "--json")
    assert ran.code == 0, ran.err
    assert [(m["kind"], m["status"]) for m in json.loads(ran.out)["outbox"]] == [("997", "failed")]
    pending = json.loads(cli("outbox", "list", "--status", "pending", "--json").out)["outbox"]
    assert [m["kind"] for m in pending] == ["855"]
    assert "997" in cli("outbox", "list", "--status", "failed").out


def _json(cli, *argv: str, code: int = 0) -> dict:
    ran = cli(*argv)
    assert ran.code == code, (argv, ran.err)
    return json.loads(ran.out)


def test_each_data_command_prints_valid_json(cli, tmp_path):
    assert set(_json(cli, "db", "upgrade", "--json")) == {"database", "revision", "free_bytes"}
    loaded = _json(cli, "seed", str(SAMPLES / "masterdata"), "--json")["loaded"]
    assert loaded and all(isinstance(count, int) for count in loaded.values())

    report = _json(cli, "ingest", "--json", "--no-deliver", str(SAMPLES / "x12" / "acme_two_orders.edi"),
                   str(SAMPLES / "x12" / "not_an_order.edi"), code=1)
    good, bad = report["documents"]

    orders = _json(cli, "orders", "list", "--json")["orders"]
    assert {o["status"] for o in orders} == {"accepted", "held"}
    shown = _json(cli, "orders", "show", str(orders[0]["order_id"]), "--json")
    assert shown["summary"]["order_id"] == orders[0]["order_id"]

    documents = _json(cli, "documents", "list", "--json")["documents"]
    assert [d["status"] for d in documents] == ["failed", "processed"]
    x12 = _json(cli, "documents", "list", "--format", "x12", "--json")["documents"]
    assert [(d["format"], d["status"]) for d in x12] == [("x12", "processed")]
    saved = tmp_path / "received.edi"
    document = _json(cli, "documents", "show", str(bad["document_id"]), "--save", str(saved), "--json")
    assert set(document) == {"document_id", "channel", "source_ref", "format", "status", "error",
                             "size", "received_at", "processed_at", "claim", "saved"}
    assert (document["status"], document["claim"]) == ("failed", None)
    assert document["saved"] == {"path": str(saved), "bytes": saved.stat().st_size}

    assert {m["kind"] for m in _json(cli, "outbox", "list", "--json")["outbox"]} == {"855", "997"}
    deliveries = _json(cli, "outbox", "deliver", "--json")["deliveries"]
    assert sorted(d["kind"] for d in deliveries) == ["855", "997"]
    assert all(d["status"] == "sent" and Path(d["path"]).exists() for d in deliveries)

    (held,) = _json(cli, "holds", "list", "--json")["holds"]
    released = _json(cli, "holds", "release", str(held["order_id"]), "--json", code=1)
    assert released["status"] == "held" and released["reasons"]
    rejected = _json(cli, "holds", "reject", str(held["order_id"]), "--reason", "no", "--json")
    assert rejected["status"] == "rejected"

    assert isinstance(_json(cli, "stock", "--json")["stock"], list)
    replayed = _json(cli, "replay", str(bad["document_id"]), "--json", code=1)
    assert replayed["documents"][0]["status"] == "failed"
    vacuumed = _json(cli, "db", "vacuum", "--json")
    assert set(vacuumed) == {"database", "freed_bytes", "given_back"}
    assert isinstance(vacuumed["freed_bytes"], int)


def test_ingest_json_prints_every_order_past_what_a_report_keeps(cli, tmp_path, monkeypatch):
    from ordergate.processing import report as report_module
    from tests.kit.x12 import interchange, po_850, sku

    monkeypatch.setattr(report_module, "KEPT_ORDERS", 2)
    assert cli("db", "upgrade").code == 0 and cli("seed", str(SAMPLES / "masterdata")).code == 0
    pos = [f"KEEP-{n}" for n in range(7)]
    path = tmp_path / "seven.edi"
    path.write_bytes(interchange(*(po_850(po, sku("HW-1001", "1")) for po in pos)))
    report = _json(cli, "ingest", "--json", "--no-deliver", str(path))
    [document] = report["documents"]
    assert [o["po_number"] for o in document["orders"]] == pos
    assert "orders_omitted" not in document

    again = tmp_path / "again.edi"
    again.write_bytes(interchange(*(po_850(po, sku("HW-1001", "1")) for po in pos), control=2))
    summary = cli("ingest", "--no-deliver", str(again))
    assert summary.code == 0 and "orders: 0 accepted, 0 held, 0 rejected, 7 duplicate" in summary.out


def test_db_backup_and_restore_into_a_fresh_home(cli, tmp_path, monkeypatch):
    assert cli("db", "upgrade").code == 0 and cli("seed", str(SAMPLES / "masterdata")).code == 0
    assert cli("ingest", "--no-deliver", str(SAMPLES / "x12" / "acme_two_orders.edi")).code == 0
    orders = _json(cli, "orders", "list", "--json")["orders"]
    made = _json(cli, "db", "backup", str(tmp_path / "backups"), "--json")
    assert made["database"] == "sqlite" and made["counts"]["orders"] == len(orders) == 2

    monkeypatch.setenv("ORDERGATE_HOME", str(tmp_path / "fresh"))
    restored = _json(cli, "db", "restore", made["file"], "--json")
    assert restored["matches"] is True and restored["sequences_moved"] >= 1
    assert _json(cli, "orders", "list", "--json")["orders"] == orders
    again = cli("db", "restore", made["file"])
    assert again.code == 2 and "--force" in again.err
    assert _json(cli, "db", "restore", made["file"], "--force", "--json")["matches"] is True
