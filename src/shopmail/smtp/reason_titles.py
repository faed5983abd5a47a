"""Reason codes in a few plain words, for places that name a reason without its full message: the
library's status badge, the status page, a held account. The code itself stays for scripts and support
(JSON, the "Detalles técnicos" disclosure); people read these titles, in their own language.
"""

from __future__ import annotations

from shopmail.core.i18n import lazy_gettext as _l

_TITLES = {
    "ok": _l("correcta"),
    "dns_failure": _l("el nombre del servidor no existe"),
    "connection_refused": _l("el servidor no acepta conexiones en ese puerto"),
    "timeout": _l("el servidor no respondió a tiempo"),
    "use_starttls": _l("ese puerto necesita la seguridad STARTTLS"),
    "use_ssl": _l("ese puerto necesita la seguridad SSL/TLS"),
    "certificate_invalid": _l("el certificado del servidor no es de confianza"),
    "starttls_unavailable": _l("el servidor no ofrece STARTTLS"),
    "starttls_required": _l("el servidor exige una conexión cifrada"),
    "auth_unavailable": _l("el servidor no ofrece inicio de sesión"),
    "auth_failed": _l("usuario o contraseña rechazados"),
    "app_password_required": _l("hace falta una contraseña de aplicación"),
    "basic_auth_disabled": _l("el inicio de sesión con contraseña está desactivado"),
    "sender_not_allowed": _l("la cuenta no puede enviar como esa dirección"),
    "relay_denied": _l("el servidor no acepta reenviar el correo"),
    "throttled": _l("el servidor limita los envíos por ahora"),
    "server_error": _l("el servidor respondió con un error"),
    "oauth_not_configured": _l("falta configurar el inicio de sesión con OAuth"),
    "oauth_consent_denied": _l("no se concedió el permiso"),
    "oauth_reconnect_required": _l("hay que volver a conectar la cuenta"),
    "oauth_scope_missing": _l("falta el permiso de envío"),
}


def title(reason: str | None) -> str:
    """``reason`` in a few words in the current language; an unknown code reads as a server error
    (the code itself goes behind "Detalles técnicos")."""
    if not reason:
        return ""
    return str(_TITLES.get(reason) or _TITLES["server_error"])
