"""What admins, a passed test or the worker may do with messages already in the outbox.

Each change of status is one conditional UPDATE, so a worker and an admin never overwrite each other.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy import update

from shopmail.core import audit
from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.core.text import clean
from shopmail.core.text import clean_or_none
from shopmail.delivery import notes
from shopmail.delivery import wake
from shopmail.delivery.statuses import CANCELLED
from shopmail.delivery.statuses import FAILED
from shopmail.delivery.statuses import HELD
from shopmail.delivery.statuses import QUEUED
from shopmail.delivery.statuses import RETRY
from shopmail.delivery.statuses import SIMULATED


class ActionRefused(Exception):
    """An admin action does not apply to the message as it is now; the message says why, in Spanish."""


#: SHOPMAIL_SIMULATION_LOCK, read in one place (core.settings); here for the admin actions below.
simulation_locked = settings.simulation_locked


def _change(message_id: int, allowed: tuple[str, ...], action: str | None = None, **values) -> bool:
    """Move one message out of ``allowed`` statuses atomically; False if it was not in one.
    ``action`` (e.g. "outbox.released") is written to the audit log in the same transaction. A message
    queued again wakes delivery at commit, exactly as new mail does (thread, workers, Celery or RQ)."""
    t = OutboxMessage.__table__
    result = session().execute(update(t).where(t.c.id == message_id, t.c.status.in_(allowed))
                               .values(updated_at=utcnow(), **values))
    if result.rowcount == 1 and values.get("status") == QUEUED:
        wake.after_commit([message_id])
    if result.rowcount == 1 and action:
        row = session().get(OutboxMessage, message_id)
        audit.record(action, str(message_id), f"{row.kind}: {row.subject} → {', '.join(row.recipients)}",
                     message_id=message_id, kind=row.kind, subject=row.subject, recipients=list(row.recipients))
    session().commit()
    return result.rowcount == 1


def _get_or_refuse(message_id: int) -> OutboxMessage:
    row = session().get(OutboxMessage, message_id)
    if row is None:
        raise ActionRefused(_("No existe el envío %(id)s.", id=message_id))
    return row


def release(message_id: int) -> None:
    """Liberar: a simulated message goes out for real (simulated → queued). Refused while simulation is
    on (the lock or the saved switch): the worker would only keep it again."""
    row = _get_or_refuse(message_id)
    if simulation_locked():
        raise ActionRefused(_("SHOPMAIL_SIMULATION_LOCK está activo: no se puede liberar ningún correo."))
    if settings.simulating_now():
        raise ActionRefused(_("El modo simulación está activo: desactívelo en Comunicaciones antes de liberar "
                              "un correo."))
    if not _change(row.id, (SIMULATED,), "outbox.released", status=QUEUED, next_attempt_at=utcnow(), **notes.CLEARED):
        raise ActionRefused(_("Solo se puede liberar un correo simulado."))


def retry(message_id: int) -> None:
    """Reintentar: a failed message is queued again (attempts start over)."""
    row = _get_or_refuse(message_id)
    if not _change(row.id, (FAILED,), "outbox.retried", status=QUEUED, attempts=0, next_attempt_at=utcnow()):
        raise ActionRefused(_("Solo se puede reintentar un correo fallido."))


def cancel(message_id: int) -> None:
    """Cancelar: a message waiting to go out (pending, retrying or held) never will."""
    row = _get_or_refuse(message_id)
    if not _change(row.id, (QUEUED, RETRY, HELD), "outbox.cancelled", status=CANCELLED):
        raise ActionRefused(_("Solo se puede cancelar un correo pendiente, retenido o en reintento."))


def hold_account(account_id: int, reason: str, note: notes.Note) -> None:
    """Flag an account that cannot send (login, TLS, sender refused): its mail waits as ``held``, with
    ``note`` (the failure as data). The account keeps the reason code and the server's own reply.

    No version bump, so an admin editing the account meanwhile gets no false conflict.
    """
    t = Account.__table__
    session().execute(update(t).where(t.c.id == account_id).values(held_reason=clean(reason, 40),
                                                                    held_detail=clean_or_none(note.reply)))
    hold_waiting(account_id, note)
    session().commit()


def hold_waiting(account_id: int | None, note: notes.Note) -> int:
    """Every message waiting to go out now waits as ``held`` (``account_id``: the account at fault,
    None when no sending account is chosen). No commit."""
    o = OutboxMessage.__table__
    result = session().execute(update(o).where(o.c.status.in_((QUEUED, RETRY)))
                               .values(status=HELD, account_id=account_id, updated_at=utcnow(), **note.columns()))
    return result.rowcount


def resume_account(account_id: int) -> int:
    """After a passing SMTP test: clear the account's flag (and its temporary failures: as sending account it
    takes over from the backup) and send its held mail. Commits.

    Returns how many held messages were queued again (only when it is the sending account).
    """
    t = Account.__table__
    session().execute(update(t).where(t.c.id == account_id)
                      .values(held_reason=None, held_detail=None, failing_since=None))
    released = 0
    if settings.get().sending_account_id == account_id:
        released = release_held()
    session().commit()
    return released


def release_held() -> int:
    """Queue every held message again (the sending account is usable now). No commit; delivery is woken at
    commit (a task handed a few of the ids sends everything due, so a few are enough)."""
    o = OutboxMessage.__table__
    now = utcnow()
    some = list(session().scalars(select(o.c.id).where(o.c.status == HELD).order_by(o.c.id).limit(100)))
    if not some:
        return 0
    result = session().execute(update(o).where(o.c.status == HELD)
                               .values(status=QUEUED, next_attempt_at=now, updated_at=now, **notes.CLEARED))
    wake.after_commit(some)
    return result.rowcount


def simulate_held(note: notes.Note) -> int:
    """Simulation is on: held mail will not wait to go out, it stays on the server (held → simulated).
    No commit."""
    o = OutboxMessage.__table__
    result = session().execute(update(o).where(o.c.status == HELD)
                               .values(status=SIMULATED, updated_at=utcnow(), **note.columns()))
    return result.rowcount
