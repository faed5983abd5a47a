"""E-mail address checks shared by the forms, the CLI and the services (syntax only, no network)."""

from __future__ import annotations

from email_validator import EmailNotValidError
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from email_validator import validate_email

from shopmail.core.i18n import gettext as _

MAX_ADMIN_ADDRESSES = 50


class AddressError(ValueError):
    """An address is not valid; the message, in Spanish, names it."""


def normalize(address: str, *, international: bool = False) -> str:
    """A valid address in its normal form, or AddressError. CR/LF and other controls are refused.

    A non-ASCII local part (``josé@…``) needs SMTPUTF8, which not every server offers: it is refused where
    an admin types an address that all mail depends on, and accepted (``international``) for a customer,
    whose one message then goes out only through a server that offers SMTPUTF8. International domains are
    fine everywhere: they travel as A-labels (``wire``).
    """
    address = (address or "").strip()
    if any(ch in address for ch in "\r\n\t\0"):
        raise AddressError(_("La dirección «%(a)s» contiene saltos de línea o caracteres de control.",
                             a=address.replace("\r", "\\r").replace("\n", "\\n")))
    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=international).normalized
    except EmailNotValidError:
        domain = address.rpartition("@")[2].rstrip(".").lower()
        reserved = next((name for name in SPECIAL_USE_DOMAIN_NAMES
                         if domain == name or domain.endswith("." + name)), None)
        if reserved:  # say why: the address looks fine to a person
            raise AddressError(_("«%(a)s» usa un dominio reservado (.%(d)s) que no existe en Internet: "
                                 "ningún servidor entregaría ese correo. Use una dirección de un dominio "
                                 "real.", a=address, d=reserved)) from None
        raise AddressError(_("«%(a)s» no es una dirección de correo válida.", a=address)) from None


def wire(address: str) -> str:
    """``address`` as it travels in SMTP commands and in the headers of a message: the domain in A-labels
    (``user@bücher.example`` → ``user@xn--bcher-kva.example``), so no server needs SMTPUTF8 for it. A
    non-ASCII local part stays (``needs_smtputf8``). Raises AddressError for an invalid address."""
    if address.isascii():
        return address
    try:
        found = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        raise AddressError(_("«%(a)s» no es una dirección de correo válida.", a=address)) from None
    return f"{found.local_part}@{found.ascii_domain}"


def needs_smtputf8(*wire_addresses: str) -> bool:
    """Whether these addresses (in ``wire`` form) can only travel with SMTPUTF8."""
    return not all(address.isascii() for address in wire_addresses)


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
