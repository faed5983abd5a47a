"""`flask shopmail dev-smtp`: a capture SMTP server on loopback to try the panel without a mailbox.

It offers STARTTLS (with a throw-away self-signed certificate) and accepts any login; every
message is kept in memory and announced with one line. Never expose it beyond loopback.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
import time
from email import message_from_bytes
from pathlib import Path

import click
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class CaptureHandler:
    """Keep every message and print one line per message."""

    def __init__(self, echo=click.echo):
        self.messages: list[bytes] = []
        self.echo = echo

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        subject = message_from_bytes(envelope.content).get("Subject", "")
        self.echo(f"[{dt.datetime.now():%H:%M:%S}] {envelope.mail_from} → "
                  f"{', '.join(envelope.rcpt_tos)}: {subject}")
        return "250 Message accepted for delivery"


def _accept_any(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=True)


def self_signed_context() -> ssl.SSLContext:
    """A TLS context with a fresh self-signed certificate for localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    folder = Path(tempfile.mkdtemp(prefix="shopmail-devsmtp-"))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def make_controller(host: str, port: int, handler: CaptureHandler) -> Controller:
    """The capture server: STARTTLS offered, any login accepted (also over plain text on loopback)."""
    return Controller(handler, hostname=host, port=port, tls_context=self_signed_context(),
                      authenticator=_accept_any, auth_require_tls=False, require_starttls=False)


def serve(host: str, port: int) -> None:
    """Run until Ctrl+C."""
    if not ipaddress.ip_address(host if host != "localhost" else "127.0.0.1").is_loopback:
        raise click.UsageError("dev-smtp solo escucha en loopback (127.0.0.1).")
    controller = make_controller(host, port, CaptureHandler())
    controller.start()
    click.echo(f"Servidor SMTP de pruebas en {host}:{port} (STARTTLS, cualquier usuario y contraseña).")
    click.echo("En la cuenta: Servidor SMTP 127.0.0.1, Puerto "
               f"{port}, Seguridad Ninguna o STARTTLS sin verificar certificado. Ctrl+C para salir.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
