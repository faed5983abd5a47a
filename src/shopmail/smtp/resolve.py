"""DNS for everything shopmail connects to, bounded by the caller's deadline.

With ``SHOPMAIL_DNS_NAMESERVERS`` set, every lookup (host addresses, MX, SRV, TXT) goes through those
servers. Unset, host names go through the system resolver (so /etc/hosts and ``localhost`` work) and
MX/SRV/TXT through dnspython with the system's servers. IP literals skip DNS.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver

from shopmail.core.config import parse_list
from shopmail.core.i18n import gettext as _
from shopmail.core.text import clean

_SYSTEM_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="shopmail-getaddrinfo")
_DNS_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="shopmail-dns")


class DNSFailure(Exception):
    """The name does not exist or has no usable record."""


class DNSTimeout(Exception):
    """No answer before the deadline."""


@dataclass(frozen=True)
class SRVRecord:
    priority: int
    weight: int
    port: int
    target: str


def parse_nameservers(entries) -> list[tuple[str, int]]:
    """``["127.0.0.1:5353", "10.0.0.1", "[::1]:53"]`` (or the same comma-separated) → ``[(ip, port), ...]``."""
    servers = []
    for entry in parse_list(entries or []):
        entry = entry.strip()
        if entry.startswith("["):
            host, _bracket, port = entry[1:].partition("]")
            port = port.lstrip(":")
        elif entry.count(":") == 1:
            host, port = entry.split(":")
        else:
            host, port = entry, ""
        servers.append((host, int(port) if port else 53))
    return servers


def is_ip(host: str) -> bool:
    """True for an IPv4 or IPv6 literal (brackets allowed)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


class Resolver:
    """Lookups for one operation; ``deadline`` is a ``time.monotonic()`` instant."""

    def __init__(self, nameservers=None, deadline: float | None = None):
        self.servers = parse_nameservers(nameservers)
        self.deadline = deadline if deadline is not None else time.monotonic() + 10
        #: What the DNS said, for telling "nothing found" apart from "DNS never answered" and "no such
        #: name": queries asked, queries any server answered (records, none, or no such name), and the
        #: names that do not exist.
        self.asked = 0
        self.answered = 0
        self.missing: set[str] = set()

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DNSTimeout("sin tiempo para resolver")
        return left

    def _dnspython(self) -> dns.resolver.Resolver:
        if self.servers:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [dns.nameserver.Do53Nameserver(ip, port) for ip, port in self.servers]
        else:
            resolver = dns.resolver.Resolver()
        resolver.timeout = min(2.0, self.remaining())
        resolver.lifetime = self.remaining()
        resolver.retry_servfail = False
        return resolver

    def query(self, name: str, rdtype: str):
        """Answer records of one type; [] when the name exists without them.

        dnspython sleeps between retries without looking at its lifetime, so the lookup runs in a
        worker thread and we wait at most until the deadline.
        """
        self.asked += 1
        future = _DNS_POOL.submit(self._dnspython().resolve, name, rdtype, search=False)
        try:
            found = list(future.result(timeout=self.remaining()))
            self.answered += 1
            return found
        except FutureTimeout:
            raise DNSTimeout(_("sin respuesta DNS para %(n)s", n=name)) from None
        except dns.resolver.NXDOMAIN:
            self.answered += 1
            self.missing.add(name.rstrip(".").lower())
            raise DNSFailure(_("%(n)s no existe", n=name)) from None
        except dns.resolver.NoAnswer:
            self.answered += 1
            return []
        except dns.resolver.NoNameservers:  # every server failed (SERVFAIL, refused, unreachable): no answer
            raise DNSTimeout(_("ningún servidor DNS respondió para %(n)s", n=name)) from None
        except dns.exception.Timeout:
            raise DNSTimeout(_("sin respuesta DNS para %(n)s", n=name)) from None
        except dns.exception.DNSException as exc:
            raise DNSFailure(f"{name}: {exc}") from None

    def addresses(self, host: str, port: int = 0) -> list[str]:
        """The IP addresses to try for ``host``, IPv4 first."""
        host = host.strip().rstrip(".")
        if is_ip(host):
            return [host.strip("[]")]
        if self.servers:
            found = [r.address for r in self.query(host, "A")]
            if not found:
                found = [r.address for r in self.query(host, "AAAA")]
            if not found:
                raise DNSFailure(_("%(n)s no tiene dirección", n=host))
            return found
        future = _SYSTEM_POOL.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=self.remaining())
        except FutureTimeout:
            raise DNSTimeout(_("sin respuesta DNS para %(n)s", n=host)) from None
        except socket.gaierror:
            raise DNSFailure(_("%(n)s no existe", n=host)) from None
        ordered = sorted({info[4][0] for info in infos}, key=lambda ip: ":" in ip)
        return ordered

    def mx(self, domain: str) -> list[tuple[int, str]]:
        """MX hosts by preference; a null MX ("." ) means the domain takes no mail."""
        records = [(r.preference, r.exchange.to_text().rstrip(".").lower()) for r in self.query(domain, "MX")]
        return sorted(r for r in records if r[1])

    def srv(self, name: str) -> list[SRVRecord]:
        """SRV records by priority, then heaviest weight; a "." target means the service is absent."""
        records = [SRVRecord(r.priority, r.weight, r.port, r.target.to_text().rstrip(".").lower())
                   for r in self.query(name, "SRV")]
        return sorted((r for r in records if r.target), key=lambda r: (r.priority, -r.weight))

    def txt(self, name: str) -> list[str]:
        # The domain owner's text: no control characters (a terminal escape), bounded (SPF fits in 2,000).
        return [clean(b"".join(r.strings), 2000) for r in self.query(name, "TXT")]


def resolver_for(config, deadline: float | None = None) -> Resolver:
    """A resolver configured from a Flask config mapping."""
    return Resolver(config.get("SHOPMAIL_DNS_NAMESERVERS"), deadline)
