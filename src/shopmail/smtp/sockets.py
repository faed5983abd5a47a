"""Low-level helpers for an SMTP connection under a deadline, used by :mod:`.connection`.

Connecting before the deadline, the watchdog that enforces it on a slow server (also used by
auto-configuration's fetches), sniffing whether a port speaks TLS or plain SMTP first, the TLS facts of a
connection, the EHLO name, and one AUTH exchange on the wire with the forms of the password to mask.
"""

from __future__ import annotations

import ipaddress
import os
import re
import smtplib
import socket
import ssl
import threading
import time
from base64 import b64decode
from base64 import b64encode
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509

#: Longest a sniff may take: a live server answers a handshake, or greets, in well under this.
SNIFF_LIMIT = 2.0


def is_loopback_address(address: str | None) -> bool:
    """True for a loopback IP address (IPv4-mapped IPv6 included): where a password may go unencrypted."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def connect_first(addresses: list[str], port: int, deadline: float) -> tuple[str, socket.socket]:
    """The first of ``addresses`` that accepts a TCP connection before ``deadline``, and that connection.

    Raises the last ``OSError`` when none does.
    """
    error = None
    for address in addresses:
        try:
            return address, socket.create_connection(
                (address, port), timeout=max(0.005, deadline - time.monotonic()))
        except OSError as exc:
            error = exc
    raise error or OSError("sin direcciones")


class Watchdog:
    """Shuts the socket down at the deadline, so no slow server can stretch a step past it.

    It holds a duplicate of the socket: that survives the TLS wrapping, which detaches the original object,
    and shutting it down ends the connection for every object on it. ``fired`` tells whether it struck.
    """

    def __init__(self, deadline: float):
        self.deadline = deadline
        self._lock = threading.Lock()
        self._guard: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self.fired = False

    def watch(self, sock: socket.socket) -> None:
        """Start the countdown on ``sock`` (and on whatever later wraps it)."""
        self._guard = sock.dup()
        self._timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._guard is not None:
                self.fired = True
                try:
                    self._guard.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self) -> None:
        """Stop the countdown and drop the duplicate; the connection itself stays open."""
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            if self._guard is not None:
                self._guard.close()
                self._guard = None


@dataclass(frozen=True)
class TLSInfo:
    """The negotiated TLS and the server's certificate (names in RFC 4514 form, expiry in ISO 8601)."""

    version: str
    cipher: str
    subject: str
    issuer: str
    not_after: str

    def line(self) -> str:
        """One line for the step's detail: version · cipher · subject."""
        return " · ".join(part for part in (self.version, self.cipher, self.subject) if part)


def describe_tls(sock: ssl.SSLSocket) -> TLSInfo:
    """TLS details of an established connection (also when the certificate was not verified)."""
    subject = issuer = not_after = ""
    try:
        cert = x509.load_der_x509_certificate(sock.getpeercert(binary_form=True))
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        not_after = cert.not_valid_after_utc.isoformat()
    except (TypeError, ValueError):  # no certificate, or one we cannot parse: the TLS facts still stand
        pass
    cipher = sock.cipher()
    return TLSInfo(sock.version() or "", cipher[0] if cipher else "", subject, issuer, not_after)


@lru_cache(maxsize=16)
def client_context(ca_file: str | None, verify: bool) -> ssl.SSLContext:
    """``ssl.create_default_context()`` plus ``ca_file``; checks nothing only when ``verify`` is False."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def readable(sock: socket.socket, seconds: float) -> bool:
    """Whether the server sends something within ``seconds`` (nothing is consumed)."""
    if seconds <= 0:
        return False
    sock.settimeout(seconds)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except TimeoutError:
        return False
    except OSError:
        return True  # the read that follows reports the error
    return True


def sniff(address: str, port: int, deadline: float, host: str | None = None) -> bool:
    """On a fresh connection, done within ``SNIFF_LIMIT`` and before ``deadline``: does the port answer a TLS
    handshake (``host`` given), or greet in plain text ("220 ...") when we say nothing?"""
    until = min(deadline, time.monotonic() + SNIFF_LIMIT)
    context = client_context(None, False) if host else None  # loading CAs takes a moment: do it first
    try:
        with socket.create_connection((address, port), timeout=max(0.01, until - time.monotonic())) as raw:
            raw.settimeout(max(0.01, until - time.monotonic()))
            if context is None:
                return re.match(rb"[2-5][0-9][0-9][ -]", raw.recv(64)) is not None
            with context.wrap_socket(raw, server_hostname=host):
                return True
    except ssl.SSLError as exc:
        return "alert" in str(exc).lower()  # it spoke TLS, if only to refuse us
    except OSError:
        return False


def ehlo_name(configured: str | None, sock: socket.socket) -> str:
    """The EHLO name: configured, else the machine's FQDN, else our address literal (RFC 5321 4.1.3)."""
    if configured:
        return configured
    name = _machine_fqdn()
    if "." in name and not name.startswith("localhost"):
        return name
    ip = sock.getsockname()[0]
    return f"[IPv6:{ip}]" if ":" in ip else f"[{ip}]"


