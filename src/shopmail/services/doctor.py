"""`flask shopmail doctor`: is this set-up sound, and would the big providers trust its mail?

Checks the configuration (encryption keys outside the database, a cache coherent across processes,
the database reachable and migrated), tests the sending account, and looks up the From domain's
SPF, DMARC and MX records, then says in plain words what that means.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from shopmail.core import crypto
from shopmail.core import migrate
from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.state import session
from shopmail.core.state import state
from shopmail.services import accounts as service
from shopmail.smtp.resolve import DNSFailure
from shopmail.smtp.resolve import DNSTimeout
from shopmail.smtp.resolve import resolver_for

COHERENT_CACHES = ("filesystemcache", "rediscache", "redissentinelcache", "redisclustercache",
                   "memcachedcache", "saslmemcachedcache")


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # "ok" | "warning" | "error"
    message: str
    #: What support needs and the admin need not read (a DNS record, a class name): "Detalles técnicos".
    detail: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def run(test_account: bool = True) -> list[Check]:
    """Every check, in the order an operator would fix them."""
    checks = configuration_checks()
    if checks[-1].level == "error":
        return checks
    checks.extend(_sending_account(test_account))
    return checks


def configuration_checks() -> list[Check]:
    """Keys, cache and database: the checks that need no network (the home page shows them)."""
    return [_keys(), _cache(), _database()]


def _keys() -> Check:
    try:
        crypto.seal("doctor")
    except crypto.SecretKeyError as exc:
        if exc.missing:
            return Check("encryption_keys", "error", _("Falta la clave que cifra las contraseñas guardadas: pida a "
                                                       "quien administra el servidor que la configure."), str(exc))
        return Check("encryption_keys", "error", _("La clave que cifra las contraseñas guardadas no es válida: pida a "
                                                   "quien administra el servidor que la corrija."), str(exc))
    broken = 0
    for sealed in session().scalars(select(Account.password_sealed)):
        if sealed:
            try:
                crypto.unseal(sealed)
            except crypto.SecretKeyError:
                broken += 1
    if broken:
        return Check("encryption_keys", "error", _(
            "%(n)d contraseñas guardadas no se pueden abrir con las claves de cifrado actuales: hay que "
            "añadir la clave anterior detrás de la nueva.", n=broken),
            "SHOPMAIL_ENCRYPTION_KEYS; flask shopmail rotate-key")
    return Check("encryption_keys", "ok", _("Claves de cifrado configuradas fuera de la base de datos."))


def _cache() -> Check:
    kind = str(current_app.config.get("SHOPMAIL_CACHE_TYPE") or "").rsplit(".", 1)[-1].lower()
    if kind in COHERENT_CACHES:
        return Check("cache", "ok", _("La caché es compartida por todos los procesos de la tienda."), kind)
    return Check("cache", "warning", _(
        "La caché no se comparte entre procesos: si la tienda usa varios procesos web, pida a quien "
        "administra el servidor una caché de archivos (una máquina) o Redis (varias)."),
        f"SHOPMAIL_CACHE_TYPE={kind or '?'} (FileSystemCache, RedisCache)")


def _database() -> Check:
    try:
        current, heads = migrate.current_heads(), migrate.script_heads()
    except Exception as exc:  # the database itself is unreachable: say so, never a traceback
        return Check("database", "error", _("No se puede conectar con la base de datos: pida a quien "
                                            "administra el servidor que lo revise."), type(exc).__name__)
    if current != heads:
        return Check("database", "error", _("La base de datos no está al día: ejecute "
                                            "«flask shopmail db-upgrade»."))
    return Check("database", "ok", _("Base de datos accesible y al día."))


def _sending_account(test_account: bool) -> list[Check]:
    snap = settings.get()
    account = settings.sending_account(snap)
    if account is None:
        return [Check("sending_account", "error", _(
            "No hay cuenta de envío: elija una en Ajustes generales → Comunicaciones."))]
    checks = []
    if test_account:
        result = service.test_saved(account.id)
        checks.append(Check("sending_account", "ok" if result.ok else "error",
                            _("Prueba SMTP de %(a)s: %(m)s", a=account.address, m=result.message)))
    elif account.last_test_ok:
        checks.append(Check("sending_account", "ok", _("Cuenta de envío %(a)s con la última prueba correcta.",
                                                        a=account.address)))
    else:
        checks.append(Check("sending_account", "warning", _("La última prueba de %(a)s no fue correcta.",
                                                             a=account.address)))
    checks.extend(domain_checks(account.address.rsplit("@", 1)[-1]))
    return checks


def domain_checks(domain: str) -> list[Check]:
    """SPF, DMARC and MX of the From domain, and a plain-language verdict."""
    return judge_domain(domain, lookup_domain(domain))


def lookup_domain(domain: str) -> dict:
    """What the DNS says about ``domain``, as data (cached as is, and put into words per request):
    its SPF and DMARC records, its MX hosts, and the names no server answered for."""
    resolver = resolver_for(current_app.config, time.monotonic() + 5)
    unanswered = []

    def lookup(find, name):
        try:
            return find(name)
        except DNSTimeout:  # no answer is not "no record": say so instead of a false verdict
            unanswered.append(name)
            return []
        except DNSFailure:
            return []

    spf = [r for r in lookup(resolver.txt, domain) if r.lower().startswith("v=spf1")]
    dmarc = [r for r in lookup(resolver.txt, f"_dmarc.{domain}") if r.lower().startswith("v=dmarc1")]
    mx = [host for _p, host in lookup(resolver.mx, domain)]
    return {"spf": spf, "dmarc": dmarc, "mx": mx, "unanswered": unanswered}


def judge_domain(domain: str, found: dict) -> list[Check]:
    """The checks for what ``lookup_domain`` found, in the current language; the records themselves are
    the checks' technical detail."""
    spf, dmarc, mx, unanswered = found["spf"], found["dmarc"], found["mx"], found["unanswered"]
    if unanswered:
        return [Check("dns", "warning", _(
            "El DNS no respondió al consultar %(names)s: no se sabe si %(d)s tiene SPF, DMARC y MX. Compruebe "
            "los servidores DNS de la tienda.", names=", ".join(unanswered), d=domain))]
    checks = [
        Check("spf", "ok" if len(spf) == 1 else "error", _(
            "%(d)s publica un registro SPF: dice qué servidores pueden enviar su correo.", d=domain)
            if len(spf) == 1 else (
            _("Hay %(n)d registros SPF: solo puede haber uno.", n=len(spf)) if spf else
            _("Sin registro SPF en %(d)s: añada uno que incluya a su servidor de correo.", d=domain)),
            " | ".join(spf)),
        Check("dmarc", "ok" if dmarc else "error", _(
            "%(d)s publica un registro DMARC: los proveedores saben qué hacer con el correo falsificado.",
            d=domain) if dmarc else
              _("Sin registro DMARC en _dmarc.%(d)s (p. ej. «v=DMARC1; p=none; rua=mailto:…»).", d=domain),
              " | ".join(dmarc)),
        Check("mx", "ok" if mx else "warning", _(
            "%(d)s recibe correo: las respuestas de los clientes llegarán.", d=domain) if mx else
              _("%(d)s no recibe correo (sin MX): las respuestas de los clientes se perderían.", d=domain),
              ", ".join(mx)),
    ]
    if spf and dmarc:
        verdict = Check("verdict", "ok", _(
            "Gmail, Outlook y Yahoo encontrarán SPF y DMARC para %(d)s: su correo debería considerarse "
            "legítimo (compruebe también que su proveedor firma con DKIM).", d=domain))
    else:
        verdict = Check("verdict", "error", _(
            "Los grandes proveedores (Gmail, Outlook, Yahoo) exigen SPF y DMARC: sin ellos, los correos de "
            "%(d)s acabarán en spam o serán rechazados.", d=domain))
    return [*checks, verdict]


def setup_checks(account: Account | None) -> list[Check]:
    """What the home page and the status verdict say about the set-up without testing the account: the
    configuration, then (once the database is usable) the sending domain's SPF, DMARC and MX, cached."""
    checks = configuration_checks()
    if account is not None and checks[-1].level != "error":
        checks.extend(cached_domain_checks(account.address.rsplit("@", 1)[-1]))
    return checks


def cached_domain_checks(domain: str) -> list[Check]:
    """``domain_checks`` with the DNS answers kept ten minutes in shopmail's cache (the home page shows
    them). The cache holds data, never words: each viewer reads the checks in their own language."""
    key = f"doctor:domain-data:{domain.lower()}"
    found = state().cache.get(key)
    if found is None:
        found = lookup_domain(domain)
        if not found["unanswered"]:  # an unanswered lookup is asked again next time
            state().cache.set(key, found, timeout=600)
    return judge_domain(domain, found)
