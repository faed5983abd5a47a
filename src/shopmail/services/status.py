"""How the e-mail set-up is doing, for `flask shopmail status` and the status page."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from flask import g
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import ngettext
from shopmail.core.models import Account
from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.models import WorkerHeartbeat
from shopmail.core.state import session
from shopmail.delivery import claim
from shopmail.delivery import events
from shopmail.delivery import failover
from shopmail.delivery import statuses
from shopmail.services import doctor
from shopmail.services.account_describe import usage as account_usage
from shopmail.services.alerts import open_alerts

#: Mail waiting longer than this (not held: queued, retrying or being sent) means delivery is stuck.
STALE_AFTER = dt.timedelta(minutes=5)
_RANK = {"ok": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Problem:
    """Something that keeps mail from flowing (or may): ``code`` for scripts, ``message`` for people."""

    code: str
    level: str  # "warning" | "error"
    message: str
    #: "flow" (whether mail goes out now) or "setup" (the configuration and the sender domain's DNS, as the
    #: doctor checks them without testing the account).
    area: str = "flow"

    def to_dict(self) -> dict:
        return {"code": self.code, "level": self.level, "message": self.message, "area": self.area}


@dataclass(frozen=True)
class Status:
    sending_account: dict | None
    simulation: bool
    simulation_locked: bool
    queue_depth: int
    held: int
    oldest_waiting_at: dt.datetime | None
    failures_24h: int
    sent_24h: int
    last_worker_heartbeat: dt.datetime | None
    workers_alive: int
    alerts: tuple = ()
    retrying: int = 0
    problems: tuple[Problem, ...] = ()

    @property
    def level(self) -> str:
        """"ok" (mail flows: the home page may be green), "warning" or "error"."""
        return max((p.level for p in self.problems), key=_RANK.get, default="ok")

    def to_dict(self) -> dict:
        def iso(value):
            return value.isoformat() if value else None

        return {
            "sending_account": self.sending_account, "simulation": self.simulation,
            "simulation_locked": self.simulation_locked, "queue_depth": self.queue_depth, "held": self.held,
            "oldest_waiting_at": iso(self.oldest_waiting_at), "failures_24h": self.failures_24h,
            "sent_24h": self.sent_24h, "last_worker_heartbeat": iso(self.last_worker_heartbeat),
            "workers_alive": self.workers_alive, "retrying": self.retrying, "level": self.level,
            "problems": [problem.to_dict() for problem in self.problems],
            "alerts": [{"key": a.key, "message": a.message, "count": a.count, "since": iso(a.created_at)}
                       for a in self.alerts],
        }


def status(now: dt.datetime | None = None) -> Status:
    """A handful of aggregate queries: constant cost whatever the size of the outbox. Read once per app
    context (a request, a CLI command): the home page's cards all show this one verdict."""
    if now is None and "shopmail_status" in g:
        return g.shopmail_status
    found = _read(now or utcnow())
    if now is None:
        g.shopmail_status = found
    return found


def _read(now: dt.datetime) -> Status:
    snap = settings.get()
    account = settings.sending_account(snap)
    sending = None
    if account is not None:
        sending = {"id": account.id, "address": account.address, "held_reason": account.held_reason,
                   "last_test": None if account.last_test_at is None else {
                       "ok": bool(account.last_test_ok), "reason": account.last_test_reason,
                       "at": account.last_test_at.isoformat()},
                   "send_limit_per_minute": account.send_limit_per_minute,
                   "send_limit_per_day": account.send_limit_per_day, **account_usage(account)}
    counts = dict(session().execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.status.in_(statuses.WAITING))
        .group_by(OutboxMessage.status)).all())
    oldest = session().scalar(select(func.min(OutboxMessage.created_at))
                              .where(OutboxMessage.status.in_(statuses.WAITING)))
    day_ago = now - dt.timedelta(hours=24)
    recent = dict(session().execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_((statuses.FAILED, statuses.SENT)), OutboxMessage.updated_at >= day_ago)
        .group_by(OutboxMessage.status)).all())
    last_beat = session().scalar(select(func.max(WorkerHeartbeat.last_seen_at)))
    alive = session().scalar(select(func.count()).select_from(WorkerHeartbeat)  # a `--once` run has ended
                             .where(WorkerHeartbeat.last_seen_at >= now - dt.timedelta(minutes=2),
                                    WorkerHeartbeat.name.not_like(f"%{claim.ONE_PASS}")))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    if last_beat is not None and last_beat.tzinfo is None:
        last_beat = last_beat.replace(tzinfo=dt.UTC)
    found = Status(sending, snap.simulation, snap.simulation_locked, sum(counts.values()),
                   counts.get(statuses.HELD, 0), oldest, recent.get(statuses.FAILED, 0), recent.get(statuses.SENT, 0),
                   last_beat, alive or 0, tuple(open_alerts()), counts.get(statuses.RETRY, 0))
    stale_since = session().scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status.in_((statuses.QUEUED, statuses.RETRY, statuses.SENDING))))
    if stale_since is not None and stale_since.tzinfo is None:
        stale_since = stale_since.replace(tzinfo=dt.UTC)
    setup = [Problem(f"check_{check.name}", check.level, check.message, "setup")
             for check in doctor.setup_checks(account) if check.level != "ok"]
    backup = settings.backup_account(snap)
    return dataclasses.replace(found, problems=tuple(problems(found, account, stale_since, now, backup) + setup))


