"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the tests of the invitation email and
reminders: it keeps every message it accepts, can refuse chosen recipients with 550, and
speaks STARTTLS or implicit TLS with a self-signed certificate made here."""

from __future__ import annotations

import datetime
import email
import ipaddress
import socket
import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "intake@clinic.example", "p@ss:w/rd%"  # every character that needs encoding


@dataclass
class Inbox:
    """The handler: what arrived (envelope recipients and the parsed message), in order."""

    refuse: frozenset[str] = frozenset()
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message for _, message in self.received]


@dataclass
class MailServer:
    url: str
    inbox: Inbox
    ca_file: str | None = None

    def configure(self, app) -> None:
        """Point the app's mail at this server."""
        app.config.update(
            SMTP_URL=self.url, SMTP_CA_FILE=self.ca_file, MAIL_FROM="Clinic <intake@clinic.example>"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as files (ssl loads only files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextmanager
def running(folder: Path, scheme: str = "smtp", refuse: frozenset[str] = frozenset()):
    """A server for the scheme of INTAKE_SMTP_URL: smtp (no TLS, no login), smtp+starttls or
    smtps (TLS with a certificate only `ca_file` trusts, and a login)."""
    inbox = Inbox(refuse=refuse)
    port = _free_port()
    options: dict = {}
    ca_file = None
    if scheme != "smtp":
        cert_file, key_file = self_signed(folder)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert_file, key_file)
        ca_file = str(cert_file)
        options = {"authenticator": _authenticate}
        if scheme == "smtps":  # TLS from the first byte: aiosmtpd counts only STARTTLS's
            options.update(ssl_context=tls, auth_require_tls=False)
        else:
            options.update(tls_context=tls, require_starttls=True)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        login = "" if scheme == "smtp" else f"{_quote(USER)}:{_quote(PASSWORD)}@"
        yield MailServer(f"{scheme}://{login}127.0.0.1:{port}", inbox, ca_file)
    finally:
        controller.stop()


def _quote(text: str) -> str:
    return quote(text, safe="")
