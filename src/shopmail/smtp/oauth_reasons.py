"""The reason codes of OAuth2 sign-in (issue 16): their Spanish message and hint, merged into
:mod:`.reasons`, and how a refused ``AUTH XOAUTH2`` maps to one."""

from __future__ import annotations

import re

from shopmail.core.i18n import lazy_gettext as _l

OAUTH_MESSAGES = {
    ("auth_unavailable", "xoauth2"): _l("El servidor no ofrece el inicio de sesión OAuth2 (AUTH XOAUTH2); "
                                        "ofrece: %(detail)s."),
    "oauth_not_configured": _l("El inicio de sesión con %(detail)s no está configurado en la tienda."),
    "oauth_consent_denied": _l("No se concedió el permiso para enviar correo con esta cuenta."),
    "oauth_reconnect_required": _l("La conexión con la cuenta ha caducado o se ha revocado: hay que volver a "
                                   "conectarla."),
    "oauth_scope_missing": _l("El permiso concedido no incluye el envío de correo por SMTP."),
}

OAUTH_HINTS = {
    "oauth_not_configured": _l("Un administrador del servidor debe configurar el cliente OAuth2 del proveedor "
                               "(SHOPMAIL_OAUTH_…) y registrar la dirección de retorno que muestra la cuenta."),
    "oauth_consent_denied": _l("Pulse de nuevo «Conectar» y acepte el permiso; si su organización lo bloquea, "
                               "pida a su administrador de Microsoft 365 o Google que lo autorice."),
    "oauth_reconnect_required": _l("Pulse «Reconectar» en la cuenta e inicie sesión de nuevo; el correo "
                                   "retenido saldrá en cuanto vuelva a estar conectada."),
    "oauth_scope_missing": _l("Vuelva a conectar la cuenta y acepte el permiso de envío (SMTP.Send en "
                              "Microsoft 365; en la aplicación de Azure, SMTP.SendAsApp para el modo de "
                              "aplicación)."),
}

#: The hints as the CLI says them, where they differ from the panel's.
OAUTH_CLI_HINTS = {
    "oauth_reconnect_required": _l("Vuelva a conectar la cuenta: «flask shopmail account connect ID» (Microsoft "
                                   "365) o «Conectar» en el panel (Google); el correo retenido saldrá después."),
}


def xoauth2_reason(reason: str, problem: str) -> str:
    """The reason code for a refused AUTH XOAUTH2, from the one its reply alone gives (``reason``) and the
    provider's JSON error of the challenge (``problem``; Google: ``{"status": "401", ...}``, where a 400/403
    status means the scope is not granted). Provider-specific refusals (5.7.139, throttling) stay as they are."""
    if reason not in ("auth_failed", "auth_unavailable", "server_error"):
        return reason
    if re.search(r'"status"\s*:\s*"?(400|403)', problem or ""):
        return "oauth_scope_missing"
    return "oauth_reconnect_required"
