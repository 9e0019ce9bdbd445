"""A local SMTP server (aiosmtpd) that notes when each message arrives, for benchmarks.

``start_smtp_sink()`` listens on 127.0.0.1 on a free port, plain or with STARTTLS (a
throwaway self-signed certificate made with the ``openssl`` command), accepts every message
and keeps it with the ``time.perf_counter()`` of its arrival. ``next_arrival`` lets the
benchmark's thread wait for the next one. Nothing here imports pytest, so a benchmark script
can use it; ``environ()`` gives the ``ORDERGATE_SMTP_*`` variables that point ordergate at it.
"""

from __future__ import annotations

import queue
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"


class SmtpSinkUnavailable(RuntimeError):
    """The sink could not be started; the message says why."""


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float  # time.perf_counter() when the server accepted the message's DATA
    rcpt_tos: tuple[str, ...]
    in_reply_to: str | None  # the reply's In-Reply-To: which purchase-order mail it answers
    content: bytes


@dataclass
class ArrivalHandler:
    """aiosmtpd handler: keeps every message and hands it to a thread-safe queue as well."""

    arrivals: list[Arrival] = field(default_factory=list)
    waiting: queue.Queue[Arrival] = field(default_factory=queue.Queue)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        at = time.perf_counter()  # first: header parsing below must not count as transit time
        content = envelope.original_content or b""
        headers = BytesHeaderParser(policy=default_policy).parsebytes(content)
        in_reply_to = headers.get("In-Reply-To")
        arrival = Arrival(at, tuple(envelope.rcpt_tos), str(in_reply_to) if in_reply_to else None,
                          content)
        self.arrivals.append(arrival)
        self.waiting.put(arrival)
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    host: str
    port: int
    security: Literal["none", "starttls"]
    ca_file: Path | None  # the certificate to trust for STARTTLS
    handler: ArrivalHandler
    controller: Controller
    folder: Path | None  # holds the certificate; removed by stop()

    def next_arrival(self, timeout: float) -> Arrival:
        """The next message not yet taken; raises TimeoutError naming the wait if none comes."""
        try:
            return self.handler.waiting.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no message reached the SMTP sink on {self.host}:{self.port} "
                               f"within {timeout:g} s") from None

    def drain(self) -> int:
        """Forget messages not yet taken with next_arrival; returns how many there were."""
        count = 0
        while True:
            try:
                self.handler.waiting.get_nowait()
            except queue.Empty:
                return count
            count += 1

    def environ(self) -> dict[str, str]:
        """``ORDERGATE_SMTP_*`` variables that make ordergate deliver replies here."""
        return {"ORDERGATE_SMTP_HOST": self.host, "ORDERGATE_SMTP_PORT": str(self.port),
                "ORDERGATE_SMTP_SECURITY": self.security,
                "ORDERGATE_SMTP_CA_FILE": str(self.ca_file or "")}

    def stop(self) -> None:
        self.controller.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_smtp_sink(security: Literal["none", "starttls"] = "starttls") -> SmtpSink:
    if security not in ("none", "starttls"):
        raise ValueError(f"security {security!r}: use 'none' or 'starttls'")
    folder = Path(tempfile.mkdtemp(prefix="smtp-sink-")) if security == "starttls" else None
    options: dict[str, object] = {}
    cert = None
    if folder is not None:
        cert, key = _make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        options.update(tls_context=context, require_starttls=True)
    handler = ArrivalHandler()
    controller = Controller(handler, hostname=HOST, port=_free_port(), **options)
    try:
        controller.start()
    except Exception as exc:  # aiosmtpd raises its own errors for a port it could not bind
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise SmtpSinkUnavailable(f"aiosmtpd could not listen on {HOST}: {exc}") from exc
    return SmtpSink(HOST, controller.port, security, cert, handler, controller, folder)


def _make_certificate(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise SmtpSinkUnavailable("the openssl command is needed for the STARTTLS certificate; "
                                  "install openssl or start the sink with security='none'")
    cert, key = folder / "cert.pem", folder / "key.pem"
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", f"subjectAltName=DNS:localhost,IP:{HOST}", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, timeout=60)
    if result.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise SmtpSinkUnavailable(f"openssl could not make the STARTTLS certificate: "
                                  f"{result.stderr.decode(errors='replace')}")
    return cert, key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]
