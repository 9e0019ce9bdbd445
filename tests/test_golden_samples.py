"""Golden samples: ingesting samples/<format>/* (in name order, into one empty home) gives
exactly samples/expected/<format>_ingest.json, for every inbound format: X12, EDIFACT, CSV,
XLSX, PDF and email. CSV and XLSX files go through the drop folder as in the demo: into
inbox/<CUSTOMER>/, the customer being the file name's first word; PDF orders arrive attached to
a mail from the customer's buyer, as they do in production; .eml files are read as
``ordergate ingest`` reads them. Adding a sample means adding data: run once with ORDERGATE_UPDATE_GOLDEN=1 (the test
writes the golden file and fails, saying so), read the diff, run again, commit it."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import os
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from ordergate.masterdata.seed import seed_masterdata
from ordergate.parsers.edifact.reader import iter_edifact
from ordergate.parsers.edifact.types import Message
from ordergate.parsers.x12.reader import iter_x12
from ordergate.parsers.x12.types import TransactionSet
from ordergate.processing.dropfolder_run import (
    deliver_and_annotate,
    ingest_drop_file,
    ingest_paths,
)
from ordergate.processing.report import IngestReport
from ordergate.settings import Settings
from ordergate.sources.dropfolder import scan_inbox
from ordergate.store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]


def x12_sets(data: bytes) -> list[str]:
    return [e.set_id for e in iter_x12(data) if isinstance(e, TransactionSet)]


def edifact_messages(data: bytes) -> list[str]:
    return [e.message_type for e in iter_edifact(data) if isinstance(e, Message)]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def mail_reply(data: bytes) -> dict:
    """A reply mail's addressing, subject, text and attachments; not its Date or Message-ID,
    which differ from run to run."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(("plain",))
    return {"from": message["From"], "to": message["To"], "subject": message["Subject"],
            "in_reply_to": message["In-Reply-To"],
            "text": body.get_content().splitlines() if body is not None else None,
            "attachments": [[part.get_content_type(), part.get_filename()]
                            for part in message.iter_attachments()]}


# What each outbound file holds, read back by its suffix: X12 sets or EDIFACT messages by type,
# a CSV acknowledgement's rows, or a reply mail.
CONTENTS = {".x12": ("sets", x12_sets), ".edi": ("sets", edifact_messages),
            ".csv": ("rows", csv_rows), ".eml": ("mail", mail_reply)}


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


def ingest_mail(engine, settings: Settings, samples: Path) -> IngestReport:
    """The sample mails as ``ordergate ingest`` reads .eml files."""
    return ingest_paths(engine, settings, sorted(samples.glob("*.eml")), actor="golden")


def ingest_pdf_by_mail(engine, settings: Settings, samples: Path) -> IngestReport:
    """PDF orders arrive by mail: each sample PDF attached to a mail from ACME's buyer, with the
    Authentication-Results of the demo's mail server, ingested as ``ordergate ingest`` reads
    an .eml file."""
    mails = []
    for number, path in enumerate(sorted(samples.glob("*.pdf")), start=1):
        message = EmailMessage()
        message["Authentication-Results"] = ("mx.ordergate.example; dkim=pass header.d=acme.example;"
                                             " spf=pass smtp.mailfrom=acme.example;"
                                             " dmarc=pass header.from=acme.example")
        message["From"] = "Ann Buyer <buyer@acme.example>"
        message["To"] = "orders@ordergate.example"
        message["Subject"] = f"Order {path.stem.rsplit('_', 1)[-1]}"
        message["Message-ID"] = f"<golden-{number}@acme.example>"
        message["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
        message.set_content("Please find our order attached.\n")
        message.add_attachment(path.read_bytes(), maintype="application", subtype="pdf",
                               filename=path.name)
        mail = settings.home / "mail" / f"{path.stem}.eml"
        mail.parent.mkdir(parents=True, exist_ok=True)
        mail.write_bytes(message.as_bytes())
        mails.append(mail)
    return ingest_paths(engine, settings, mails, actor="golden")


def ingest_dropped(engine, settings: Settings, samples: Path) -> IngestReport:
    """Each file into inbox/<CUSTOMER>/, dropped one second apart in name order, then polled."""
    for second, path in enumerate(sorted(p for p in samples.iterdir() if p.is_file())):
        folder = settings.inbox / path.name.split("_", 1)[0].upper()
        folder.mkdir(parents=True, exist_ok=True)
        dropped = folder / path.name
        shutil.copyfile(path, dropped)
        os.utime(dropped, (1_700_000_000 + second,) * 2)
    return IngestReport([ingest_drop_file(engine, settings, drop, actor="golden")
                         for drop in scan_inbox(settings.inbox)])


# Every inbound format, each with its samples in samples/<format>/ and its golden output.
INGEST = {"x12": ingest_edi, "edifact": ingest_edi, "csv": ingest_dropped, "xlsx": ingest_dropped,
          "pdf": ingest_pdf_by_mail, "email": ingest_mail}


@pytest.mark.parametrize("fmt", sorted(INGEST))
def test_samples_match_golden_output(tmp_path, fmt):
    samples = ROOT / "samples" / fmt
    expected = ROOT / "samples" / "expected" / f"{fmt}_ingest.json"
    home = tmp_path / "home"
    # The sample mails carry the Authentication-Results of the demo's mail server.
    settings = Settings(home=home, database_url=None,
                        mail_trusted_authserv_ids="mx.ordergate.example")
    settings.ensure_folders()
    engine = make_engine(settings.url)
    upgrade(engine)
    seed_masterdata(engine, ROOT / "samples" / "masterdata")
    report = INGEST[fmt](engine, settings, samples)
    deliver_and_annotate(engine, settings, report, mailer=None)
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