@lru_cache(maxsize=1)
def _machine_fqdn() -> str:
    # getfqdn() may ask DNS; never let a slow resolver hold up a test for more than a moment.
    found: list[str] = []
    worker = threading.Thread(target=lambda: found.append(socket.getfqdn()), daemon=True)
    worker.start()
    worker.join(1.0)
    return found[0] if found else socket.gethostname()


def _b64(data: str) -> str:
    return b64encode(data.encode("utf-8")).decode("ascii")


def secret_forms(login: str, password: str | None) -> list[str]:
    """Every form in which ``authenticate`` puts the password on the wire, to mask in transcripts."""
    # Masking a one- to three-character "password" would garble every word that contains it.
    if not password or len(password) < 4:
        return []
    return [_b64(f"\0{login}\0{password}"), _b64(password), password]


def xoauth2_blob(login: str, token: str) -> str:
    """The SASL XOAUTH2 initial response: ``user=<login>^Aauth=Bearer <token>^A^A``, base64."""
    return _b64(f"user={login}\x01auth=Bearer {token}\x01\x01")


def bearer_forms(login: str, token: str | None) -> list[str]:
    """Every form in which ``authenticate_xoauth2`` puts the token on the wire, to mask in transcripts."""
    if not token:
        return []
    return [xoauth2_blob(login, token), token]


def authenticate_xoauth2(smtp: smtplib.SMTP, login: str, token: str) -> tuple[int, bytes, str]:
    """ONE AUTH XOAUTH2 exchange. A refusal comes as a 334 challenge holding the provider's JSON error,
    answered with an empty line; returns (code, message, that error's status/scope words, cleaned)."""
    code, message = smtp.docmd("AUTH", "XOAUTH2 " + xoauth2_blob(login, token))
    problem = ""
    if code == 334:
        try:
            problem = b64decode(message[:2000] + b"==").decode("utf-8", "replace")
        except ValueError:
            problem = ""
        code, message = smtp.docmd("")
    return code, message, problem[:500]


def authenticate(smtp: smtplib.SMTP, mechanism: str, login: str, password: str) -> tuple[int, bytes]:
    """ONE AUTH exchange with PLAIN or LOGIN, UTF-8 credentials (smtplib's login() tries several)."""
    if mechanism == "PLAIN":
        return smtp.docmd("AUTH", "PLAIN " + _b64(f"\0{login}\0{password}"))
    code, message = smtp.docmd("AUTH", "LOGIN " + _b64(login))
    if code == 334 and b64decode(message + b"==").lower().startswith(b"user"):
        code, message = smtp.docmd(_b64(login))  # the server ignored the initial response
    if code == 334:
        code, message = smtp.docmd(_b64(password))
    return code, message


class Countdown:
    """A deadline set again for every message on one open connection, with one thread for the connection's
    whole life: when it runs out the socket is shut down, so a server that trickles its reply a byte at a
    time (each byte within the socket's timeout) cannot stretch one message past it. ``fired`` tells."""

    def __init__(self, sock: socket.socket):
        # A duplicate of the descriptor: shutting it down ends the connection for the TLS object too.
        self._guard = socket.socket(sock.family, sock.type, fileno=os.dup(sock.fileno()))
        self._changed = threading.Condition()
        self._until: float | None = None
        self._idle = True  # the thread waits with no deadline: only then must ``arm`` wake it
        self._closed = False
        self.fired = False
        threading.Thread(target=self._run, name="shopmail-send-deadline", daemon=True).start()

    def arm(self, seconds: float) -> None:
        """Shut the connection down ``seconds`` from now unless ``disarm`` comes first."""
        with self._changed:
            self._until, self.fired = time.monotonic() + seconds, False
            if self._idle:  # otherwise it wakes at an earlier deadline and then sees this one
                self._changed.notify()

    def disarm(self) -> bool:
        """Stop the countdown; True when it had already struck (whatever was read since is cut short)."""
        with self._changed:
            self._until = None
            return self.fired

    def close(self) -> None:
        """End the thread and drop the duplicate; the connection itself is closed by its owner."""
        with self._changed:
            self._closed = True
            self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while not self._closed:
                left = None if self._until is None else self._until - time.monotonic()
                if left is None or left > 0:
                    self._idle = left is None
                    self._changed.wait(left)
                    continue
                self._until, self.fired = None, True
                try:
                    self._guard.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._guard.close()
