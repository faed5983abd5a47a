"""The network sources of auto-configuration: the domain's own XML, the ISPDB, MX, SRV and guesses.

Each source takes a ``Context`` and returns leads; each is bounded by the context's deadline and turns its
own failures into "nothing found" (the caller runs them all at once and keeps what arrives in time).
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from dataclasses import dataclass
from dataclasses import field
from functools import lru_cache
from urllib.parse import quote

from publicsuffixlist import PublicSuffixList

from shopmail.smtp.autoconfig import providers
from shopmail.smtp.autoconfig import xml as autoconfig_xml
from shopmail.smtp.autoconfig.fetch import fetch
from shopmail.smtp.autoconfig.fetch import tls_context
from shopmail.smtp.autoconfig.guess import guess as _guess
from shopmail.smtp.autoconfig.model import Lead
from shopmail.smtp.autoconfig.model import TRUST
from shopmail.smtp.resolve import Resolver

log = logging.getLogger(__name__)


@dataclass
class Context:
    """Everything one discovery's sources share."""

    address: str
    domain: str
    resolver: Resolver
    deadline: float
    allow_private: bool = False
    https_port: int = 443
    ispdb_url: str = ""
    guess_ports: tuple[int, ...] = (465, 587, 25)
    ca_file: str | None = None
    local_hostname: str = "localhost"
    #: Set once the discovery has its answer: sources still running need not start new connections.
    stop: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def tls(self) -> ssl.SSLContext:
        """The TLS context for https fetches and guesses (system CAs plus ``SHOPMAIL_SMTP_CA_FILE``)."""
        return tls_context(self.ca_file)


def parallel(calls, deadline: float) -> list:
    """Run the zero-argument ``calls`` at once; their results in order, None for a failure or a late one."""
    if not calls:
        return []
    pool = ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="shopmail-autoconfig")
    futures = [pool.submit(call) for call in calls]
    pool.shutdown(wait=False)
    wait(futures, timeout=max(0.0, deadline - time.monotonic()))
    results = []
    for future in futures:
        if future.done() and future.exception() is None:
            results.append(future.result())
        else:
            if future.done():
                log.debug("autoconfig step failed: %r", future.exception())
            results.append(None)
    return results


def _document(ctx: Context, url: str, trusted_origin: bool = False) -> autoconfig_xml.ClientConfig | None:
    body = fetch(url, resolver=ctx.resolver, deadline=ctx.deadline, context=ctx.tls,
                 allow_private=ctx.allow_private, trusted_origin=trusted_origin)
    return autoconfig_xml.parse(body) if body is not None else None


def own_autoconfig(ctx: Context) -> list[Lead]:
    """The domain's own config-v1.1.xml, at autoconfig.DOMAIN and at DOMAIN/.well-known, https only."""
    port = "" if ctx.https_port == 443 else f":{ctx.https_port}"
    urls = [f"https://autoconfig.{ctx.domain}{port}/mail/config-v1.1.xml?emailaddress={quote(ctx.address)}",
            f"https://{ctx.domain}{port}/.well-known/autoconfig/mail/config-v1.1.xml"]
    leads = []
    for offset, found in enumerate(parallel([lambda u=u: _document(ctx, u) for u in urls], ctx.deadline)):
        if found is not None:
            leads += [_shift(lead, offset * 100) for lead in found.leads("autoconfig", TRUST["autoconfig"])]
    return leads


def ispdb_leads(ctx: Context, domain: str, source: str, trust: int) -> list[Lead]:
    """The ISPDB's servers for ``domain`` (the operator's ISPDB URL may be http or on an intranet)."""
    if not ctx.ispdb_url:
        return []
    base = ctx.ispdb_url if ctx.ispdb_url.endswith("/") else ctx.ispdb_url + "/"
    found = _document(ctx, base + quote(domain), trusted_origin=True)
    return found.leads(source, trust) if found is not None else []


def ispdb(ctx: Context) -> list[Lead]:
    """The ISPDB, asked about the address's domain."""
    return ispdb_leads(ctx, ctx.domain, "ispdb", TRUST["ispdb"])


@lru_cache(maxsize=1)
def _suffixes():
    return PublicSuffixList()


def mx_bases(mx_host: str, domain: str) -> list[str]:
    """Where to look an MX host up: without its first label, then its registrable domain (not ``domain``)."""
    psl = _suffixes()
    bases = []
    parent = mx_host.partition(".")[2]
    registrable = psl.privatesuffix(mx_host)
    for base in (parent, registrable):
        if base and "." in base and not psl.is_public(base) and base != domain and base not in bases:
            bases.append(base)
    return bases


def mx(ctx: Context) -> list[Lead]:
    """The most preferred MX host, matched in the provider table, else its base domains in the ISPDB."""
    records = ctx.resolver.mx(ctx.domain)
    if not records:
        return []
    host = records[0][1]
    bases = mx_bases(host, ctx.domain)
    provider = providers.by_mx(host) or next(filter(None, map(providers.by_domain, bases)), None)
    if provider is not None:
        return provider.leads("mx", TRUST["mx_providers"])
    calls = [lambda b=b: ispdb_leads(ctx, b, "mx", TRUST["mx_ispdb"]) for b in bases]
    for offset, found in enumerate(parallel(calls, ctx.deadline)):
        if found:
            return [_shift(lead, offset * 100) for lead in found]
    return []


def srv(ctx: Context) -> list[Lead]:
    """RFC 6186/8314 records: ``_submissions._tcp`` (TLS from the start) then ``_submission._tcp``."""
    services = [("_submissions._tcp", "ssl"), ("_submission._tcp", "starttls")]
    answers = parallel([lambda s=s: ctx.resolver.srv(f"{s}.{ctx.domain}") for s, _ in services], ctx.deadline)
    leads = []
    for (_, security), records in zip(services, answers, strict=True):
        for record in records or []:
            inside = record.target == ctx.domain or record.target.endswith("." + ctx.domain)
            if record.port <= 0:
                continue
            leads.append(Lead(host=record.target, port=record.port, security=security, username=None,
                              source="srv", trust=TRUST["srv" if inside else "srv_foreign"], order=len(leads)))
    return leads


def guess(ctx: Context) -> list[Lead]:
    """smtp.DOMAIN, mail.DOMAIN and DOMAIN on the guess ports, each with a real handshake."""
    if not ctx.guess_ports:
        return []
    return _guess(ctx.domain, ctx.guess_ports, resolver=ctx.resolver, deadline=ctx.deadline, context=ctx.tls,
                  allow_private=ctx.allow_private, local_hostname=ctx.local_hostname, stop=ctx.stop)


def _shift(lead: Lead, offset: int) -> Lead:
    """Keep leads from a later URL or base domain after those of an earlier one."""
    return Lead(**{**lead.as_dict(), "order": lead.order + offset, "notes": lead.notes})


#: Every network source, with the most trust its findings can carry (for the early answer).
SOURCES = {
    "autoconfig": (own_autoconfig, TRUST["autoconfig"]),
    "ispdb": (ispdb, TRUST["ispdb"]),
    "mx": (mx, TRUST["mx_providers"]),
    "srv": (srv, TRUST["srv"]),
    "guess": (guess, TRUST["guess"]),
}
