"""Ajustes generales → Comunicaciones: an immutable, cached snapshot, and the one way to save it.

The cached value lives under a key that includes a *generation* token. ``save()`` commits, then
installs a new random generation; a reader that loaded the old row before the commit can only write it
under the old generation, which nobody reads any more, so a stale value is never served after a save.
Within one request the snapshot is kept in ``g`` (no cache round trip).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app
from flask import g
from flask import has_app_context
from sqlalchemy import select

from shopmail.core import audit
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.models import MAX_ID
from shopmail.core.models import Settings
from shopmail.core.state import clear_cache as clear
from shopmail.core.state import session
from shopmail.core.state import state

_GENERATION = "settings:generation"
# Snapshots already fetched by this process, by (app, generation): a hit costs one cache read.
_MEMO: dict[tuple[int, str], Snapshot] = {}


@dataclass(frozen=True)
class Snapshot:
    """What the shop and the services read. ``simulation`` already applies the lock."""

    sending_account_id: int | None
    contact_email: str
    admin_emails: tuple[str, ...]
    simulation: bool
    simulation_saved: bool
    simulation_locked: bool
    version: int
    backup_account_id: int | None = None

    def to_dict(self) -> dict:
        """The JSON shape of docs/reference.md."""
        return {
            "sending_account_id": self.sending_account_id,
            "contact_email": self.contact_email,
            "admin_emails": list(self.admin_emails),
            "simulation": self.simulation,
            "simulation_locked": self.simulation_locked,
            "backup_account_id": self.backup_account_id,
        }


class Conflict(Exception):
    """Someone saved the settings since this form was loaded."""


class SettingsError(ValueError):
    """A value was refused; ``field`` says which one."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def simulation_locked() -> bool:
    """SHOPMAIL_SIMULATION_LOCK: wins over every setting and every admin action."""
    return bool(current_app.config.get("SHOPMAIL_SIMULATION_LOCK"))


def simulating_now() -> bool:
    """Whether mail may leave at this instant: False only when neither the lock nor the switch *as saved in
    the database now* holds it. Read past every cache, so a worker sees a save made a moment ago in another
    process. Called by delivery right before it connects (the one place that decides)."""
    if simulation_locked():
        return True
    return bool(session().scalar(select(Settings.simulation).order_by(Settings.id).limit(1)))


def _first_row() -> Settings | None:
    return session().scalars(select(Settings).order_by(Settings.id).limit(1)).first()


def _row() -> tuple[Settings, int]:
    """The settings row (created on first use) and the version a form would have seen (0 before)."""
    row = _first_row()
    if row is None:
        row = Settings(contact_email="", admin_emails=[], simulation=False)
        session().add(row)
        return row, 0
    return row, row.version


def _fields(row: Settings | None) -> dict:
    """What is cached: the row's own values (the lock is configuration, applied on reading)."""
    if row is None:
        return {"sending_account_id": None, "contact_email": "", "admin_emails": [], "simulation": False,
                "version": 0, "backup_account_id": None}
    return {"sending_account_id": row.sending_account_id, "backup_account_id": row.backup_account_id,
            "contact_email": row.contact_email or "",
            "admin_emails": list(row.admin_emails or ()), "simulation": bool(row.simulation),
            "version": row.version or 0}


def _snapshot(fields: dict) -> Snapshot:
    locked = simulation_locked()
    return Snapshot(
        sending_account_id=fields["sending_account_id"],
        contact_email=fields["contact_email"],
        admin_emails=tuple(fields["admin_emails"]),
        simulation=fields["simulation"] or locked,
        simulation_saved=fields["simulation"],
        simulation_locked=locked,
        version=fields["version"],
        backup_account_id=fields.get("backup_account_id"),
    )


def _generation(cache) -> str:
    token = cache.get(_GENERATION)
    if token is None:
        cache.add(_GENERATION, uuid.uuid4().hex, timeout=0)
        token = cache.get(_GENERATION)
    return token


