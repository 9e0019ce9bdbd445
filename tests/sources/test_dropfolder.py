import os
import time

from ordergate.processing.registry import FORMATS
from ordergate.sources.dropfolder import finish_drop_file, read_drop_file, scan_inbox


def test_scan_skips_partial_and_hidden_files_and_reads_customer_folders(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "ACME").mkdir(parents=True)
    (inbox / "a.edi").write_bytes(b"ISA")
    (inbox / "b.edi.part").write_bytes(b"ISA")
    (inbox / ".hidden").write_bytes(b"ISA")
    (inbox / "ACME" / "c.csv").write_bytes(b"po,sku")
    old = time.time() - 100
    os.utime(inbox / "ACME" / "c.csv", (old, old))

    found = scan_inbox(inbox)

    assert [(d.path.name, d.customer_hint) for d in found] == [("c.csv", "ACME"), ("a.edi", None)]


def test_scan_waits_for_young_files(tmp_path):
    (tmp_path / "new.edi").write_bytes(b"ISA")
    assert scan_inbox(tmp_path, min_age_seconds=60) == []
    assert len(scan_inbox(tmp_path, min_age_seconds=0)) == 1


def test_finish_moves_to_archive_or_failed_without_overwriting(tmp_path):
    for ok, root in ((True, "archive"), (False, "failed")):
        for _ in range(2):
            (tmp_path / "x.edi").write_bytes(b"ISA")
            drop = scan_inbox(tmp_path)[0]
            raw = read_drop_file(drop)
            target = finish_drop_file(drop, archive=tmp_path.parent / "a" / "archive",
                                      failed=tmp_path.parent / "a" / "failed", document_id=7, ok=ok)
            assert raw.content == b"ISA" and raw.channel == "dropfolder"
            assert target.exists() and root in str(target) and target.name.endswith("x.edi")
            assert not (tmp_path / "x.edi").exists()
        assert len(list((tmp_path.parent / "a" / root).rglob("*x.edi"))) == 2


def test_detect_format_by_content_not_name():
    assert FORMATS.detect(b"\xef\xbb\xbf\r\n  ISA*00*") == "x12"
    assert FORMATS.detect(b"UNA:+.? 'UNB+UNOC") == "edifact"
    assert FORMATS.detect(b"UNB+UNOA:3") == "edifact"
    assert FORMATS.detect(b"%PDF-1.7") == "pdf"
    assert FORMATS.detect(b"po_number,sku\n") is None
    assert FORMATS.detect(b"") is None
