"""The AUTH step of a :class:`~shopmail.smtp.connection.Conversation`: which mechanism, and exactly one
attempt. A password logs in with PLAIN (else LOGIN); a bearer token with XOAUTH2. Refused before any
attempt: a server without AUTH, or a login in clear text to anything but loopback."""

from __future__ import annotations

import time

from shopmail.core.i18n import gettext as _
from shopmail.smtp import reasons
from shopmail.smtp import sockets
from shopmail.smtp.oauth_reasons import xoauth2_reason


def login(conversation) -> None:
    """Log ``conversation`` (EHLO done, TLS when asked for) in; raises SMTPFailure, step ``auth``."""
    since = time.monotonic()
    smtp, target = conversation.smtp, conversation.target
    if not smtp.has_extn("auth"):
        if conversation.tls is None and smtp.has_extn("starttls"):
            raise conversation.fail("auth", "starttls_required", since,
                                    detail=_("el servidor solo permite iniciar sesión tras STARTTLS"))
        raise conversation.fail("auth", "auth_unavailable", since, detail="AUTH no ofrecido")
    if conversation.tls is None and not sockets.is_loopback_address(conversation.address):
        # Judged on the address connected to, not the name: "x.localhost" may resolve anywhere.
        raise conversation.fail("auth", "starttls_required", since, variant="cleartext",
                                detail=f"{conversation.address}")
    offered = smtp.esmtp_features["auth"].upper().split()
    if target.bearer_token:
        _xoauth2(conversation, since, offered)
        return
    mechanism = next((name for name in ("PLAIN", "LOGIN") if name in offered), None)
    if mechanism is None:
        raise conversation.fail("auth", "auth_unavailable", since, detail="solo ofrece " + " ".join(offered))
    conversation.command("auth", (235, 503), lambda: sockets.authenticate(
        smtp, mechanism, target.login, target.password), lambda reply: f"AUTH {mechanism} → {reply}")


def _xoauth2(conversation, since: float, offered: list[str]) -> None:
    """ONE AUTH XOAUTH2 with the bearer token; a refusal says whether to reconnect or grant the scope."""
    if "XOAUTH2" not in offered:
        raise conversation.fail("auth", "auth_unavailable", since, variant="xoauth2", detail=" ".join(offered))
    try:
        conversation.smtp.sock.settimeout(conversation.remaining())
        code, message, problem = sockets.authenticate_xoauth2(
            conversation.smtp, conversation.target.login, conversation.target.bearer_token)
    except Exception as exc:  # every failure is reported as a reason, never as a crash
        raise conversation.fail_exception("auth", since, exc) from None
    if conversation.cut_short:
        raise conversation.fail("auth", "timeout", since, detail=_("sin respuesta completa a tiempo"))
    reply = reasons.reply_text(code, message)
    if code not in (235, 503):
        reason = xoauth2_reason(reasons.reason_for_reply("auth", code, reply.partition(" ")[2]), problem)
        raise conversation.fail("auth", reason, since, code=code, reply=reply)
    conversation.record("auth", True, since, f"AUTH XOAUTH2 → {reply}")
