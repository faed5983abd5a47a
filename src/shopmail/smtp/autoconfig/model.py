"""The values auto-configuration passes between its parts: server leads, candidates, user forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

#: Where a candidate came from, as the contract names it.
SOURCES = ("providers", "autoconfig", "ispdb", "mx", "srv", "guess")
#: How far each kind of finding is trusted (higher wins). Plain connections rank below every encrypted one.
TRUST = {
    "providers": 100,   # shopmail's own table, matched by the address's domain
    "autoconfig": 90,   # the domain's own config-v1.1.xml
    "ispdb": 80,        # Thunderbird's ISPDB for the domain
    "mx_providers": 75,  # the table, matched through the domain's MX host
    "mx_ispdb": 70,     # the ISPDB, looked up by the MX host's base domains
    "srv": 60,          # RFC 6186/8314 records pointing inside the domain
    "srv_foreign": 50,  # ... pointing outside it (anyone can publish those)
    "guess": 30,        # a host that answered a real TLS or STARTTLS handshake
}
SECURITIES = ("ssl", "starttls", "none")
SECURITY_RANK = {"ssl": 2, "starttls": 1, "none": 0}
#: Ports where TLS starts with the first byte (RFC 8314); every other port upgrades with STARTTLS.
IMPLICIT_TLS_PORTS = frozenset({465})

PLACEHOLDERS = ("%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_LEFTOVER = re.compile(r"%[A-Za-z]+%?")


@dataclass(frozen=True)
class Lead:
    """One server a source points at, before it is tied to a particular address.

    ``host`` and ``username`` may hold %EMAIL…% placeholders. ``username`` is None when the source does not
    say, "" when the provider issues its own credential (an API key, SMTP credentials) the admin must type.
    """

    host: str
    port: int
    security: str
    username: str | None
    source: str
    trust: int
    order: int = 0
    provider: str = ""
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """Plain values, for the cache."""
        return {"host": self.host, "port": self.port, "security": self.security, "username": self.username,
                "source": self.source, "trust": self.trust, "order": self.order, "provider": self.provider,
                "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: dict) -> Lead:
        """The inverse of ``as_dict``."""
        return cls(**{**data, "notes": tuple(data.get("notes", ()))})


@dataclass(frozen=True)
class Candidate:
    """A server for one address: what the form would be filled with."""

    host: str
    port: int
    security: str
    username: str
    source: str
    verified: bool = False
    provider: str = ""
    notes: tuple[str, ...] = ()
    trust: int = field(default=0, compare=False)
    order: int = field(default=0, compare=False)
    #: The user names a login may try, best first (at most two).
    user_forms: tuple[str, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict:
        """The contract's candidate shape."""
        return {"host": self.host, "port": self.port, "security": self.security, "username": self.username,
                "source": self.source, "verified": self.verified}

    def rank(self) -> tuple:
        """Sort key: encrypted before plain, then trust, then security, then the source's own order."""
        return (self.security == "none", -self.trust, -SECURITY_RANK[self.security], self.order)


def split_address(address: str) -> tuple[str, str]:
    """``local@domain`` → (local, domain)."""
    local, _, domain = address.rpartition("@")
    return local, domain


def substitute(template: str, address: str) -> str | None:
    """Fill %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN%; None when an unknown placeholder is left."""
    local, domain = split_address(address)
    value = (template.replace("%EMAILADDRESS%", address)
             .replace("%EMAILLOCALPART%", local)
             .replace("%EMAILDOMAIN%", domain))
    if _LEFTOVER.search(value):
        return None
    return value


def valid_hostname(host: str) -> bool:
    """A DNS host name (ASCII, as it goes on the wire); IP literals are not accepted here."""
    return bool(_HOSTNAME.match(host or "")) and not host.replace(".", "").isdigit()


def valid_username(name: str) -> bool:
    """Something an SMTP AUTH can carry: not empty, no control characters, not absurdly long."""
    return 0 < len(name) <= 256 and not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)


def user_forms(template: str | None, address: str, typed: str | None) -> tuple[str, ...]:
    """The user names to fill and to try at login, best first, at most two.

    A fixed name (``apikey``) is the only one; a provider credential ("") is whatever the admin typed; a
    stated form comes first, then what was typed; with no form stated: what was typed, the full address,
    the local part.
    """
    typed = (typed or "").strip()
    if template == "":
        return (typed,) if typed else ()
    if template is not None:
        filled = substitute(template, address)
        if filled is not None and valid_username(filled):
            if "%" not in template:
                return (filled,)
            return _first_two([filled, typed])
    local, _ = split_address(address)
    return _first_two([typed, address, local])


def _first_two(names) -> tuple[str, ...]:
    unique = []
    for name in names:
        if name and valid_username(name) and name not in unique:
            unique.append(name)
    return tuple(unique[:2])


def candidate_for(lead: Lead, address: str, typed: str | None) -> Candidate | None:
    """Tie a lead to one address; None when its host template does not give a usable host."""
    host = substitute(lead.host, address)
    if host is None:
        return None
    host = host.lower().rstrip(".")
    if not valid_hostname(host):
        return None
    forms = user_forms(lead.username, address, typed)
    return Candidate(host=host, port=lead.port, security=lead.security, username=forms[0] if forms else "",
                     source=lead.source, provider=lead.provider, notes=lead.notes, trust=lead.trust,
                     order=lead.order, user_forms=forms)
