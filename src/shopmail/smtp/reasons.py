"""SMTP test reason codes: their Spanish message and hint, and how a server's reply maps to one.

The reason codes are the ones in docs/reference.md ("SMTP test reason codes"); ``ok`` marks a passing test.
The same classification serves the probe and the delivery worker, which also needs to know what
*kind* of failure it is: worth retrying (``transient``), hopeless for this message (``permanent``),
or a problem with the account that no retry will fix (``account``).
"""

from __future__ import annotations

import re
import smtplib
import ssl

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.core.text import clean
from shopmail.smtp.oauth_reasons import OAUTH_CLI_HINTS
from shopmail.smtp.oauth_reasons import OAUTH_HINTS
from shopmail.smtp.oauth_reasons import OAUTH_MESSAGES

TRANSIENT = "transient"
PERMANENT = "permanent"
ACCOUNT = "account"

_MESSAGES = {
    "ok": _l("La prueba SMTP es correcta: el servidor aceptaría el envío. No se ha enviado ningún mensaje."),
    ("ok", "partial"): _l("La conexión es correcta, pero no se ha probado el envío (MAIL FROM, RCPT TO, DATA): "
                          "no había dirección de remitente. El servidor aún podría rechazar el correo."),
    "dns_failure": _l("No se encuentra el servidor «%(host)s»: ese nombre no existe en DNS."),
    ("dns_failure", "timeout"): _l("Los servidores DNS no respondieron a tiempo al buscar «%(host)s»."),
    "connection_refused": _l("El servidor %(host)s no acepta conexiones en el puerto %(port)s."),
    ("connection_refused", "unreachable"): _l("No se puede llegar a %(host)s, puerto %(port)s: no hay camino de "
                                              "red hasta él desde el servidor de la tienda."),
    "timeout": _l("El servidor %(host)s:%(port)s no respondió a tiempo (límite: %(seconds)s s)."),
    ("timeout", "send"): _l("El servidor dejó de responder durante el envío."),
    "use_starttls": _l("Ha elegido SSL/TLS, pero el servidor habla SMTP sin cifrar al conectar "
                       "(espera STARTTLS)."),
    "use_ssl": _l("El servidor espera TLS desde el primer byte (SSL/TLS), pero ha elegido otra seguridad."),
    "certificate_invalid": _l("El certificado del servidor no es de confianza."),
    ("certificate_invalid", "hostname"): _l("El certificado del servidor no corresponde al nombre «%(host)s»."),
    ("certificate_invalid", "expired"): _l("El certificado del servidor ha caducado."),
    ("certificate_invalid", "self_signed"): _l("El certificado del servidor es autofirmado: ninguna autoridad "
                                               "lo garantiza."),
    ("certificate_invalid", "unknown_issuer"): _l("El certificado del servidor lo emitió una autoridad que "
                                                  "la tienda no conoce."),
    "starttls_unavailable": _l("Ha elegido STARTTLS, pero el servidor no lo ofrece: no se continúa sin cifrar."),
    "starttls_required": _l("El servidor exige cifrado (STARTTLS o SSL/TLS) antes de continuar."),
    ("starttls_required", "cleartext"): _l("La contraseña no se envía sin cifrar a %(host)s "
                                           "(dirección %(detail)s): «Ninguna» solo se admite con un "
                                           "servidor en esta misma máquina."),
    "auth_unavailable": _l("El servidor no ofrece un inicio de sesión utilizable."),
    "auth_failed": _l("El servidor rechazó el usuario o la contraseña."),
    "app_password_required": _l("El proveedor exige una contraseña de aplicación para esta cuenta."),
    "basic_auth_disabled": _l("El inicio de sesión con contraseña (SMTP AUTH) está desactivado para este "
                              "buzón o para su organización."),
    "sender_not_allowed": _l("Esta cuenta no puede enviar como «%(sender)s»."),
    "relay_denied": _l("El servidor se niega a aceptar el correo para reenviarlo (relay)."),
    "throttled": _l("El servidor limita temporalmente las conexiones o los envíos."),
    **OAUTH_MESSAGES,
    "server_error": _l("El servidor respondió con un error."),
    ("server_error", "tls"): _l("No se pudo establecer la conexión cifrada con el servidor."),
    ("server_error", "closed"): _l("El servidor cerró la conexión inesperadamente."),
    ("server_error", "too_long"): _l("El servidor envió una respuesta demasiado larga: se ha cortado la "
                                     "conexión."),
    ("server_error", "smtputf8"): _l("La dirección contiene caracteres internacionales y el servidor no "
                                     "admite SMTPUTF8."),
}

