"""Safe parsing of Thunderbird's autoconfig format (config-v1.1.xml), for the SMTP servers it names.

The same parser reads a domain's own file and the ISPDB's. Documents come from the network, so they are
parsed with defusedxml with DTDs forbidden (no entity expansion, no external references), size-capped, and
every field is checked: a bad server is skipped, a bad document raises ``XMLError``, nothing crashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from shopmail.core.i18n import N_
from shopmail.smtp.autoconfig.model import Lead
from shopmail.smtp.autoconfig.model import PLACEHOLDERS
from shopmail.smtp.autoconfig.model import valid_hostname

#: Larger than any real config-v1.1.xml (the ISPDB's biggest is under 10 KB).
MAX_BYTES = 256 * 1024
MAX_SERVERS = 20

_SOCKET_TYPES = {"ssl": "ssl", "tls": "ssl", "starttls": "starttls", "plain": "none"}
_PASSWORD_AUTH = {"password-cleartext", "password-encrypted", "plain", "secure"}
_NO_LOGIN_AUTH = {"none", "client-ip-address", "smtp-after-pop"}

OAUTH_ONLY_NOTE = N_("Este proveedor solo anuncia el inicio de sesión OAuth2 para SMTP: es posible que no "
                     "acepte usuario y contraseña.")


class XMLError(ValueError):
    """The document is not a usable autoconfig file."""


@dataclass(frozen=True)
class SMTPServer:
    """An ``<outgoingServer type="smtp">``; host and username may hold %EMAIL…% placeholders."""

    host: str
    port: int
    security: str
    username: str | None
    authentication: tuple[str, ...]

    @property
    def oauth_only(self) -> bool:
        """Only OAuth2 is offered: a password login will likely be refused."""
        methods = set(self.authentication)
        return "oauth2" in methods and not methods & (_PASSWORD_AUTH | _NO_LOGIN_AUTH)


@dataclass(frozen=True)
class ClientConfig:
    """What a config-v1.1.xml says about sending mail."""

    provider_id: str
    display_name: str
    domains: tuple[str, ...]
    smtp: tuple[SMTPServer, ...]

    def leads(self, source: str, trust: int) -> list[Lead]:
        """The SMTP servers as auto-configuration leads, in the document's order."""
        leads = []
        for order, server in enumerate(self.smtp):
            notes = (OAUTH_ONLY_NOTE,) if server.oauth_only else ()
            leads.append(Lead(host=server.host, port=server.port, security=server.security,
                              username=server.username, source=source, trust=trust, order=order,
                              provider=self.display_name, notes=notes))
        return leads


def parse(data: bytes | str) -> ClientConfig:
    """Parse one document; ``XMLError`` when it is too big, malformed, hostile or not autoconfig."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise XMLError("documento demasiado grande")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise XMLError(f"documento rechazado: {type(exc).__name__}") from None
    except (ParseError, ValueError, LookupError) as exc:
        raise XMLError(f"XML mal formado: {exc}") from None
    if _local(root.tag) != "clientConfig":
        raise XMLError("no es un documento clientConfig")
    provider = _child(root, "emailProvider")
    if provider is None:
        raise XMLError("falta emailProvider")
    servers = []
    for element in _children(provider, "outgoingServer"):
        if (element.get("type") or "smtp").strip().lower() != "smtp":
            continue
        server = _server(element)
        if server is not None and server not in servers:
            servers.append(server)
        if len(servers) >= MAX_SERVERS:
            break
    domains = tuple(d for d in (_text(e).lower() for e in _children(provider, "domain")) if valid_hostname(d))
    return ClientConfig(provider_id=(provider.get("id") or "").strip()[:200],
                        display_name=_text(_child(provider, "displayName"))[:200],
                        domains=domains, smtp=tuple(servers))


def _server(element: Element) -> SMTPServer | None:
    host = _text(_child(element, "hostname")).rstrip(".")
    if not _valid_host_template(host):
        return None
    try:
        port = int(_text(_child(element, "port")))
    except ValueError:
        return None
    if not 0 < port < 65536:
        return None
    security = _SOCKET_TYPES.get(_text(_child(element, "socketType")).lower())
    if security is None:
        return None
    username_element = _child(element, "username")
    username = _text(username_element) if username_element is not None else None
    if username is not None and (len(username) > 256 or any(ord(ch) < 32 for ch in username)):
        username = None
    methods = tuple(_text(e).lower() for e in _children(element, "authentication") if _text(e))
    return SMTPServer(host=host, port=port, security=security, username=username or None,
                      authentication=methods)


def _valid_host_template(host: str) -> bool:
    sample = host
    for placeholder, value in zip(PLACEHOLDERS, ("user.example.com", "user", "example.com"), strict=True):
        sample = sample.replace(placeholder, value)
    return valid_hostname(sample.lower())


def _local(tag) -> str:
    """The tag without a namespace; comments and processing instructions have none."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(element: Element, name: str):
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Element | None) -> str:
    """Only the element's own text: a nested element where text belongs is a wrong type, read as empty."""
    if element is None or len(element):
        return ""
    return (element.text or "").strip()
