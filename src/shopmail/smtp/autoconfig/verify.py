"""Verification of auto-configuration's choice by a real login, through the SMTP probe.

One AUTH attempt per user form, at most two forms. A server that cannot be reached hands the turn to the
next candidate; a server that answers but refuses the login ends the search (another server would not take
that password either, and every extra attempt counts against the account's lock-out). A password never
travels unencrypted: plain candidates are not tried.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from shopmail.core import progress
from shopmail.core.i18n import gettext as _
from shopmail.smtp.autoconfig.fetch import AddressRefused
from shopmail.smtp.autoconfig.fetch import allowed_addresses
from shopmail.smtp.autoconfig.model import Candidate
from shopmail.smtp.probe import probe
from shopmail.smtp.probe import Target
from shopmail.smtp.resolve import DNSFailure
from shopmail.smtp.resolve import DNSTimeout

#: At most this many servers get a login attempt.
MAX_SERVERS = 3
#: Probe outcomes that mean "the server works, the credentials or the account do not".
ACCOUNT_REASONS = frozenset({"auth_failed", "app_password_required", "basic_auth_disabled",
                             "auth_unavailable", "sender_not_allowed", "throttled"})


@dataclass(frozen=True)
class Outcome:
    """The candidates after verification (the one tried first, with ``verified`` set) and why."""

    candidates: tuple[Candidate, ...]
    reason: str
    message: str


def verify(candidates: tuple[Candidate, ...], password: str, *, options, resolver, deadline: float) -> Outcome:
    """Log in to the best candidates in turn until one accepts, refuses the account, or time runs out."""
    first: tuple[Candidate, str, str] | None = None
    for candidate in candidates[:MAX_SERVERS]:
        if time.monotonic() >= deadline:
            break
        progress.report("verify", host=candidate.host, port=candidate.port, security=candidate.security)
        reason, message, user = _try(candidate, password, options, resolver, deadline)
        if reason == "ok":
            return Outcome(_promote(candidates, dataclasses.replace(candidate, username=user, verified=True)),
                           "ok", message)
        if first is None:
            first = (candidate, reason, message)
        if reason in ACCOUNT_REASONS or reason == "no_username":
            return Outcome(_promote(candidates, candidate), reason, message)
    if first is None:
        return Outcome(candidates, "timeout", _("no quedó tiempo para iniciar sesión."))
    return Outcome(candidates, first[1], first[2])


def _try(candidate, password, options, resolver, deadline) -> tuple[str, str, str]:
    """(reason, Spanish message, user name that worked) for one server."""
    if candidate.security == "none":
        return "plain", _("la conexión no está cifrada y la contraseña no se envía sin cifrar."), ""
    if not candidate.user_forms:
        return "no_username", _("escriba el usuario que le indica el proveedor y vuelva a intentarlo."), ""
    try:  # the vetted addresses are the only ones the login may go to (no second lookup)
        pinned = tuple(allowed_addresses(resolver, candidate.host, options.allow_private))
    except AddressRefused:
        return "refused", _("el servidor tiene una dirección privada o local."), ""
    except (DNSFailure, DNSTimeout):
        return "dns_failure", _("el nombre del servidor no se encuentra en DNS."), ""
    reason, message = "timeout", _("no quedó tiempo para iniciar sesión.")
    for user in candidate.user_forms:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        result = probe(Target(candidate.host, candidate.port, candidate.security, username=user,
                              password=password, verify_cert=True,
                              timeout=min(options.smtp.timeout, left), ca_file=options.smtp.ca_file,
                              local_hostname=options.smtp.local_hostname, nameservers=options.smtp.nameservers,
                              addresses=pinned))
        if result.ok or _logged_in(result):
            return "ok", "", user
        reason, message = result.reason, _sentence(result)
        if reason != "auth_failed":
            break
    return reason, message, ""


def _logged_in(result) -> bool:
    """The AUTH step passed (what comes after it, the envelope, is not auto-configuration's business)."""
    return any(step.step == "auth" and step.ok for step in result.steps)


def _sentence(result) -> str:
    message = str(result.message or "").strip()
    hint = str(getattr(result, "hint", "") or "").strip()
    text = f"{message} {hint}".strip()
    return text[:1].lower() + text[1:] if text else _("el servidor no aceptó el inicio de sesión.")


def _promote(candidates: tuple[Candidate, ...], chosen: Candidate) -> tuple[Candidate, ...]:
    """``chosen`` first (replacing its unverified self), the rest in their order."""
    key = (chosen.host, chosen.port, chosen.security)
    return (chosen, *(c for c in candidates if (c.host, c.port, c.security) != key))
