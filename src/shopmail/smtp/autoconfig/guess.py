"""Guessing: smtp.DOMAIN, mail.DOMAIN and DOMAIN on the configured ports, checked in parallel.

Each guess is a real handshake, not a look at the EHLO words: on implicit-TLS ports a TLS handshake with the
certificate checked against the guessed name; elsewhere the greeting, EHLO, a real STARTTLS upgrade with the
same check, and EHLO again. No AUTH: that is for verification. A server without STARTTLS is offered as plain
(ranked below every encrypted finding).
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait

from shopmail.smtp.autoconfig.fetch import allowed_addresses
from shopmail.smtp.autoconfig.fetch import connect
from shopmail.smtp.autoconfig.fetch import DeadlineGuard
from shopmail.smtp.autoconfig.fetch import remaining
from shopmail.smtp.autoconfig.model import IMPLICIT_TLS_PORTS
from shopmail.smtp.autoconfig.model import Lead
from shopmail.smtp.autoconfig.model import SECURITY_RANK
from shopmail.smtp.autoconfig.model import TRUST

#: Once a guess works, how long better-ranked guesses still running are waited for.
GRACE = 1.0
#: Seconds a server may stay silent before it is taken for one that waits for a TLS hello.
GREETING_PATIENCE = 2.0
_MAX_LINES = 64


class SMTPCheckFailed(Exception):
    """The server did not complete the exchange as an SMTP submission server should."""


def guess(domain: str, ports, *, resolver, deadline: float, context: ssl.SSLContext, allow_private: bool,
          local_hostname: str, stop: threading.Event | None = None) -> list[Lead]:
    """Probe every host × port at once; return the ones that worked, best first.

    Returns as soon as the best working guess has no better-ranked guess still running, or ``GRACE``
    seconds after the first success, or at the deadline.
    """
    hosts = [f"smtp.{domain}", f"mail.{domain}", domain]
    tries = [(host, int(port)) for host in hosts for port in ports]
    ranked = sorted(range(len(tries)), key=lambda i: (tries[i][1] not in IMPLICIT_TLS_PORTS, i))
    pool = ThreadPoolExecutor(max_workers=len(tries) + len(hosts), thread_name_prefix="shopmail-guess")
    resolved = {host: pool.submit(allowed_addresses, resolver, host, allow_private) for host in hosts}
    stop = stop or threading.Event()
    futures = {pool.submit(_try, host, port, resolved[host], deadline, context, local_hostname, stop): i
               for i, (host, port) in enumerate(tries)}
    pending = set(futures)
    results: dict[int, str | None] = {}
    first_success = None
    try:
        while pending:
            timeout = deadline - time.monotonic()
            if first_success is not None:
                timeout = min(timeout, first_success + GRACE - time.monotonic())
            if timeout <= 0:
                break
            done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                results[futures[future]] = future.result()
            if first_success is None and any(results.values()):
                first_success = time.monotonic()
            if _settled(ranked, results):
                break
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    working = [i for i in ranked if results.get(i)]
    working.sort(key=lambda i: -SECURITY_RANK[results[i]])
    return [Lead(host=tries[i][0], port=tries[i][1], security=results[i], username=None, source="guess",
                 trust=TRUST["guess"], order=order) for order, i in enumerate(working)]


def _settled(ranked, results) -> bool:
    """The best working guess so far has no better-ranked guess still unanswered."""
    for index in ranked:
        if index not in results:
            return False
        if results[index]:
            return True
    return True


def _try(host, port, resolved, deadline, context, local_hostname, stop) -> str | None:
    """The security that worked for ``host:port``, or None (also once the discovery has its answer)."""
    try:
        addresses = resolved.result(timeout=remaining(deadline))
        if stop.is_set():
            return None
        return check(host, port, addresses, deadline=deadline, context=context, local_hostname=local_hostname)
    except Exception:  # noqa: BLE001 - any failure just means this guess does not work
        return None


def check(host: str, port: int, addresses, *, deadline: float, context: ssl.SSLContext,
          local_hostname: str) -> str:
    """Handshake with ``host:port`` at the first address that answers; the security that worked.

    Implicit-TLS ports start TLS at once; on other ports a server that stays silent for
    ``GREETING_PATIENCE`` is waiting for a TLS hello (e.g. 2465), so TLS starts on the same connection.
    Raises ``SMTPCheckFailed``, ``ssl.SSLError`` (certificate included) or ``OSError`` on failure.
    """
    sock = connect(_Fixed(addresses), host, port, deadline, allow_private=True)
    guard = DeadlineGuard(sock, deadline)
    try:
        if port not in IMPLICIT_TLS_PORTS and _greets(sock, deadline):
            _exchange(sock, deadline, b"", 220)
            words = _exchange(sock, deadline, f"EHLO {local_hostname}\r\n".encode(), 250)
            if "STARTTLS" not in words:
                _quit(sock)
                return "none"
            _exchange(sock, deadline, b"STARTTLS\r\n", 220)
            security = "starttls"
        else:
            security = "ssl"
        sock.settimeout(remaining(deadline))
        guard.sock = context.wrap_socket(sock, server_hostname=host)
        if security == "ssl":
            _exchange(guard.sock, deadline, b"", 220)
        _exchange(guard.sock, deadline, f"EHLO {local_hostname}\r\n".encode(), 250)
        _quit(guard.sock)
        return security
    finally:
        guard.close()


def _greets(sock: socket.socket, deadline: float) -> bool:
    """Whether the server speaks first, in plain text, within ``GREETING_PATIENCE``."""
    sock.settimeout(min(GREETING_PATIENCE, remaining(deadline)))
    try:
        sock.recv(1, socket.MSG_PEEK)
    except TimeoutError:
        return False
    return True


class _Fixed:
    """A stand-in resolver that hands back addresses already resolved and vetted."""

    def __init__(self, addresses):
        self._addresses = list(addresses)

    def addresses(self, host):
        return self._addresses


def _exchange(sock, deadline, command: bytes, expect: int) -> set[str]:
    """Send ``command`` (if any), read one reply; its capability words, or ``SMTPCheckFailed``."""
    sock.settimeout(remaining(deadline))
    if command:
        sock.sendall(command)
    words, buffer = set(), b""
    for _ in range(_MAX_LINES):
        while b"\n" not in buffer:
            sock.settimeout(remaining(deadline))
            chunk = sock.recv(4096)
            if not chunk:
                raise SMTPCheckFailed("conexión cerrada")
            buffer += chunk
            if len(buffer) > 16384:
                raise SMTPCheckFailed("respuesta demasiado larga")
        line, _, buffer = buffer.partition(b"\n")
        text = line.decode("latin-1").rstrip("\r")
        if len(text) < 3 or not text[:3].isdigit() or int(text[:3]) != expect:
            raise SMTPCheckFailed(text[:200])
        words.add(text[4:].split(" ")[0].upper())
        if text[3:4] != "-":
            return words
    raise SMTPCheckFailed("respuesta demasiado larga")


def _quit(sock) -> None:
    try:
        sock.sendall(b"QUIT\r\n")
    except OSError:
        pass


def local_name(configured: str | None) -> str:
    """The EHLO name for guesses: the configured one, else this machine's name (no DNS lookup)."""
    name = (configured or socket.gethostname() or "localhost").strip()
    return name if name.isascii() and " " not in name else "localhost"
