"""A real SMTP server (aiosmtpd) inside the test process: plain, STARTTLS, implicit TLS, AUTH.

Fixtures only, loaded for every test through ``pytest_plugins`` in ``tests/conftest.py``.
``start_smtp_server(security, user=..., password=...)`` starts a server on 127.0.0.1 with a
free port and a handler that keeps every message it accepts; ``handler.rcpt_answers`` makes it
answer chosen recipients with chosen codes (550, 451, ...). TLS uses a self-signed certificate
made for the session, trusted through ``SmtpServer.ca_file``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from ordergate.sinks.email.smtp import SmtpSettings

HOST = "127.0.0.1"
SERVER_ADDRESS = "orders@ordergate.test"


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Received:
    peer: tuple[str, int]  # the client's socket: messages of one connection share it
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class CollectingHandler:
    """Accepts every message and keeps it, except recipients listed in ``rcpt_answers``."""

    received: list[Received] = field(default_factory=list)
    rcpt_answers: dict[str, str] = field(default_factory=dict)  # address -> e.g. "550 No such user"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        answer = self.rcpt_answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(Received(session.peer, envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content or b""))
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class OneUser:
    """An aiosmtpd authenticator that knows exactly one user."""

    user: str
    password: str

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: object) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == self.user.encode()
              and auth_data.password == self.password.encode())
        # handled=False lets aiosmtpd answer a failure with its standard 535.
        return AuthResult(success=ok, handled=False)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # "none", "starttls" or "tls", as SmtpSettings.security
    handler: CollectingHandler
    ca_file: Path | None
    user: str | None = None
    password: str | None = None

    def settings(self, **overrides: object) -> SmtpSettings:
        """Client settings that reach this server (with its user, if it has one)."""
        values: dict[str, object] = dict(host=self.host, port=self.port, security=self.security,
                                         user=self.user, timeout=10, from_address=SERVER_ADDRESS,
                                         from_name="Ordergate Test", ca_file=self.ca_file)
        values.update(overrides)
        return SmtpSettings(**values)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _certificate_with_cryptography(folder: Path) -> TlsFiles | None:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return None
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    files = TlsFiles(folder / "cert.pem", folder / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return files


def _certificate_with_openssl(folder: Path) -> TlsFiles:
    if shutil.which("openssl") is None:
        pytest.fail("TLS tests need the cryptography package or the openssl command")
    files = TlsFiles(folder / "cert.pem", folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", f"subjectAltName=DNS:localhost,IP:{HOST}",
                    "-keyout", str(files.key), "-out", str(files.cert)],
                   check=True, capture_output=True)
    return files


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for localhost and 127.0.0.1, valid for a day."""
    folder = tmp_path_factory.mktemp("smtp-tls")
    return _certificate_with_cryptography(folder) or _certificate_with_openssl(folder)


def _server_context(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    return context


@pytest.fixture
def start_smtp_server(smtp_certificate: TlsFiles) -> Iterator[Callable[..., SmtpServer]]:
    """A factory of running servers; all are stopped when the test ends."""
    controllers: list[Controller] = []

    def start(security: str = "none", *, user: str | None = None,
              password: str | None = None) -> SmtpServer:
        handler = CollectingHandler()
        options: dict[str, object] = {}
        if security == "tls":
            options["ssl_context"] = _server_context(smtp_certificate)
        elif security == "starttls":
            options.update(tls_context=_server_context(smtp_certificate), require_starttls=True)
        elif security != "none":
            raise ValueError(f"security {security!r}: use none, starttls or tls")
        if user is not None:
            options.update(authenticator=OneUser(user, password or ""), auth_required=True,
                           # over a plain connection AUTH must be allowed explicitly
                           auth_require_tls=security != "none")
        port = free_port()
        controller = Controller(handler, hostname=HOST, port=port, **options)
        controller.start()
        controllers.append(controller)
        return SmtpServer(HOST, port, security, handler,
                          smtp_certificate.cert if security != "none" else None, user, password)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp_server: Callable[..., SmtpServer]) -> SmtpServer:
    """A plain (no TLS, no AUTH) server."""
    return start_smtp_server("none")
