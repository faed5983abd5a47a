"""Bounded fetches for auto-configuration, and the rule on which addresses it may connect to.

Every host is resolved through shopmail's resolver and the connection goes to an address that passed the
rule (so a later DNS answer cannot swap in a private one). https only — except the operator's own ISPDB URL —
with a size cap, a redirect cap and every step bounded by the caller's deadline.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import time
from functools import lru_cache
from urllib.parse import urljoin
from urllib.parse import urlsplit

from shopmail.smtp.resolve import Resolver
from shopmail.smtp.sockets import Watchdog

MAX_BYTES = 256 * 1024
MAX_REDIRECTS = 3
#: Longest wait for a TCP connection: a live server accepts in well under this; a black hole never does.
CONNECT_CAP = 3.0
USER_AGENT = "shopmail-autoconfig/1"


class FetchError(Exception):
    """The document could not be fetched (no answer, wrong status, too big, ...)."""


class AddressRefused(FetchError):
    """The host resolves only to private, loopback or link-local addresses, and those are not allowed."""


#: IPv6 ranges that carry an IPv4 address: judged by that address (a NAT64 or 6to4 gateway would
#: forward to it, e.g. 64:ff9b::7f00:1 reaches 127.0.0.1 through a local NAT64).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: IPv6 ranges Python calls global that no public mail server lives in: IPv4-compatible (deprecated,
#: ::7f00:1 is 127.0.0.1 to some stacks), site-local (deprecated, private in practice), local-use NAT64,
#: Teredo.
_NOT_PUBLIC = tuple(ipaddress.ip_network(net) for net in (
    "::/96", "fec0::/10", "64:ff9b:1::/48", "2001::/32"))


def is_public(ip: str) -> bool:
    """True for a globally routable unicast address; IPv6 forms of an IPv4 address judged by that IPv4."""
    address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(str(embedded))
        if any(address in net for net in _NOT_PUBLIC):
            return False
    return address.is_global and not address.is_multicast


def allowed_addresses(resolver: Resolver, host: str, allow_private: bool) -> list[str]:
    """The addresses of ``host`` shopmail may connect to; ``AddressRefused`` when none is allowed.

    Resolve once and connect only to what this returns (pin it): a second lookup may answer otherwise
    (DNS rebinding). A name that mixes public and private addresses is refused as a whole: no real
    mail or web server needs a loopback or private record next to its public one.
    """
    addresses = resolver.addresses(host)
    if allow_private:
        return addresses
    if not all(is_public(ip) for ip in addresses):
        raise AddressRefused(f"{host} tiene direcciones privadas o locales")
    return addresses


def remaining(deadline: float) -> float:
    """Seconds left before ``deadline``; ``TimeoutError`` when none."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("sin tiempo")
    return left


def connect(resolver: Resolver, host: str, port: int, deadline: float, allow_private: bool) -> socket.socket:
    """A TCP connection to the first allowed address of ``host`` that answers before the deadline."""
    last: Exception = FetchError(f"{host} no tiene direcciones")
    for ip in allowed_addresses(resolver, host, allow_private):
        try:
            return socket.create_connection((ip, port), timeout=min(CONNECT_CAP, remaining(deadline)))
        except OSError as exc:
            last = exc
    raise last


class DeadlineGuard(Watchdog):
    """Owns ``sock`` and shuts it down at the deadline, so no read, however slow the trickle, outlives it.

    Assign the TLS-wrapped socket to ``sock`` once wrapped, so ``close()`` closes that one.
    """

    def __init__(self, sock: socket.socket, deadline: float):
        super().__init__(deadline)
        self.sock = sock
        self.watch(sock)

    def close(self) -> None:
        """Stop the timer and close the (possibly TLS-wrapped) connection."""
        self.cancel()
        self.sock.close()


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's CAs plus ``SHOPMAIL_SMTP_CA_FILE``; host names and certificates always checked.

    Shared between discoveries (loading the system's CAs takes tens of milliseconds) until the CA file
    changes; a context is never modified after it is made, so threads may share it.
    """
    try:
        stamp = os.stat(ca_file).st_mtime_ns if ca_file else None
    except OSError:
        stamp = None
    return _tls_context(ca_file, stamp)


@lru_cache(maxsize=8)
def _tls_context(ca_file: str | None, stamp) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def fetch(url: str, *, resolver: Resolver, deadline: float, context: ssl.SSLContext,
          allow_private: bool, trusted_origin: bool = False) -> bytes | None:
    """GET ``url``; the body on 200, None on 404/410. Raises ``FetchError`` or ``OSError`` otherwise.

    ``trusted_origin`` is for the operator's configured ISPDB URL: its first hop may be http or private.
    Redirects, at most ``MAX_REDIRECTS``, must be https to allowed addresses.
    """
    for hop in range(MAX_REDIRECTS + 1):
        trusted = trusted_origin and hop == 0
        status, location, body = _get(url, resolver, deadline, context, allow_private or trusted, trusted)
        if status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        if status == 200:
            return body
        if status in (404, 410):
            return None
        raise FetchError(f"respuesta HTTP {status}")
    raise FetchError("demasiadas redirecciones")


def _get(url, resolver, deadline, context, allow_private, allow_http):
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise FetchError("solo se consultan direcciones https")
    host = parts.hostname
    if not host:
        raise FetchError("URL sin servidor")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    guard = DeadlineGuard(connect(resolver, host, port, deadline, allow_private), deadline)
    try:
        sock = guard.sock
        if parts.scheme == "https":
            sock.settimeout(remaining(deadline))
            sock = guard.sock = context.wrap_socket(sock, server_hostname=host)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = 443 if parts.scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        request = (f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {USER_AGENT}\r\n"
                   "Accept: application/xml, text/xml\r\nConnection: close\r\n\r\n")
        sock.settimeout(remaining(deadline))
        sock.sendall(request.encode("ascii"))
        response = http.client.HTTPResponse(sock)
        response.begin()
        if response.status != 200:
            return response.status, response.getheader("Location"), b""
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > MAX_BYTES:
            raise FetchError("documento demasiado grande")
        body = _read_capped(response, sock, deadline)
        if length and length.isdigit() and len(body) != int(length):
            # The connection ended early (or a middlebox cut it): half a document is no document.
            raise FetchError("documento incompleto")
        return 200, None, body
    finally:
        guard.close()


def _read_capped(response, sock, deadline) -> bytes:
    """The body, read in chunks so a slow trickle cannot outlast the deadline nor a flood the cap."""
    chunks, size = [], 0
    while True:
        sock.settimeout(remaining(deadline))
        chunk = response.read1(16384) if hasattr(response, "read1") else response.read(16384)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BYTES:
            raise FetchError("documento demasiado grande")
        chunks.append(chunk)
