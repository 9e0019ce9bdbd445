"""The embedded mail source: a local Maildir read through the same interface as IMAP.

For the demo and for people without a mail server: anything that can deliver to a Maildir
(fetchmail, getmail, an MTA, or a plain file copy into ``new/``) feeds it. Handled mail moves
to the Maildir++ sub-folders ``.Processed`` and ``.Failed`` by renaming the file, which is
atomic, so a message is never in two places.
"""

from __future__ import annotations

import hashlib
import logging
import mailbox
import os
from pathlib import Path

from ordergate.errors import ConfigError
from ordergate.sources.mailbox import (
    FetchedMail,
    MailRef,
    MailSource,
    check_limit,
    check_own_ref,
)

log = logging.getLogger(__name__)

# Maildir file names are "<key>" in new/ and "<key>:2,<flags>" in cur/.
INFO_SEPARATOR = ":"


class MaildirSource(MailSource):
    """A Maildir folder (created if missing) as a MailSource.

    The UID is the Maildir key, which never changes while the message stays in the folder;
    UIDVALIDITY is derived from the folder's absolute path, so it is stable across runs and
    differs between folders.
    """

    def __init__(self, path: Path | str, *, processed_folder: str = "Processed",
                 failed_folder: str = "Failed") -> None:
        self.path = Path(path).resolve()
        if self.path.exists() and not self.path.is_dir():
            raise ConfigError(f"Maildir {self.path} is a file, not a folder")
        try:
            self._box = mailbox.Maildir(self.path, factory=None, create=True)
            # The stdlib only builds the structure when the folder is missing; an existing
            # empty folder (say, made by hand for the demo) needs it too.
            for sub in ("new", "cur", "tmp"):
                (self.path / sub).mkdir(exist_ok=True)
            for name in (processed_folder, failed_folder):
                self._box.add_folder(name)
        except OSError as exc:
            raise ConfigError(f"cannot create the Maildir {self.path}: {exc.strerror}") from exc
        self._processed, self._failed = processed_folder, failed_folder
        # Maildir++ keeps sub-folder "X" in the directory ".X" (as add_folder made it).
        self._targets = {name: self.path / f".{name}" for name in (processed_folder, failed_folder)}
        self.mailbox = f"maildir:{self.path}"
        self.uidvalidity = hashlib.sha256(str(self.path).encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"MaildirSource({str(self.path)!r})"

    def fetch(self, limit: int) -> list[FetchedMail]:
        check_limit(limit)
        found = []
        for path in self._message_files():
            try:
                found.append((path.stat().st_mtime, _key(path), path))
            except FileNotFoundError:  # moved by someone else since we listed it
                continue
        found.sort()  # delivery time, then key (keys start with the delivery second)
        mails = []
        for _, key, path in found[:limit]:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            mails.append(FetchedMail(MailRef(self.mailbox, self.uidvalidity, key), raw, len(raw)))
        return mails

    def mark_processed(self, ref: MailRef) -> None:
        self._move(ref, self._processed)

    def mark_failed(self, ref: MailRef) -> None:
        self._move(ref, self._failed)

    def close(self) -> None:
        self._box.close()

    def _move(self, ref: MailRef, folder: str) -> None:
        check_own_ref(ref, self.mailbox)
        path = self._find(ref.uid)
        if path is None:
            return  # already moved
        # Same sub-directory (new/ or cur/) and file name in the target: flags and the
        # "not yet seen by a mail client" state stay as they were.
        target = self._targets[folder] / path.parent.name / path.name
        try:
            os.rename(path, target)
        except FileNotFoundError:  # moved by a concurrent run between _find and here
            return
        log.info("Maildir: moved %s to %s", ref, folder)

    def _message_files(self) -> list[Path]:
        files = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                # Dot-files are other programs' temporary files; skip them as Maildir readers must.
                if entry.is_file() and not entry.name.startswith("."):
                    files.append(Path(entry.path))
        return files

    def _find(self, key: str) -> Path | None:
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.name == key or entry.name.startswith(key + INFO_SEPARATOR):
                    return Path(entry.path)
        return None


def _key(path: Path) -> str:
    return path.name.split(INFO_SEPARATOR, 1)[0]
