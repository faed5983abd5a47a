"""E-mail address checks shared by the forms, the CLI and the services (syntax only, no network)."""

from __future__ import annotations

from email_validator import EmailNotValidError
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from email_validator import validate_email
from flask_babel import gettext as _

MAX_ADMIN_ADDRESSES = 50


class AddressError(ValueError):
    """An address is not valid; the message, in Spanish, names it."""


def normalize(address: str) -> str:
    """A valid address in its normal form, or AddressError. CR/LF and other controls are refused."""
    address = (address or "").strip()
    if any(ch in address for ch in "\r\n\t\0"):
        raise AddressError(_("La dirección «%(a)s» contiene saltos de línea o caracteres de control.",
                             a=address.replace("\r", "\\r").replace("\n", "\\n")))
    try:
        # No SMTPUTF8: shopmail never sends it, so a non-ASCII local part could be saved but never mailed.
        return validate_email(address, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError:
        domain = address.rpartition("@")[2].rstrip(".").lower()
        reserved = next((name for name in SPECIAL_USE_DOMAIN_NAMES
                         if domain == name or domain.endswith("." + name)), None)
        if reserved:  # say why: the address looks fine to a person
            raise AddressError(_("«%(a)s» usa un dominio reservado (.%(d)s) que no existe en Internet: "
                                 "ningún servidor entregaría ese correo. Use una dirección de un dominio "
                                 "real.", a=address, d=reserved)) from None
        raise AddressError(_("«%(a)s» no es una dirección de correo válida.", a=address)) from None


def parse_list(text: str) -> list[str]:
    """A comma-separated list: trimmed, each validated, duplicates dropped regardless of case."""
    if any(ch in (text or "") for ch in "\r\n"):
        raise AddressError(_("Separe las direcciones con comas, sin saltos de línea."))
    items = [item.strip() for item in (text or "").split(",")]
    if items == [""]:
        return []
    result, seen = [], set()
    for position, item in enumerate(items, start=1):
        if not item:
            raise AddressError(_("La posición %(n)d de la lista está vacía: sobra una coma.", n=position))
        address = normalize(item)
        if address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    if len(result) > MAX_ADMIN_ADDRESSES:
        raise AddressError(_("Como máximo %(n)d direcciones de administrador.", n=MAX_ADMIN_ADDRESSES))
    return result
