"""The commands that run a flow once, ``poll`` and ``mail poll``, print the ingest report as
JSON with ``--json`` (the same keys as ``ingest --json``) and exit 1 when a document failed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ordergate.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_poll_json_reports_the_drop_folder_run(prefect_harness, ordergate_home, capsys):
    settings, _engine = ordergate_home
    inbox = settings.home / "inbox" / "ACME"
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLES / "x12" / "acme_two_orders.edi", inbox / "po.edi")
    (inbox / "note.edi").write_bytes(b"not an order at all\n")
    capsys.readouterr()

    code = main(["poll", "--json"])
    documents = json.loads(capsys.readouterr().out)["documents"]
    assert code == 1  # the note failed
    assert sorted(d["status"] for d in documents) == ["failed", "processed"]
    assert all(set(d) >= {"path", "document_id", "format", "status", "error", "orders", "outbound"}
               for d in documents)


def test_mail_poll_json_on_an_empty_mailbox(prefect_harness, ordergate_home, capsys, monkeypatch):
    for name in ("ORDERGATE_IMAP_HOST", "ORDERGATE_IMAP_USER", "ORDERGATE_IMAP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)  # the Maildir in ORDERGATE_HOME, then
    capsys.readouterr()
    assert main(["mail", "poll", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"documents": []}