_HINTS = {
    "ok": _l("No hay nada que corregir."),
    ("ok", "partial"): _l("Indique la dirección de remitente (--from en la línea de órdenes) para probar también "
                          "el envío."),
    "dns_failure": _l("Revise el nombre del servidor SMTP: solo el nombre (p. ej. smtp.gmail.com o "
                      "smtp.office365.com), sin «https://», sin espacios. Su proveedor lo indica en su ayuda."),
    ("dns_failure", "timeout"): _l("Compruebe la conexión a Internet del servidor de la tienda y los "
                                   "servidores DNS que usa; si no sabe cómo, pida ayuda a quien lo administra."),
    "connection_refused": _l("Compruebe el puerto: 587 con STARTTLS o 465 con SSL/TLS. Un cortafuegos "
                             "también puede impedir la conexión."),
    "timeout": _l("Compruebe servidor y puerto: un cortafuegos puede estar descartando la conexión. "
                  "Muchos alojamientos bloquean el puerto 25; pruebe 587 (STARTTLS) o 465 (SSL/TLS)."),
    "use_starttls": _l("Elija Seguridad «STARTTLS» para este puerto (lo habitual en 587 y 25), o use el "
                       "puerto 465 con SSL/TLS."),
    "use_ssl": _l("Elija Seguridad «SSL/TLS» para este puerto (lo habitual en 465), o use el puerto 587 "
                  "con STARTTLS."),
    "certificate_invalid": _l("Escriba el nombre exacto del servidor que indica su proveedor (el que figura "
                              "en el certificado, no un alias ni una IP). Si el servidor usa una CA propia, "
                              "pida a quien administra el servidor de la tienda que la añada a la "
                              "configuración de shopmail. Desactive «Verificar certificado» solo en una red "
                              "de confianza."),
    "starttls_unavailable": _l("La contraseña no se envía sin cifrar. Pruebe SSL/TLS en el puerto 465, o "
                               "compruebe que el servidor y el puerto son los de envío (587)."),
    "starttls_required": _l("Elija Seguridad «STARTTLS» (puerto 587) o «SSL/TLS» (puerto 465)."),
    "auth_unavailable": _l("Compruebe que es el servidor de envío y el puerto 587 o 465: en el puerto 25 "
                           "muchos servidores no admiten inicio de sesión. Si el proveedor solo admite "
                           "OAuth, cree una contraseña de aplicación o use otro servidor."),
    "auth_failed": _l("Revise el usuario (a menudo es la dirección completa) y la contraseña. Si la cuenta "
                      "usa verificación en dos pasos, necesitará una contraseña de aplicación."),
    "app_password_required": _l("En Google: active la verificación en dos pasos, cree una contraseña de "
                                "aplicación en myaccount.google.com/apppasswords y escríbala aquí en lugar "
                                "de la contraseña habitual."),
    "basic_auth_disabled": _l("En Microsoft 365 un administrador debe activar «SMTP autenticado» para este "
                              "buzón (Centro de administración → Usuarios → Correo → Administrar "
                              "aplicaciones de correo electrónico) y permitirlo en la organización; los "
                              "valores predeterminados de seguridad también lo bloquean."),
    "sender_not_allowed": _l("Use como dirección de correo la del buzón con el que inicia sesión, o pida a "
                             "su proveedor permiso para enviar como esa dirección (en Microsoft 365, el "
                             "permiso «Enviar como»)."),
    "relay_denied": _l("Normalmente falta iniciar sesión: indique usuario y contraseña, o pida que el "
                       "servidor autorice la IP de la tienda para reenviar correo."),
    "throttled": _l("Espere unos minutos y vuelva a probar. Si se repite, revise los límites de envío de "
                    "su proveedor o si ha habido muchos intentos fallidos."),
    **OAUTH_HINTS,
    "server_error": _l("Revise los datos de la cuenta; si el error continúa, consulte a su proveedor con "
                       "la respuesta del servidor."),
}

#: The hints that name a panel control, as the CLI says them: its options instead of the form's fields.
_CLI_HINTS = {
    "use_starttls": _l("Use --security starttls para este puerto (lo habitual en 587 y 25), o --port 465 con "
                       "--security ssl."),
    "use_ssl": _l("Use --security ssl para este puerto (lo habitual en 465), o --port 587 con "
                  "--security starttls."),
    "certificate_invalid": _l("Indique en --host el nombre exacto del servidor que da su proveedor (el que "
                              "figura en el certificado, no un alias ni una IP). Si el servidor usa una CA "
                              "propia, añádala con SHOPMAIL_SMTP_CA_FILE. Use --no-verify-cert solo en una "
                              "red de confianza."),
    "starttls_required": _l("Use --security starttls (--port 587) o --security ssl (--port 465)."),
    "app_password_required": _l("En Google: active la verificación en dos pasos, cree una contraseña de "
                                "aplicación en myaccount.google.com/apppasswords e indíquela con --password "
                                "en lugar de la contraseña habitual."),
    **OAUTH_CLI_HINTS,
}

