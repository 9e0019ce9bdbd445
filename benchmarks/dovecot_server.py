"""A throwaway Dovecot 2.3 IMAP server on 127.0.0.1, for the IMAP tests and benchmarks.

``start_dovecot()`` writes a self-contained configuration under a short temporary folder
(unix socket paths are limited to ~108 bytes), a self-signed certificate made with the
``openssl`` command, and one passwd file per user, so users can be added while the server
runs (Dovecot re-reads a changed passwd file at most once a second, so one shared file
would turn quick additions into failed logins). The server runs in the foreground as our
child process, listening on free ports for plain/STARTTLS IMAP and implicit-TLS IMAPS.
Nothing here imports ordergate, so a benchmark can use it without the test suite.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

STARTUP_TIMEOUT = 15.0


class DovecotUnavailable(RuntimeError):
    """Dovecot is not installed or did not start; the message says which and why."""


@dataclass(frozen=True, slots=True)
class MailUser:
    name: str
    password: str


@dataclass
class DovecotServer:
    host: str
    imap_port: int  # plain text, with STARTTLS offered
    imaps_port: int  # implicit TLS
    ca_file: Path  # the self-signed certificate the server presents; trust it to verify
    root: Path
    process: subprocess.Popen
    users: list[MailUser] = field(default_factory=list)

    @property
    def config_file(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_file(self) -> Path:
        return self.root / "dovecot.log"

    def add_user(self, name: str | None = None, password: str | None = None) -> MailUser:
        """A new mail user with an empty INBOX; usable as soon as this returns."""
        user = MailUser(name or f"u{secrets.token_hex(5)}", password or secrets.token_urlsafe(12))
        self.users.append(user)
        _write_passwd(self.root, user)
        return user

    def connect(self, user: MailUser) -> IMAPClient:
        """A logged-in plain-text connection (Dovecot trusts 127.0.0.1), for test set-up."""
        client = IMAPClient(self.host, self.imap_port, ssl=False, timeout=10)
        client.login(user.name, user.password)
        return client

    def append(self, user: MailUser, raw: bytes, folder: str = "INBOX") -> int:
        """APPEND ``raw`` to the user's folder as a mail client would; returns the new UID."""
        with self.connect(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw)
        # APPENDUID (RFC 4315): b"[APPENDUID <uidvalidity> <uid>] Append completed."
        return int(response.split(b"]")[0].split()[-1])

    def session_pids(self, user: MailUser | None = None) -> list[int]:
        """Process ids of the imap processes serving ``user`` (or anyone), found by the process
        titles ``verbose_proctitle`` gives them (``dovecot-<instance>/imap [user ip IDLE]``)."""
        wanted = f"/imap [{user.name} " if user else "/imap ["
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:  # the process ended while we looked
                continue
            ppid = int(status.split("PPid:")[1].split()[0])
            if ppid == self.process.pid and wanted in cmdline:
                pids.append(int(entry.name))
        return pids

    def kill_sessions(self, user: MailUser | None = None) -> int:
        """Cut the user's (or everyone's) connections abruptly: SIGKILL, no BYE, as a crash or
        a network loss would."""
        pids = self.session_pids(user)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return len(pids)

    def kick(self, user: MailUser) -> None:
        """Disconnect the user politely (the server sends BYE), as an admin or restart would."""
        subprocess.run(["doveadm", "-c", str(self.config_file), "kick", user.name],
                       check=True, capture_output=True, timeout=10)

    def restart(self) -> None:
        """Stop and start the server on the same ports and mail, as a reboot would. Dovecot's
        master leaves running imap sessions alive when it stops, so they are cut here."""
        sessions = self.session_pids()
        self._terminate()
        for pid in sessions:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # it ended on its own
                pass
        self.process = _launch(self.root)
        _wait_for_greeting(self)

    def stop(self) -> None:
        self._terminate()
        shutil.rmtree(self.root, ignore_errors=True)

    def _terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None)


