"""Auto-configuration: find the SMTP settings for an address ("Intentar configuración automática").

The provider table answers at once, without touching the network. Otherwise every network source — the
domain's own autoconfig XML, the ISPDB, MX, SRV and guessed hosts — runs at once under one deadline, and
the answer comes as soon as the best finding can no longer be beaten by a source still running. With a
password, the chosen server is verified by a real login through the SMTP probe.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass

from shopmail.core import addresses
from shopmail.core import progress
from shopmail.core.config import AutoconfigOptions
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import lazy_gettext as _l
from shopmail.smtp.autoconfig import providers
from shopmail.smtp.autoconfig import verify as autoconfig_verify
from shopmail.smtp.autoconfig.guess import local_name
from shopmail.smtp.autoconfig.model import Candidate
from shopmail.smtp.autoconfig.model import candidate_for
from shopmail.smtp.autoconfig.model import Lead
from shopmail.smtp.autoconfig.model import split_address
from shopmail.smtp.autoconfig.model import valid_hostname
from shopmail.smtp.autoconfig.sources import Context
from shopmail.smtp.autoconfig.sources import SOURCES
from shopmail.smtp.resolve import Resolver

__all__ = ["Candidate", "Discovery", "SOURCE_LABELS", "discover"]

log = logging.getLogger(__name__)

#: Seconds a domain's findings stay in shopmail's cache.
CACHE_SECONDS = 300
#: With a password, the share of the deadline left to finding servers; the rest is for the login.
SEARCH_SHARE = 0.6

SOURCE_LABELS = {
    "providers": _l("la tabla de proveedores de shopmail"),
    "autoconfig": _l("la configuración que publica el propio dominio"),
    "ispdb": _l("la base de datos de proveedores de Thunderbird (ISPDB)"),
    "mx": _l("los servidores de correo (MX) del dominio"),
    "srv": _l("los registros SRV del dominio"),
    "guess": _l("una prueba de conexión a los nombres habituales"),
}


@dataclass(frozen=True)
class Discovery:
    """What auto-configuration found for one address (``to_dict`` is the contract's JSON shape)."""

    found: bool
    host: str | None
    port: int | None
    security: str | None
    username: str | None
    source: str | None
    verified: bool
    elapsed_ms: int
    message: str
    notes: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    provider: str = ""

    def to_dict(self) -> dict:
        """The JSON shape in docs/reference.md ("Auto-configuration"), plus ``notes`` and ``provider``."""
        return {"found": self.found, "host": self.host, "port": self.port, "security": self.security,
                "username": self.username, "source": self.source, "verified": self.verified,
                "elapsed_ms": self.elapsed_ms, "message": self.message, "notes": list(self.notes),
                "provider": self.provider, "candidates": [c.to_dict() for c in self.candidates]}


def discover(address: str, username: str | None = None, password: str | None = None, *,
             config=None, cache=None) -> Discovery:
    """Find the SMTP settings for ``address``; with ``password``, verify them by a real login.

    ``config`` is a config mapping (missing keys take shopmail's defaults); ``cache``, when given, keeps
    each domain's findings for a while (``services.accounts.autoconfigure`` passes the app's). Never raises
    for what the network does; the result's ``message`` says, in Spanish, what was found or that the admin
    should type it in.
    """
    started = time.monotonic()
    options = AutoconfigOptions.from_config(config if config is not None else {})
    deadline = started + options.deadline
    try:
        address = addresses.normalize(address)
        local, domain = split_address(address)
        domain = domain.encode("idna").decode("ascii").lower()
    except (addresses.AddressError, UnicodeError) as exc:
        return _empty(started, str(exc) if isinstance(exc, addresses.AddressError)
                      else _("«%(a)s» no es una dirección de correo válida.", a=address))
    if not valid_hostname(domain):
        return _empty(started, _("«%(a)s» no es una dirección de correo válida.", a=address))
    address = f"{local}@{domain}"
    resolver = Resolver(options.smtp.nameservers, deadline)

    provider = providers.by_domain(domain)
    if provider is not None:
        leads = provider.leads()
        progress.report("source", source="providers", found=len(leads))
    else:
        leads = _cached(cache, domain)
        if leads is None:
            search_until = started + options.deadline * (SEARCH_SHARE if password else 1.0)
            leads = _gather(_context(options, address, domain, resolver, deadline), search_until)
            _store(cache, domain, leads)

    candidates = rank(leads, address, username)
    if not candidates:
        return _empty(started, _nothing_found(resolver, domain), found=False)
    outcome = None
    if password:
        outcome = autoconfig_verify.verify(candidates, password, options=options, resolver=resolver,
                                           deadline=deadline)
        candidates = outcome.candidates
    return _answer(started, candidates, outcome)


def rank(leads: list[Lead], address: str, username: str | None) -> tuple[Candidate, ...]:
    """Candidates for ``address``, best first, one per host/port/security."""
    best: dict[tuple, Candidate] = {}
    for lead in leads:
        candidate = candidate_for(lead, address, username)
        if candidate is None:
            continue
        key = (candidate.host, candidate.port, candidate.security)
        if key not in best or candidate.rank() < best[key].rank():
            best[key] = candidate
    return tuple(sorted(best.values(), key=Candidate.rank))


def _context(options: AutoconfigOptions, address, domain, resolver, until) -> Context:
    return Context(address=address, domain=domain, resolver=resolver, deadline=until,
                   allow_private=options.allow_private, https_port=options.https_port,
                   ispdb_url=options.ispdb_url, guess_ports=options.guess_ports, ca_file=options.smtp.ca_file,
                   local_hostname=local_name(options.smtp.local_hostname))


def _gather(ctx: Context, search_until: float) -> list[Lead]:
    """Run every network source at once; stop when the best finding cannot be beaten, or at the deadline.

    Past ``search_until`` (the time kept for a login) the search stops as soon as it has found something.
    """
    reports: queue.Queue = queue.Queue()
    pending = {}
    for name, (source, most_trust) in SOURCES.items():
        if name == "ispdb" and not ctx.ispdb_url:
            continue
        pending[name] = most_trust
        threading.Thread(target=_run, args=(reports, name, source, ctx), daemon=True,
                         name=f"shopmail-autoconfig-{name}").start()
    leads: list[Lead] = []
    try:
        while pending and not _settled(leads, pending):
            left = (search_until if leads else ctx.deadline) - time.monotonic()
            if left <= 0:
                break
            try:
                name, found = reports.get(timeout=left)
            except queue.Empty:
                break
            pending.pop(name, None)
            leads.extend(found)
            progress.report("source", source=name, found=len(found))
    finally:
        ctx.stop.set()
    return leads


def _run(reports: queue.Queue, name: str, source, ctx: Context) -> None:
    try:
        found = source(ctx)
    except Exception as exc:  # noqa: BLE001 - a source that fails simply found nothing
        log.debug("autoconfig source %s for %s failed: %r", name, ctx.domain, exc)
        found = []
    reports.put((name, found))


def _settled(leads: list[Lead], pending: dict[str, int]) -> bool:
    """An encrypted finding at least as trusted as anything a running source could still report."""
    trusted = [lead.trust for lead in leads if lead.security != "none"]
    return bool(trusted) and max(trusted) >= max(pending.values())


def _cached(cache, domain: str) -> list[Lead] | None:
    if cache is None:
        return None
    try:
        stored = cache.get(f"autoconfig:{domain}")
    except Exception as exc:  # noqa: BLE001 - a broken cache must not break auto-configuration
        log.warning("autoconfig cache read failed: %r", exc)
        return None
    return [Lead.from_dict(item) for item in stored] if stored else None


def _store(cache, domain: str, leads: list[Lead]) -> None:
    """Findings only (no user names, passwords or verification), and only when there are some."""
    if cache is None or not leads:
        return
    try:
        cache.set(f"autoconfig:{domain}", [lead.as_dict() for lead in leads], timeout=CACHE_SECONDS)
    except Exception as exc:  # noqa: BLE001
        log.warning("autoconfig cache write failed: %r", exc)


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _nothing_found(resolver: Resolver, domain: str) -> str:
    """Why nothing was found, truthfully, from what the DNS said during the search: no server answered at
    all, the domain does not exist, or the searches simply found nothing."""
    if resolver.asked and not resolver.answered:
        return _("Los servidores DNS no respondieron: no se ha podido buscar la configuración de %(d)s. "
                 "Compruebe la conexión de la tienda, o escriba a mano el servidor SMTP, el puerto y la "
                 "seguridad que indica su proveedor de correo.", d=domain)
    if domain in resolver.missing:
        return _("El dominio %(d)s no existe en DNS: revise la dirección de correo.", d=domain)
    return _("No se ha encontrado la configuración de %(d)s. Escriba a mano el servidor SMTP, el puerto y la "
             "seguridad que indica su proveedor de correo.", d=domain)


def _empty(started: float, message: str, found: bool = False) -> Discovery:
    return Discovery(found=found, host=None, port=None, security=None, username=None, source=None,
                     verified=False, elapsed_ms=_elapsed(started), message=message)


def _answer(started: float, candidates: tuple[Candidate, ...], outcome) -> Discovery:
    best = candidates[0]
    where = str(SOURCE_LABELS[best.source]) + (f" ({best.provider})" if best.provider else "")
    server = f"{best.host}:{best.port}"
    if outcome is not None and best.verified:
        message = _("Configuración encontrada en %(where)s y comprobada: se inició sesión en %(server)s "
                    "como «%(user)s».", where=where, server=server, user=best.username)
    elif outcome is not None:
        message = _("Configuración encontrada en %(where)s (%(server)s), pero no se pudo comprobar: "
                    "%(why)s", where=where, server=server, why=outcome.message)
    else:
        message = _("Configuración encontrada en %(where)s: %(server)s. Escriba la contraseña y pulse "
                    "«Probar SMTP» para comprobarla.", where=where, server=server)
    return Discovery(found=True, host=best.host, port=best.port, security=best.security,
                     username=best.username, source=best.source, verified=best.verified,
                     elapsed_ms=_elapsed(started), message=message, notes=best.notes,
                     candidates=candidates, provider=best.provider)