REASONS = tuple(key for key in _MESSAGES if isinstance(key, str))

_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
_SENDER_WORDS = ("sendas", "send as", "not owned", "sender address rejected", "not allowed to send",
                 "permission to send", "not authorized to send", "sender not allowed")
_ACCOUNT_REASONS = {"use_ssl", "use_starttls", "certificate_invalid", "starttls_unavailable",
                    "starttls_required", "auth_unavailable", "auth_failed", "app_password_required",
                    "basic_auth_disabled", "sender_not_allowed", "oauth_not_configured",
                    "oauth_consent_denied", "oauth_reconnect_required", "oauth_scope_missing"}
_TRANSIENT_REASONS = {"dns_failure", "connection_refused", "timeout", "throttled"}
#: Steps of the connection set-up; a 5xx there is about the account's settings, not one message.
SETUP_STEPS = ("dns", "connect", "tls", "greeting", "ehlo", "starttls", "auth")


def describe(reason: str, variant: str | None = None, **values) -> tuple[str, str]:
    """The Spanish message and hint for ``reason`` (optionally a ``variant`` of it).

    ``values`` fill the placeholders: host, port, seconds, detail, sender. A ``reply`` value (the
    server's own words) is appended to the message, so the admin sees what the server said.
    """
    message = _MESSAGES.get((reason, variant)) or _MESSAGES.get(reason) or _MESSAGES["server_error"]
    hint = _HINTS.get((reason, variant)) or _HINTS.get(reason) or _HINTS["server_error"]
    fill = {"host": "", "port": "", "seconds": "", "detail": "", "sender": ""}
    fill.update({key: value for key, value in values.items() if value is not None})
    text = str(message) % fill
    if values.get("reply"):
        text += " " + str(_l("Respuesta del servidor: «%(reply)s».")) % {"reply": values["reply"]}
    return text, str(hint)


def cli_hint(reason: str) -> str | None:
    """The hint for ``reason`` worded for the command line, where it differs from the panel's."""
    hint = _CLI_HINTS.get(reason)
    return str(hint) if hint is not None else None


def enhanced_code(text: str) -> str | None:
    """The RFC 3463 enhanced status code at the start of a reply's text, e.g. ``"5.7.8"``."""
    match = _ENHANCED.match(text or "")
    return match.group(1) if match else None


def reply_text(code: int | None, message) -> str:
    """One printable line for a reply: code and text, multi-line replies joined, control characters (NUL,
    escape sequences) removed, at most 300 characters."""
    text = clean(message, 300)
    line = f"{code} {text}" if code and code > 0 else text
    return line[:300]


def reason_for_reply(step: str, code: int, text: str) -> str:
    """The reason code for a negative reply ``code``/``text`` to the command of ``step``.

    Provider replies are recognised by their enhanced code first and their wording second (Gmail
    534 5.7.9 / 535 5.7.8; Microsoft 365 535 5.7.139, 550 5.7.30, 535 5.7.3, 550 5.7.60,
    554 5.2.252; 530 5.7.0; 553 5.7.1; 554/550 5.7.1 relay; 421, 432 4.3.2, 454 4.7.0, 450).
    """
    low = (text or "").lower()
    enhanced = enhanced_code(text)
    if 400 <= code < 500:
        return "throttled"
    if enhanced in ("5.7.139", "5.7.30") or "smtpclientauthentication is disabled" in low \
            or "basic authentication is disabled" in low or "basic authentication is not supported" in low:
        return "basic_auth_disabled"
    if enhanced in ("5.7.9", "5.7.14") or "application-specific password" in low or "app password" in low:
        return "app_password_required"
    if enhanced in ("5.7.60", "5.2.252") or any(word in low for word in _SENDER_WORDS):
        return "sender_not_allowed"
    if "relay" in low:
        return "relay_denied"
    if code in (530, 538) or enhanced == "5.7.11":
        if "tls" in low or "encrypt" in low or step in SETUP_STEPS:
            return "starttls_required"
        return "relay_denied" if "auth" in low else "starttls_required"
    if step == "auth":
        if code in (502, 504) or enhanced == "5.5.4" or code == 534:
            return "auth_unavailable"
        return "auth_failed" if code == 535 or (enhanced or "").startswith("5.7.") else "server_error"
    if enhanced == "5.7.1" and code in (550, 553, 554):
        if code == 553 or step == "mail_from":
            return "sender_not_allowed"
        if step == "rcpt_to":
            return "relay_denied"
    if code == 553 and step == "mail_from":
        return "sender_not_allowed"
    return "server_error"


