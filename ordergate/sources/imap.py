"""The IMAP mail source: password lookup, connecting, and ``ImapSource``.

Security is implicit TLS (port 993), STARTTLS (143) or none; certificates are verified
unless switched off, against the system's CAs or a CA file given for a self-signed server.
The settings (``ImapSettings``) are read by ``ordergate.settings``; the password comes from
``ORDERGATE_IMAP_PASSWORD`` or a Prefect Secret block, travels as a ``SecretStr`` and is only
unwrapped for LOGIN.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import CapabilityError, IMAPClientError, LoginError
from pydantic import SecretStr

from ordergate.errors import ConfigError
from ordergate.mail_settings import IMAP_PREFIX as ENV_PREFIX
from ordergate.mail_settings import ImapSettings
from ordergate.secrets import resolve_password
from ordergate.sources.mailbox import (
    FetchedMail,
    MailboxLoginError,
    MailboxUnavailable,
    MailRef,
    MailSource,
    check_limit,
    check_own_ref,
)

log = logging.getLogger(__name__)

__all__ = ["ImapSettings", "ImapSource", "imap_password", "open_imap"]

PASSWORD_VAR = "ORDERGATE_IMAP_PASSWORD"
PASSWORD_BLOCK_VAR = "ORDERGATE_IMAP_PASSWORD_BLOCK"


def imap_password(settings: ImapSettings) -> SecretStr:
    """The IMAP password the settings carry (``ORDERGATE_IMAP_PASSWORD``) or the one in the
    Prefect Secret block they name (``ORDERGATE_IMAP_PASSWORD_BLOCK``), read now."""
    password = resolve_password(settings, ENV_PREFIX)
    if password is None:
        raise ConfigError(f"no IMAP password: set {PASSWORD_VAR}, or {PASSWORD_BLOCK_VAR} to the "
                          f"name of a Prefect Secret block that holds it")
    return password


def open_imap(settings: ImapSettings, password: SecretStr | str) -> IMAPClient:
    """A logged-in connection. Raises MailboxLoginError (wrong user/password), ConfigError
    (TLS or certificate trouble) or MailboxUnavailable (cannot reach the server)."""
    secret = password.get_secret_value() if isinstance(password, SecretStr) else password
    where = f"{settings.host}:{settings.effective_port}"
    context = settings.ssl_context() if settings.security != "none" else None
    client: IMAPClient | None = None
    try:
        client = IMAPClient(settings.host, settings.effective_port, ssl=settings.security == "tls",
                            ssl_context=context, timeout=settings.timeout)
        if settings.security == "starttls":
            client.starttls(context)
        client.login(settings.user, secret)
        return client
    except LoginError as exc:
        _shutdown(client)
        # Servers do not echo the password, but the message is logged: make sure of it.
        reason = _text(exc).replace(secret, "***") if secret else _text(exc)
        # "from None": the chained original would print the unscrubbed server text.
        raise MailboxLoginError(f"IMAP server {where} refused the login of user {settings.user!r}: "
                                f"{reason}") from None
    except CapabilityError as exc:
        _shutdown(client)
        raise ConfigError(f"IMAP server {where} does not offer STARTTLS ({_text(exc)}); "
                          f"set security to 'tls' (port 993) or 'none'") from exc
    except ssl.SSLCertVerificationError as exc:
        _shutdown(client)
        raise ConfigError(f"the certificate of IMAP server {where} is not trusted "
                          f"({exc.verify_message}); for a self-signed server set "
                          f"{ENV_PREFIX}CA_FILE to its CA certificate") from exc
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as exc:
        # The server hung up mid-handshake (restarting, overloaded): worth another try.
        _shutdown(client)
        raise MailboxUnavailable(f"IMAP server {where} closed the connection during the TLS "
                                 f"handshake: {exc.reason}") from exc
    except ssl.SSLError as exc:
        _shutdown(client)
        raise ConfigError(f"TLS handshake with IMAP server {where} failed ({exc.reason}); does the "
                          f"port match security={settings.security!r}? (993 is implicit TLS, "
                          f"143 plain or STARTTLS)") from exc
    except (OSError, imaplib.IMAP4.abort) as exc:
        _shutdown(client)
        raise MailboxUnavailable(f"cannot reach IMAP server {where}: {_text(exc)}") from exc


def _text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:  # its first arg is the bare errno
        return exc.strerror
    arg = exc.args[0] if exc.args else exc
    text = arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg)
    # imapclient wraps the server's bytes as str(bytes): show the server's words, not "b'...'".
    if text.startswith(("b'", 'b"')) and text.endswith(text[1]):
        text = text[2:-1]
    return text


def _shutdown(client: IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.shutdown()
    except OSError:  # already closed by the other side
        pass


class ImapSource(MailSource):
    """One IMAP folder as a MailSource; handled mail moves to the processed/failed folders.

    Uses MOVE when the server has it, else COPY + ``\\Deleted`` + EXPUNGE; ``use_move=False``
    forces the fallback. A dropped connection raises MailboxUnavailable and the next call
    reconnects.
    """

    def __init__(self, settings: ImapSettings, password: SecretStr | str, *, use_move: bool = True) -> None:
        self.settings = settings
        self.mailbox = settings.mailbox_url
        self._password = password if isinstance(password, SecretStr) else SecretStr(password)
        self._use_move = use_move
        self._client: IMAPClient | None = None
        self._uidvalidity = ""
        self._connect()

    def __repr__(self) -> str:
        return f"ImapSource({self.mailbox!r}, security={self.settings.security!r})"

    def fetch(self, limit: int) -> list[FetchedMail]:
        check_limit(limit)
        with self._talking("fetch"):
            client = self._session()
            # Re-selecting refreshes UIDVALIDITY and the message list in one round trip.
            self._select(client)
            # \Deleted mail is on its way out (a copy + delete that stopped before EXPUNGE).
            uids = sorted(client.search(["NOT", "DELETED"]))[:limit]
            if not uids:
                return []
            data = client.fetch(uids, ["BODY.PEEK[]", "RFC822.SIZE"])  # PEEK: leave \Seen alone
        return [FetchedMail(MailRef(self.mailbox, self._uidvalidity, str(uid)),
                            data[uid][b"BODY[]"], data[uid][b"RFC822.SIZE"])
                for uid in uids if uid in data]  # someone may have removed it in between

    def mark_processed(self, ref: MailRef) -> None:
        self._move(ref, self.settings.processed_folder)

    def mark_failed(self, ref: MailRef) -> None:
        self._move(ref, self.settings.failed_folder)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (OSError, IMAPClientError):
            _shutdown(client)

    def _move(self, ref: MailRef, target: str) -> None:
        check_own_ref(ref, self.mailbox)
        with self._talking(f"moving {ref} to {target!r}"):
            client = self._session()
            if ref.uidvalidity != self._uidvalidity:
                # The folder was rebuilt: the UID now names another message or none. Moving by
                # it could move the wrong mail; the message will be fetched again under its new
                # identity.
                log.warning("IMAP: not moving %s: the folder's UIDVALIDITY is now %s",
                            ref, self._uidvalidity)
                return
            uid = int(ref.uid)
            if not client.search(["UID", uid, "NOT", "DELETED"]):
                return  # already moved
            if self._use_move and client.has_capability("MOVE"):
                client.move([uid], target)
            else:
                client.copy([uid], target)
                client.add_flags([uid], [DELETED])
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge([uid])
                else:
                    # Also removes mail other clients flagged \Deleted in this folder, as any
                    # mail client's "compact" would; without UIDPLUS there is no narrower way.
                    client.expunge()
        log.info("IMAP: moved %s to %s", ref, target)

    def _session(self) -> IMAPClient:
        if self._client is None:
            self._connect()
        assert self._client is not None
        return self._client

    def _connect(self) -> None:
        client = open_imap(self.settings, self._password)
        try:
            for folder in (self.settings.processed_folder, self.settings.failed_folder):
                _ensure_folder(client, folder)
            self._select(client)
        except BaseException:
            _shutdown(client)
            raise
        self._client = client

    def _select(self, client: IMAPClient) -> None:
        try:
            status = client.select_folder(self.settings.folder)
        except imaplib.IMAP4.abort:
            raise
        except IMAPClientError as exc:
            raise ConfigError(f"cannot open IMAP folder {self.settings.folder!r} at {self.mailbox} "
                              f"({ENV_PREFIX}FOLDER): {_text(exc)}") from exc
        self._uidvalidity = str(status[b"UIDVALIDITY"])

    @contextmanager
    def _talking(self, what: str) -> Iterator[None]:
        """Turn a dropped connection into MailboxUnavailable and a refused command into
        ConfigError, both naming the mailbox and the step."""
        try:
            yield
        except (OSError, imaplib.IMAP4.abort) as exc:
            _shutdown(self._client)
            self._client = None
            raise MailboxUnavailable(f"IMAP connection to {self.mailbox} lost during {what}: "
                                     f"{_text(exc)}") from exc
        except IMAPClientError as exc:
            raise ConfigError(f"IMAP server refused {what} at {self.mailbox}: {_text(exc)}") from exc


def _ensure_folder(client: IMAPClient, folder: str) -> None:
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except IMAPClientError as exc:
        if client.folder_exists(folder):  # another worker created it at the same moment
            return
        raise ConfigError(f"cannot create IMAP folder {folder!r}: {_text(exc)}") from exc
    client.subscribe_folder(folder)  # so people see it in their mail client
