"""Running delivery: ``flask shopmail worker`` (a loop, SIGTERM-safe) and sending one message now.

``deliver_now`` is what "Enviar correo de prueba" uses: the message was queued like any other and is
then claimed and sent by exactly the worker's code, so its outcome is the outcome of the real path.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import asdict
from dataclasses import dataclass

from flask import current_app

from shopmail.core.config import setting
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.delivery import actions
from shopmail.delivery import claim
from shopmail.delivery import events
from shopmail.delivery import notes
from shopmail.delivery import outbox
from shopmail.delivery import statuses
from shopmail.delivery import worker
from shopmail.delivery.listen import Waker


@dataclass(frozen=True)
class Outcome:
    """How sending one message went, in words for the admin. ``ok``: sent, or kept by simulation."""

    ok: bool
    status: str
    message: str
    outbox_id: int | None
    message_id: str
    detail: str | None = None

    def to_dict(self) -> dict:
        """The JSON of `flask shopmail send-test --json`."""
        return asdict(self)


def deliver_now(queued: outbox.Queued) -> Outcome:
    """Send one committed outbox message at once through the worker's code and say how it went.

    A flagged sending account is tried anyway: when the message gets through, the flag is cleared
    and the account's held mail goes out.
    """
    if queued.status == statuses.SIMULATED:  # decided when it was queued (simulation or the lock)
        return Outcome(True, queued.status, _("Modo simulación activo: el correo se ha guardado en el Registro "
                                              "de envíos y no se ha enviado."), queued.id, queued.message_id)
    worker.deliver_due(batch=1, only=[queued.id], ignore_flag=True)
    row = _settled(queued.id)
    if row.status == statuses.SENT:
        account = session().get(Account, row.account_id) if row.account_id else None
        if account is not None and account.held_reason:
            actions.resume_account(account.id)
        return Outcome(True, row.status, _("Correo enviado a %(to)s desde %(sender)s.",
                                           to=", ".join(row.recipients), sender=row.sent_from),
                       row.id, row.message_id, notes.of(row) or None)
    messages = {
        statuses.HELD: _("El correo está retenido: %(e)s"),
        statuses.RETRY: _("El servidor no aceptó el correo por ahora; se reintentará solo. %(e)s"),
        statuses.FAILED: _("El servidor rechazó el correo: %(e)s"),
        statuses.SIMULATED: _("El correo se ha guardado sin enviar: %(e)s"),
    }
    note = notes.of(row)
    text = messages.get(row.status, _("Estado del envío: %(e)s")) % {"e": note or row.status}
    return Outcome(False, row.status, text, row.id, row.message_id, note or None)


def _settled(message_id: int, patience: float | None = None) -> OutboxMessage:
    """The message once no worker holds it any more (another may have claimed it first)."""
    deadline = time.monotonic() + (patience if patience is not None
                                   else setting(current_app.config, "SHOPMAIL_SMTP_TIMEOUT") + 2)
    while True:
        session().expire_all()
        row = session().get(OutboxMessage, message_id)
        if row.status not in (statuses.SENDING, statuses.QUEUED) or time.monotonic() > deadline:
            return row
        session().commit()
        time.sleep(0.1)


def run(app, *, once: bool = False, batch: int = 100, poll: float = 5.0,
        stop: threading.Event | None = None, on_pass=None) -> worker.Report:
    """Deliver until stopped (SIGTERM/SIGINT finish the current message first); ``once``: one pass.

    Each pass runs in a fresh app context, so settings and accounts are read afresh.
    """
    stop = stop or threading.Event()
    previous = _handle_signals(stop)
    total = worker.Report()
    owner = claim.new_owner(one_pass=once)  # the lease owner, and the worker's name in `flask shopmail status`
    waker = None
    if not once:  # LISTEN before the first pass: mail committed during it wakes the next one
        with app.app_context():
            waker = Waker(app, session().get_bind(mapper=OutboxMessage.__mapper__))
    try:
        while not stop.is_set():
            with app.app_context():
                report = worker.deliver_due(batch=batch, stop=stop, owner=owner)
                _beat(owner, report.handled)
                wait = None if once else worker.seconds_until_next(poll)
            for field in asdict(total):
                setattr(total, field, getattr(total, field) + getattr(report, field))
            if on_pass is not None:
                on_pass(report)
            if once:
                break
            waker.wait(poll if wait is None else min(poll, max(wait, 0.05)), stop)
        if not once:  # a worker that stops cleanly no longer counts as alive
            with app.app_context():
                _say(events.worker_stopped, owner=owner)
    finally:
        if waker is not None:
            waker.close()
        _restore(previous)
    return total


def _beat(owner: str, processed: int) -> None:
    """The worker's sign of life for `flask shopmail status` (``services.status`` records it; never stops
    delivery)."""
    _say(events.worker_beat, owner=owner, processed=processed)


def _say(signal_, **values) -> None:
    """Tell the layers above (never stops delivery)."""
    try:
        signal_.send(current_app._get_current_object(), **values)
    except Exception:
        session().rollback()


def _handle_signals(stop: threading.Event) -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, lambda signum, frame: stop.set())
    return previous


def _restore(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