def problems(found: Status, account: Account | None, stale_since, now: dt.datetime,
             backup: Account | None = None) -> list[Problem]:
    """What keeps the home page from being green: the one verdict the cards, the Estado page and
    `flask shopmail status` share. Green means a sending account exists, passed its last test, is not
    held, and no mail is held, failing, retrying or waiting longer than ``STALE_AFTER``."""
    found_problems = []

    def add(code, level, message):
        found_problems.append(Problem(code, level, message))

    if account is None:
        add("no_account", "error", _("No hay cuenta de envío: ningún correo puede salir."))
    elif failover.standing_in(account, backup):
        add("backup_in_use", "warning", _("La cuenta de envío %(a)s no puede enviar ahora: el correo sale por la "
                                          "cuenta de respaldo %(b)s.", a=account.address, b=backup.address))
        if account.held_reason:
            add("account_held", "error", _("La cuenta de envío %(a)s necesita atención: pruébela en Cuentas de "
                                           "correo para que vuelva a enviar ella.", a=account.address))
    elif account.held_reason:
        add("account_held", "error", _("La cuenta de envío %(a)s necesita atención: su correo está retenido.",
                                       a=account.address))
    elif not account.last_test_ok:
        add("account_untested", "error", _("La cuenta de envío %(a)s no ha superado su última prueba SMTP.",
                                           a=account.address))
    if found.held:
        add("mail_held", "error", ngettext("%(num)d correo retenido.", "%(num)d correos retenidos.", found.held))
    if stale_since is not None and now - stale_since > STALE_AFTER:
        minutes = int((now - stale_since).total_seconds() // 60)
        add("queue_stale", "error", ngettext(
            "Hay correo esperando desde hace %(num)d minuto: el envío no avanza.",
            "Hay correo esperando desde hace %(num)d minutos: el envío no avanza.", minutes))
    if found.retrying:
        add("mail_retrying", "warning", ngettext(
            "%(num)d correo no se pudo entregar todavía y se reintentará.",
            "%(num)d correos no se pudieron entregar todavía y se reintentarán.", found.retrying))
    if found.failures_24h:
        add("mail_failing", "warning", ngettext("%(num)d envío fallido en las últimas 24 horas.",
                                                "%(num)d envíos fallidos en las últimas 24 horas.",
                                                found.failures_24h))
    if found.simulation:
        add("simulation", "warning", _("Modo simulación activo: ningún correo llega a sus destinatarios."))
    return found_problems


def beat(name: str, processed: int = 0) -> None:
    """Record a worker's sign of life (called by the delivery worker; commits)."""
    row = session().get(WorkerHeartbeat, name)
    if row is None:
        row = WorkerHeartbeat(name=name, processed=0)
        session().add(row)
    row.last_seen_at = utcnow()
    row.processed = (row.processed or 0) + processed
    session().commit()


@events.worker_beat.connect
def _on_worker_beat(sender, owner, processed, **extra) -> None:
    beat(owner, processed)


@events.worker_stopped.connect
def _on_worker_stopped(sender, owner, **extra) -> None:
    """A worker that stopped cleanly is not counted as alive for the next two minutes."""
    session().execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == owner))
    session().commit()
