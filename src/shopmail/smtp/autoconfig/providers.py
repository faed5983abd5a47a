"""The bundled provider table (providers.json): published SMTP settings, user forms and notes.

Matched by the address's domain, by the domain's MX host, or by an SMTP host the admin typed. Loaded once,
indexed for lookups that touch neither disk nor network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shopmail.smtp.autoconfig.model import Lead
from shopmail.smtp.autoconfig.model import TRUST

# The table stays at shopmail/smtp/providers.json, where the installed package has always carried it.
_TABLE = Path(__file__).resolve().parent.parent / "providers.json"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str


@dataclass(frozen=True)
class Provider:
    """One provider: its SMTP servers, best first; the user form; the admin's notes (Spanish)."""

    id: str
    name: str
    servers: tuple[Server, ...]
    username: str
    notes: tuple[str, ...]
    domains: tuple[str, ...]
    mx: tuple[str, ...]
    # Published sending limits: messages per minute, recipients per 24 hours (None: not published).
    limit_per_minute: int | None = None
    limit_per_day: int | None = None

    def leads(self, source: str = "providers", trust: int | None = None) -> list[Lead]:
        """The provider's servers as auto-configuration leads."""
        trust = TRUST[source] if trust is None else trust
        return [Lead(host=s.host, port=s.port, security=s.security, username=self.username, source=source,
                     trust=trust, order=i, provider=self.name, notes=self.notes)
                for i, s in enumerate(self.servers)]


class _Index:
    """Exact names and ``*.suffix`` patterns, looked up by walking a name's parent domains."""

    def __init__(self):
        self.exact: dict[str, Provider] = {}
        self.wild: dict[str, Provider] = {}

    def add(self, pattern: str, provider: Provider) -> None:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            self.wild.setdefault(pattern[2:], provider)
        else:
            self.exact.setdefault(pattern, provider)

    def find(self, name: str) -> Provider | None:
        name = (name or "").lower().rstrip(".")
        if name in self.exact:
            return self.exact[name]
        labels = name.split(".")
        for i in range(1, len(labels)):
            found = self.wild.get(".".join(labels[i:]))
            if found is not None:
                return found
        return None


def _expand(entry: dict) -> list[dict]:
    """An entry with ``regions`` becomes one entry per region, ``{region}`` filled in."""
    regions = entry.get("regions")
    if not regions:
        return [entry]
    text = json.dumps({k: v for k, v in entry.items() if k != "regions"})
    return [json.loads(text.replace("{region}", region)) for region in regions]


@lru_cache(maxsize=1)
def _load():
    providers = []
    by_domain, by_mx, by_host = _Index(), _Index(), _Index()
    for raw in json.loads(_TABLE.read_text("utf-8"))["providers"]:
        for entry in _expand(raw):
            provider = Provider(
                id=entry["id"], name=entry["name"],
                servers=tuple(Server(s["host"], int(s["port"]), s["security"]) for s in entry["servers"]),
                username=entry["username"], notes=tuple(entry.get("notes", ())),
                domains=tuple(entry.get("domains", ())), mx=tuple(entry.get("mx", ())),
                limit_per_minute=entry.get("limits", {}).get("per_minute"),
                limit_per_day=entry.get("limits", {}).get("per_day"))
            providers.append(provider)
            for domain in provider.domains:
                by_domain.add(domain, provider)
            for pattern in provider.mx:
                by_mx.add(pattern, provider)
            for server in provider.servers:
                by_host.add(server.host, provider)
    return tuple(providers), by_domain, by_mx, by_host


def all_providers() -> tuple[Provider, ...]:
    """Every provider in the table, expanded per region."""
    return _load()[0]


def by_domain(domain: str) -> Provider | None:
    """The provider whose mailboxes live at ``domain`` (gmail.com, x.onmicrosoft.com), if known."""
    return _load()[1].find(domain)


def by_mx(host: str) -> Provider | None:
    """The provider that runs the MX host ``host`` (aspmx.l.google.com), if known."""
    return _load()[2].find(host)


def by_host(host: str) -> Provider | None:
    """The provider of an SMTP server name (smtp.sendgrid.net), e.g. to show its notes in the form."""
    return _load()[3].find(host)


def limits_for_host(host: str) -> tuple[int | None, int | None]:
    """The published sending limits of the provider whose SMTP server is ``host``: (per minute, per day)."""
    provider = by_host((host or "").strip().lower().rstrip("."))
    return (provider.limit_per_minute, provider.limit_per_day) if provider else (None, None)