def kind_of(reason: str, code: int | None, step: str, text: str = "") -> str:
    """Whether a failure is ``transient``, ``permanent`` (this message only) or about the ``account``.

    Any 4xx reply, a timeout or a dropped connection is worth retrying. A 5xx while setting up the
    connection is about the account's settings. During a real send, a 5xx for one recipient or one
    message (550 5.1.1, a 5.7.1 content rejection) is permanent for that message only, unless the
    wording says relaying or the sender is refused, which no other message would escape either.
    """
    if code is not None and 400 <= code < 500:
        return TRANSIENT
    if reason in _TRANSIENT_REASONS:
        return TRANSIENT
    if reason == "relay_denied":
        return ACCOUNT if "relay" in (text or "").lower() or step in SETUP_STEPS + ("mail_from",) else PERMANENT
    if reason in _ACCOUNT_REASONS:
        return ACCOUNT
    if code is None:
        return TRANSIENT
    if step in SETUP_STEPS:
        return ACCOUNT
    if step == "mail_from" and code != 552 and not (enhanced_code(text) or "").startswith("5.3."):
        return ACCOUNT
    return PERMANENT


def certificate_problem(exc: ssl.SSLCertVerificationError) -> tuple[str | None, str]:
    """(message variant, detail) for a certificate that failed verification; the detail is OpenSSL's own
    words, for the technical details (the message says it in the admin's language)."""
    text = exc.verify_message or exc.reason or str(exc)
    low = text.lower()
    if "mismatch" in low:
        return "hostname", text
    if "expired" in low:
        return "expired", text
    if "self-signed" in low or "self signed" in low:
        return "self_signed", text
    if "local issuer" in low:
        return "unknown_issuer", text
    return None, text


class SMTPFailure(Exception):
    """A connection or a send failed. ``kind`` is "transient", "permanent" or "account"."""

    def __init__(self, reason, message, *, hint="", smtp_code=None, enhanced_code=None, step="",
                 detail="", kind=None, variant=None, values=None):
        super().__init__(message)
        # What ``describe`` was given, so the message can be said again in another language (delivery notes).
        self.variant, self.values = variant, dict(values or {})
        self.reason, self.message, self.hint = reason, message, hint
        self.smtp_code, self.enhanced_code = smtp_code, enhanced_code
        self.step, self.detail = step, detail
        self.kind = kind or kind_of(reason, smtp_code, step, detail)

    def __str__(self):
        return f"{self.reason}: {self.message}"


def send_failure(exc: Exception) -> SMTPFailure:
    """The SMTPFailure for an error raised by ``send_message``; see ``connection.classify_send_error``."""
    if isinstance(exc, SMTPFailure):
        return exc
    step, code, message = "data", None, b""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        step = "rcpt_to"
        code, message = next(iter(exc.recipients.values()))
    elif isinstance(exc, smtplib.SMTPResponseException):
        step = {smtplib.SMTPSenderRefused: "mail_from", smtplib.SMTPAuthenticationError: "auth"}.get(
            type(exc), "data")
        code, message = exc.smtp_code, exc.smtp_error
    if code is not None and code > 0:
        reply = reply_text(code, message)
        reason = reason_for_reply(step, code, reply.partition(" ")[2])
        text, hint = describe(reason, reply=reply)
        return SMTPFailure(reason, text, hint=hint, smtp_code=code, step=step, detail=reply,
                           enhanced_code=enhanced_code(reply.partition(" ")[2]))
    kind, variant, reason = TRANSIENT, "closed", "server_error"
    if isinstance(exc, ssl.SSLCertVerificationError):
        kind, reason, (variant, _detail) = ACCOUNT, "certificate_invalid", certificate_problem(exc)
    elif isinstance(exc, TimeoutError):
        reason, variant = "timeout", "send"
    elif isinstance(exc, UnicodeError):  # something in this message only SMTPUTF8 could carry
        kind, variant = PERMANENT, "smtputf8"
    elif isinstance(exc, ssl.SSLError):
        variant = "tls"
    detail = clean(str(exc), 300)
    text, hint = describe(reason, variant, detail=detail)
    return SMTPFailure(reason, text, hint=hint, step=step, detail=detail, kind=kind, variant=variant,
                       values={"detail": detail})
