"""How accounts are shown and described: status badge words, the JSON shape, audit summaries."""

from __future__ import annotations

import datetime as dt

from shopmail.core import audit
from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account


def status(account: Account) -> tuple[str, str]:
    """(badge level, Spanish words) for the library's status column."""
    if account.held_reason:
        return "bad", _("Retenida: %(r)s", r=account.held_reason)
    if account.last_test_at is None:
        return "muted", _("Sin probar")
    when = account.last_test_at.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M")
    if account.last_test_ok:
        return "ok", _("Prueba correcta · %(w)s", w=when)
    return "bad", _("Prueba fallida (%(r)s) · %(w)s", r=account.last_test_reason, w=when)


def in_use(account: Account) -> bool:
    """Whether ``account`` is the sending account chosen in Comunicaciones."""
    return settings.get().sending_account_id == account.id


def to_dict(account: Account) -> dict:
    """The JSON shape of docs/reference.md — never the password."""
    last = None
    if account.last_test_at is not None:
        last = {"ok": bool(account.last_test_ok), "reason": account.last_test_reason,
                "at": account.last_test_at.isoformat()}
    return {
        "id": account.id, "address": account.address, "display_name": account.display_name,
        "username": account.username, "host": account.host, "port": account.port,
        "security": account.security, "verify_cert": account.verify_cert,
        "in_use": in_use(account), "last_test": last, "auth": account.auth or "password",
    }


def audit_save(account: Account | None, values, new_password: bool) -> None:
    """Record a creation or the fields that change (the password only as "changed")."""
    if account is None:
        audit.record("account.created", "cuenta nueva",
                     f"{values.address} ({values.host}:{values.port} {values.security})")
        return
    fields = {"address": values.address, "display_name": values.display_name, "username": values.login,
              "host": values.host, "port": values.port, "security": values.security,
              "verify_cert": values.verify_cert}
    changed = [f"{f}: {getattr(account, f)!r} → {v!r}" for f, v in fields.items() if getattr(account, f) != v]
    if new_password:
        changed.append("contraseña cambiada")
    audit.record("account.changed", f"cuenta {account.id}", f"{account.address}: " + ("; ".join(changed) or "sin cambios"))