def start_dovecot(host: str = "127.0.0.1") -> DovecotServer:
    if shutil.which("openssl") is None:
        raise DovecotUnavailable("the openssl command is needed to make the test certificate")
    # Short on purpose: Dovecot puts its unix sockets under base_dir.
    root = Path(tempfile.mkdtemp(prefix="dv", dir="/tmp"))
    try:
        return _start(root, host)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _start(root: Path, host: str) -> DovecotServer:
    account = _mail_account()
    # Dovecot's unprivileged processes (auth, imap as the mail user) must read the passwd file
    # and write the mail folders; the folder holds only throwaway test data.
    root.chmod(0o755)
    (root / "mail").mkdir()
    (root / "state").mkdir()
    if os.geteuid() == 0:
        os.chown(root / "mail", account.pw_uid, account.pw_gid)
    ca_file = _make_certificate(root, host)
    imap_port, imaps_port = _free_port(host), _free_port(host)
    (root / "users").mkdir()
    (root / "dovecot.conf").write_text(_config(root, host, imap_port, imaps_port, account))
    server = DovecotServer(host, imap_port, imaps_port, ca_file, root, _launch(root))
    try:
        _wait_for_greeting(server)
    except BaseException:
        server.stop()
        raise
    return server


def _launch(root: Path) -> subprocess.Popen:
    binary = dovecot_binary()
    if binary is None:
        raise DovecotUnavailable("Dovecot is not installed (apt-get install dovecot-imapd)")
    # Foreground (-F): it stays our child, so stopping it cannot touch anyone else's Dovecot.
    with (root / "dovecot.out").open("ab") as log:
        return subprocess.Popen([binary, "-F", "-c", str(root / "dovecot.conf")],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _mail_account() -> pwd.struct_passwd:
    """Who owns the mail: the ``dovecot`` system user when we are root (Dovecot refuses to
    deliver as uid 0), otherwise ourselves."""
    if os.geteuid() == 0:
        try:
            return pwd.getpwnam("dovecot")
        except KeyError as exc:
            raise DovecotUnavailable("running as root, but there is no 'dovecot' system user") from exc
    return pwd.getpwuid(os.geteuid())


def _make_certificate(root: Path, host: str) -> Path:
    cert, key = root / "cert.pem", root / "key.pem"
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=ordergate test IMAP",
         "-addext", f"subjectAltName=IP:{host},DNS:localhost"],
        capture_output=True, timeout=60)
    if result.returncode != 0:
        raise DovecotUnavailable(f"openssl could not make the test certificate: {result.stderr.decode()}")
    return cert


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _write_passwd(root: Path, user: MailUser) -> None:
    # Written whole and renamed into place, so Dovecot never reads half a file.
    temp = root / "users" / f".{user.name}.tmp"
    temp.write_text(f"{user.name}:{{PLAIN}}{user.password}::::::\n")
    temp.chmod(0o644)
    temp.replace(root / "users" / user.name)


def _config(root: Path, host: str, imap_port: int, imaps_port: int, account: pwd.struct_passwd) -> str:
    # Not root: every Dovecot process runs as us (it cannot switch users) and its sockets
    # belong to our group.
    me = pwd.getpwuid(os.geteuid()).pw_name
    my_group = grp.getgrgid(os.getegid()).gr_name
    as_root = os.geteuid() == 0
    internal, internal_group = ("dovecot", "dovecot") if as_root else (me, my_group)
    login = "dovenull" if as_root else me
    return f"""\
# Written by benchmarks/dovecot_server.py for one test session; Dovecot 2.3 syntax.
instance_name = ordergate-test-{root.name}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {host}
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {min(account.pw_uid, 100) or 1}
first_valid_gid = {min(account.pw_gid, 100) or 1}
verbose_proctitle = yes
auth_mechanisms = plain login
# Tests try wrong passwords on purpose: a short delay per failure (0.5 s remains)...
auth_failure_delay = 0
disable_plaintext_auth = no
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
mail_location = maildir:{root}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users/%u
  default_fields = uid={account.pw_uid} gid={account.pw_gid} home={root}/mail/%u
}}
# No chroot: an unprivileged Dovecot may not chroot, and these processes are throwaway.
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
    ssl = yes
  }}
}}
# ...and no penalty growing with each failure from 127.0.0.1 (Dovecot's documented switch).
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def _wait_for_greeting(server: DovecotServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise DovecotUnavailable(f"Dovecot exited at start (code {server.process.returncode}):\n"
                                     f"{_logs(server)}")
        try:
            with socket.create_connection((server.host, server.imap_port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise DovecotUnavailable(f"Dovecot did not answer on {server.host}:{server.imap_port} within "
                             f"{STARTUP_TIMEOUT:.0f} s:\n{_logs(server)}")


def _logs(server: DovecotServer) -> str:
    parts = []
    for path in (server.root / "dovecot.out", server.log_file):
        if path.exists():
            parts.append(path.read_text(errors="replace")[-3000:])
    return "\n".join(parts)
