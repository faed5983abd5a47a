"""`flask shopmail dev-smtp`: a capture SMTP server on loopback to try the panel without a mailbox.

It offers STARTTLS (with a throw-away self-signed certificate) and accepts any login; every
message is kept in memory and announced with one line (with ``--json``, one JSON document per line), and so is
every failed STARTTLS handshake. Never expose it beyond loopback.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import ssl
import tempfile
import time
from email import message_from_bytes
from email import policy
from pathlib import Path

import click
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from aiosmtpd.smtp import TLSSetupException
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shopmail.core import text as safe
from shopmail.core.i18n import gettext as _


class CaptureHandler:
    """Keep every message; print one line per message and one per failed STARTTLS handshake."""

    def __init__(self, echo=click.echo, as_json: bool = False):
        self.messages: list[bytes] = []
        self.echo = echo
        self.as_json = as_json

    def _say(self, text: str, **data) -> None:
        if self.as_json:
            self.echo(safe.json_for_terminal(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), **data},
                                                        ensure_ascii=False)))
        else:
            self.echo(f"[{dt.datetime.now():%H:%M:%S}] {safe.for_terminal(' '.join(text.split()))}")

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        # policy.default decodes RFC 2047 words ("=?utf-8?q?…?=") and unfolds long headers.
        subject = " ".join(str(message_from_bytes(envelope.content, policy=policy.default)
                               .get("Subject", "")).split())
        self._say(f"{envelope.mail_from} → {', '.join(envelope.rcpt_tos)}: {subject}", event="message",
                  mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), subject=subject)
        return "250 Message accepted for delivery"

    async def handle_exception(self, error):
        """One line instead of aiosmtpd's traceback (a client that rejects the throw-away certificate is normal)."""
        if isinstance(error, TLSSetupException):
            cause = error.__cause__ or error
            self._say(f"STARTTLS fallido: {cause}", event="starttls_failed", error=str(cause))
            return "454 TLS not available"
        self._say(f"Error en la sesión SMTP: {error.__class__.__name__}: {error}", event="error", error=str(error))
        return f"500 Error: ({error.__class__.__name__}) {error}"


class _NoLoginDataNotice(logging.Filter):
    """aiosmtpd itself sets the deprecated ``Session.login_data`` on every successful login and logs a
    warning each time; nothing in shopmail reads it, so the dev server drops that one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Session.login_data is deprecated" not in record.getMessage()


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
    log = logging.getLogger("mail.log")
    if not any(isinstance(f, _NoLoginDataNotice) for f in log.filters):
        log.addFilter(_NoLoginDataNotice())
    return Controller(handler, hostname=host, port=port, tls_context=self_signed_context(),
                      authenticator=_accept_any, auth_require_tls=False, require_starttls=False)


def serve(host: str, port: int, as_json: bool = False) -> None:
    """Run until Ctrl+C."""
    if not ipaddress.ip_address(host if host != "localhost" else "127.0.0.1").is_loopback:
        raise click.UsageError(_("dev-smtp solo escucha en loopback (127.0.0.1)."))
    controller = make_controller(host, port, CaptureHandler(as_json=as_json))
    controller.start()
    if as_json:
        click.echo(json.dumps({"event": "listening", "host": host, "port": port}))
    else:
        _banner(host, port)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def _banner(host: str, port: int) -> None:
    click.echo(_("Servidor SMTP de pruebas en %(host)s:%(port)s (STARTTLS, cualquier usuario y contraseña).",
                 host=host, port=port))
    click.echo(_("En la cuenta: Servidor SMTP 127.0.0.1, Puerto %(port)s, Seguridad Ninguna o STARTTLS sin "
                 "verificar certificado. Ctrl+C para salir.", port=port))
