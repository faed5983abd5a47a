"""The account fields' checks, shared by the form and `flask shopmail account …` (plain values, ValueError)."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.smtp.autoconfig.providers import limits_for_host
from shopmail.smtp.resolve import is_ip

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def check_host(host: str) -> str:
    """A server name or IP address: not a URL, no spaces or line breaks. Returns it normalised."""
    host = (host or "").strip()
    if any(ch in host for ch in "\r\n\t\0 "):
        raise ValueError(_l("El servidor no puede contener espacios ni saltos de línea."))
    if "://" in host or "/" in host:
        raise ValueError(_l("Escriba solo el nombre del servidor (p. ej. smtp.gmail.com), sin «smtp://» ni rutas."))
    if ":" in host and not is_ip(host):
        raise ValueError(_l("Escriba el puerto en su campo, no junto al servidor."))
    if is_ip(host):
        return host.strip("[]")
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(_l("«%(h)s» no es un nombre de servidor válido.", h=host))
    return host.rstrip(".").lower()


def _has_control(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def check_display_name(value: str | None) -> str:
    """The name customers see next to the address: one line of at most 200 characters. Returns it trimmed."""
    value = (value or "").strip()
    if _has_control(value):
        raise ValueError(_l("El nombre no puede contener saltos de línea ni caracteres de control."))
    if len(value) > 200:
        raise ValueError(_l("El nombre visible admite como mucho 200 caracteres."))
    return value


def check_username(value: str | None) -> str:
    """The login name: one line of at most 254 characters. Returns it trimmed."""
    value = (value or "").strip()
    if _has_control(value):
        raise ValueError(_l("El usuario no puede contener saltos de línea ni caracteres de control."))
    if len(value) > 254:
        raise ValueError(_l("El usuario admite como mucho 254 caracteres."))
    return value


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses, where a password may travel unencrypted."""
    host = (host or "").strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    return is_ip(host) and ipaddress.ip_address(host).is_loopback


def combination_warning(security: str, port: int | None) -> str | None:
    """A warning (not an error) for unusual port/security pairs."""
    if security == "ssl" and port in (25, 587):
        return str(_l("El puerto %(p)s suele usar STARTTLS, no SSL/TLS.", p=port))
    if security == "starttls" and port == 465:
        return str(_l("El puerto 465 suele usar SSL/TLS, no STARTTLS."))
    if security == "none" and port in (465, 587):
        return str(_l("El puerto %(p)s suele ir cifrado; «Ninguna» rara vez funciona.", p=port))
    return None


#: The largest sending limit accepted (a 32-bit column).
MAX_LIMIT = 10_000_000


def check_limit(value) -> int | None:
    """A sending limit as typed: empty or "none" for no limit, else a whole number from 1."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("", "none", "ninguno"):
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise ValueError(_l("Escriba un número entero a partir de 1, o «ninguno» para no limitar."))
    return int(text)


def suggested_limits(host: str) -> tuple[int | None, int | None]:
    """The provider's published limits for this SMTP server (per minute, per day), to prefill a new account."""
    return limits_for_host(host)
