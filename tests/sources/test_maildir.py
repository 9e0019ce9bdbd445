"""MaildirSource: the MailSource behaviour on a real Maildir, delivered to with the stdlib."""

from __future__ import annotations

import mailbox
import os
import time

import pytest

from ordergate.errors import ConfigError
from ordergate.sources.mailbox import MailRef
from ordergate.sources.maildir import MaildirSource
from tests.kit.mailserver import make_message


@pytest.fixture
def box_path(tmp_path):
    """Where the Maildir goes; not created, as the stdlib only builds one in a new folder."""
    return tmp_path / "mail"


def deliver(path, raw: bytes, *, age: float = 0.0) -> str:
    """Deliver as an MDA would (stdlib Maildir.add: tmp/ then new/); returns the key."""
    box = mailbox.Maildir(path, factory=None, create=True)
    key = box.add(raw)
    if age:
        # Maildir orders by delivery time, which is the file's mtime; backdate to control order.
        stamp = time.time() - age
        file = next(p for sub in ("new", "cur") for p in (path / sub).iterdir() if p.name.startswith(key))
        os.utime(file, (stamp, stamp))
    return key


def test_fetch_returns_messages_oldest_first_with_their_bytes_and_key(box_path):
    newer = deliver(box_path, make_message("newer"), age=10)
    older = deliver(box_path, make_message("older"), age=20)

    with MaildirSource(box_path) as source:
        mails = source.fetch(10)

    assert [m.ref.uid for m in mails] == [older, newer]
    assert [m.raw for m in mails] == [make_message("older"), make_message("newer")]
    assert [m.size for m in mails] == [len(make_message("older")), len(make_message("newer"))]
    assert all(m.ref.mailbox == f"maildir:{box_path.resolve()}" for m in mails)


def test_fetch_honours_the_limit_and_refuses_a_zero_limit(box_path):
    for age in (30, 20, 10):
        deliver(box_path, make_message(f"age {age}"), age=age)
    source = MaildirSource(box_path)

    assert [m.raw for m in source.fetch(2)] == [make_message("age 30"), make_message("age 20")]
    with pytest.raises(ValueError, match="at least 1"):
        source.fetch(0)


def test_fetch_reads_cur_with_flags_and_skips_temporary_files(box_path):
    MaildirSource(box_path)
    key = "1700000000.M1P1Q1.mailhost"  # as a mail client leaves a message it has shown
    (box_path / "cur" / f"{key}:2,S").write_bytes(make_message("seen"))
    (box_path / "tmp" / "1700000001.M2P2Q2.mailhost").write_bytes(make_message("being written"))
    (box_path / "new" / ".hidden").write_bytes(make_message("hidden"))

    mails = MaildirSource(box_path).fetch(10)

    assert [(m.ref.uid, m.raw) for m in mails] == [(key, make_message("seen"))]


def test_identity_is_stable_across_fetches_and_instances_and_differs_between_folders(tmp_path):
    deliver(tmp_path / "a", make_message("one"))
    first = MaildirSource(tmp_path / "a").fetch(10)
    again = MaildirSource(tmp_path / "a").fetch(10)
    other = MaildirSource(tmp_path / "b")

    assert [m.ref for m in again] == [m.ref for m in first]
    assert other.uidvalidity != first[0].ref.uidvalidity
    assert other.mailbox != first[0].ref.mailbox


def test_mark_processed_and_failed_move_into_subfolders_and_twice_is_harmless(box_path):
    deliver(box_path, make_message("good"), age=20)
    deliver(box_path, make_message("bad"), age=10)
    source = MaildirSource(box_path)
    good, bad = source.fetch(10)

    source.mark_processed(good.ref)
    source.mark_failed(bad.ref)
    source.mark_processed(good.ref)  # a retried run moves again: nothing happens
    source.mark_failed(good.ref)  # already gone from the inbox: it stays in Processed

    assert source.fetch(10) == []
    box = mailbox.Maildir(box_path, factory=None)
    processed, failed = box.get_folder("Processed"), box.get_folder("Failed")
    assert processed.keys() == [good.ref.uid]
    assert failed.keys() == [bad.ref.uid]
    assert processed.get_bytes(good.ref.uid) == make_message("good")
    assert failed.get_bytes(bad.ref.uid) == make_message("bad")


def test_moving_keeps_the_flags_a_mail_client_set(box_path):
    source = MaildirSource(box_path)
    (box_path / "cur" / "1700000000.M1P1Q1.mailhost:2,FS").write_bytes(make_message("flagged"))

    source.mark_processed(source.fetch(1)[0].ref)

    assert os.listdir(box_path / ".Processed" / "cur") == ["1700000000.M1P1Q1.mailhost:2,FS"]
    assert os.listdir(box_path / "cur") == []


def test_creates_the_maildir_and_its_subfolders(tmp_path):
    MaildirSource(tmp_path / "new-box", processed_folder="Done", failed_folder="Rejected")

    box = mailbox.Maildir(tmp_path / "new-box", factory=None, create=False)
    assert sorted(box.list_folders()) == ["Done", "Rejected"]
    assert all((tmp_path / "new-box" / sub).is_dir() for sub in ("new", "cur", "tmp"))


def test_a_file_where_the_maildir_should_be_is_a_config_error(tmp_path):
    (tmp_path / "mail").write_text("not a folder")

    with pytest.raises(ConfigError, match=r"Maildir .*mail is a file"):
        MaildirSource(tmp_path / "mail")


def test_a_ref_from_another_source_is_refused(tmp_path):
    source = MaildirSource(tmp_path / "a")
    foreign = MailRef("maildir:/elsewhere", source.uidvalidity, "1.M1P1Q1.host")

    with pytest.raises(ValueError, match="does not belong"):
        source.mark_processed(foreign)


def test_mail_delivered_after_a_fetch_is_seen_by_the_next(box_path):
    source = MaildirSource(box_path)
    assert source.fetch(10) == []

    key = deliver(box_path, make_message("late"))

    assert [m.ref.uid for m in source.fetch(10)] == [key]