def get() -> Snapshot:
    """The current settings: from ``g``, else the cache, else the database."""
    if has_app_context() and "shopmail_settings" in g:
        return g.shopmail_settings
    cache = state().cache
    token = _generation(cache)
    memo_key = (id(current_app._get_current_object()), token)
    if memo_key in _MEMO:
        snap = _MEMO[memo_key]
        g.shopmail_settings = snap
        return snap
    fields = cache.get(f"settings:{token}") if token else None
    if fields is None:
        fields = _fields(_first_row())
        if token:
            cache.set(f"settings:{token}", fields, timeout=0)
    snap = _snapshot(fields)
    if token:
        _MEMO.clear()  # only the newest generation is worth keeping
        _MEMO[memo_key] = snap
    g.shopmail_settings = snap
    return snap


def sending_account(snap: Snapshot | None = None) -> Account | None:
    """The sending account chosen in Comunicaciones (None when none is chosen): the one lookup of it."""
    snap = snap or get()
    return session().get(Account, snap.sending_account_id) if snap.sending_account_id else None


def backup_account(snap: Snapshot | None = None) -> Account | None:
    """The Cuenta de respaldo chosen in Comunicaciones (None when none is chosen): the one lookup of it."""
    snap = snap or get()
    return session().get(Account, snap.backup_account_id) if snap.backup_account_id else None


def invalidate() -> None:
    """Make every process read the settings afresh (a new generation)."""
    state().cache.set(_GENERATION, uuid.uuid4().hex, timeout=0)
    g.pop("shopmail_settings", None)


def save(expected_version: int | None = None, **changes) -> Snapshot:
    """Validate and store ``changes`` (any of sending_account_id, backup_account_id, contact_email,
    admin_emails, simulation), commit, then invalidate the cache. ``expected_version`` guards against stale forms."""
    row, seen_version = _row()
    if expected_version is not None and seen_version != expected_version:
        session().rollback()
        raise Conflict()
    for field in ("sending_account_id", "backup_account_id"):
        if field in changes:
            _check_sending_account(changes[field], field)
    sending = changes.get("sending_account_id", row.sending_account_id)
    if sending is not None and changes.get("backup_account_id", row.backup_account_id) == sending:
        session().rollback()
        raise SettingsError("backup_account_id", _("La cuenta de respaldo debe ser distinta de la cuenta de envío."))
    if changes.get("simulation") is False and simulation_locked():
        changes.pop("simulation")
    _audit(row, changes)
    for field, value in changes.items():
        setattr(row, field, list(value) if field == "admin_emails" else value)
    session().commit()
    invalidate()
    return get()


def _audit(row: Settings, changes: dict) -> None:
    """Record what changes, field by field (old → new), in the same transaction."""
    changed = {f: [getattr(row, f), list(v) if f == "admin_emails" else v] for f, v in changes.items()
               if (list(getattr(row, f) or []) if f == "admin_emails" else getattr(row, f)) != v}
    simulation = changed.pop("simulation", None)
    if simulation is not None:
        audit.record("simulation.on" if simulation[1] else "simulation.off", "settings",
                     "simulation: on" if simulation[1] else "simulation: off")
    if changed:
        audit.record("settings.changed", "settings",
                     "; ".join(f"{f}: {old!r} → {new!r}" for f, (old, new) in changed.items()), changes=changed)


def _check_sending_account(account_id: int | None, field: str = "sending_account_id") -> None:
    """The sending account and the backup alike: an existing account whose last SMTP test passed."""
    if account_id is None:
        return
    account = session().get(Account, account_id) if 1 <= account_id <= MAX_ID else None
    if account is None:
        raise SettingsError(field, _("La cuenta elegida ya no existe."))
    if not account.last_test_ok:
        raise SettingsError(field,
                            _("La cuenta %(a)s no ha superado la prueba SMTP: pruébela antes de elegirla.",
                              a=account.address))


def clear_cache() -> None:
    """Vaciar caché: empty shopmail's whole cache namespace."""
    clear()
    g.pop("shopmail_settings", None)
