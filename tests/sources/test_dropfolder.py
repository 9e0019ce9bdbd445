import errno
import os
import time
from pathlib import Path

from ordergate.sources import dropfolder

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


def test_finish_leaves_a_file_another_worker_moved_first(tmp_path):
    inbox, archive, failed = tmp_path / "inbox", tmp_path / "archive", tmp_path / "failed"
    inbox.mkdir()
    (inbox / "x.edi").write_bytes(b"ISA")
    [drop] = scan_inbox(inbox)
    first = finish_drop_file(drop, archive=archive, failed=failed, document_id=7, ok=True)
    second = finish_drop_file(drop, archive=archive, failed=failed, document_id=7, ok=True)
    assert first is not None and first.read_bytes() == b"ISA"
    assert second is None
    assert [p.name for p in archive.rglob("*") if p.is_file()] == ["7_x.edi"]


def test_finish_across_file_systems_copies_then_removes_and_yields_to_a_faster_mover(
        tmp_path, monkeypatch):
    """Another file system: os.replace cannot move, so the file is copied under a name of its
    own, then removed; a worker that finds the file gone removes its copy."""
    inbox, archive, failed = tmp_path / "inbox", tmp_path / "archive", tmp_path / "failed"
    inbox.mkdir()
    real_replace = os.replace

    def across(source, target):
        if str(source).startswith(str(inbox)):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(source, target)

    monkeypatch.setattr(dropfolder.os, "replace", across)
    (inbox / "x.edi").write_bytes(b"ISA")
    [drop] = scan_inbox(inbox)
    target = finish_drop_file(drop, archive=archive, failed=failed, document_id=7, ok=True)
    assert target is not None and target.read_bytes() == b"ISA" and target.name == "7_x.edi"
    assert not drop.path.exists()

    (inbox / "x.edi").write_bytes(b"ISA")
    real_copy = dropfolder.shutil.copy2

    def copied_while_another_moved_it(source, target):
        real_copy(source, target)
        Path(source).unlink()  # the other worker's move, just before ours removes the source

    monkeypatch.setattr(dropfolder.shutil, "copy2", copied_while_another_moved_it)
    assert finish_drop_file(drop, archive=archive, failed=failed, document_id=7, ok=True) is None
    assert sorted(p.name for p in archive.rglob("*") if p.is_file()) == ["7_x.edi"]
