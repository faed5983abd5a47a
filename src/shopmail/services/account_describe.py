"""How accounts are shown and described: status badge words, the JSON shape, audit summaries."""

from __future__ import annotations

import datetime as dt

from shopmail.core import audit
from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.text import stored_data
from shopmail.delivery import limits
from shopmail.smtp.reason_titles import title


def status(account: Account) -> tuple[str, str]:
    """(badge level, words in the viewer's language) for the library's status column; the reason code
    itself is for JSON and the technical details."""
    if account.held_reason:
        return "bad", _("Retenida: %(r)s", r=title(account.held_reason))
    if account.last_test_at is None:
        return "muted", _("Sin probar")
    when = account.last_test_at.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M")
    if account.last_test_ok:
        return "ok", _("Prueba correcta · %(w)s", w=when)
    return "bad", _("Prueba fallida: %(r)s · %(w)s", r=title(account.last_test_reason), w=when)


def test_summary(account: Account) -> str:
    """The last test in one line, put into words now (stored as data; a line stored as text by an older
    version is shown as it is)."""
    raw = account.last_test_summary
    data = stored_data(raw)
    if data is None:
        return raw or ""
    if not data.get("ok"):
        return _("Fallida: %(r)s.", r=title(data.get("reason")))
    if not data.get("ms"):
        return _("Prueba superada al guardar.")
    tls = f", {data['tls']}" if data.get("tls") else ""
    if data.get("partial"):
        return _("Parcial en %(ms)d ms%(tls)s: no se probó el envío.", ms=data["ms"], tls=tls)
    return _("Correcta en %(ms)d ms%(tls)s.", ms=data["ms"], tls=tls)


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
        "send_limit_per_minute": account.send_limit_per_minute, "send_limit_per_day": account.send_limit_per_day,
        **usage(account),
    }


def usage(account: Account) -> dict:
    """What the account sent in the current windows, next to its limits: messages in the last minute and
    recipients in the last 24 hours (counted only for an account with limits; otherwise null)."""
    if limits.Limits.of(account) is None:
        return {"sent_last_minute": None, "sent_last_day": None}
    found = limits.usage(account.id)
    return {"sent_last_minute": found.last_minute, "sent_last_day": found.last_day}


def audit_save(account: Account | None, values, new_password: bool) -> None:
    """Record a creation or the fields that change (the password only as "changed"), as data: the audit
    page puts it into words in the viewer's language. ``summary`` keeps a plain line for old readers."""
    if account is None:
        audit.record("account.created", values.address,
                     f"{values.address} ({values.host}:{values.port} {values.security})",
                     address=values.address, host=values.host, port=values.port, security=values.security)
        return
    fields = {"address": values.address, "display_name": values.display_name, "username": values.login,
              "host": values.host, "port": values.port, "security": values.security,
              "verify_cert": values.verify_cert, "send_limit_per_minute": values.limit_per_minute,
              "send_limit_per_day": values.limit_per_day}
    changes = {f: [getattr(account, f), v] for f, v in fields.items() if getattr(account, f) != v}
    summary = "; ".join(f"{f}: {old!r} → {new!r}" for f, (old, new) in changes.items())
    audit.record("account.changed", account.address, f"{account.address}: " + (summary or "-"),
                 address=account.address, account_id=account.id, changes=changes,
                 password_changed=bool(new_password))
