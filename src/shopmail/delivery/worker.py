"""The delivery worker: claim due messages, send them through the sending account, record each one.

One pass: check the sending account (``gate``: none chosen, or flagged with no usable Cuenta de
respaldo → mail waits as ``held``; usable → held mail is queued again), then claim batches with a lease
and send each batch over one reused connection, recording every message right after its send. Transient failures retry with
exponential backoff and jitter (capped); a message's own permanent failure marks it ``failed``;
an account problem flags the account and holds its mail until a passing test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import threading
from dataclasses import dataclass

from flask import current_app
from flask import has_app_context
from sqlalchemy import func
from sqlalchemy import select

from shopmail.core.config import setting
from shopmail.core.models import OutboxMessage as M
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.core.text import clean
from shopmail.delivery import actions
from shopmail.delivery import claim
from shopmail.delivery import events
from shopmail.delivery import failover
from shopmail.delivery import gate
from shopmail.delivery import limits
from shopmail.delivery import notes
from shopmail.delivery import statuses
from shopmail.delivery import transport
from shopmail.delivery.recorder import LeaseKeeper
from shopmail.delivery.recorder import Recorder
from shopmail.smtp.connection import SMTPFailure

log = logging.getLogger("shopmail.delivery")

#: First retry after about a minute, doubling each time, never more than an hour apart.
BASE_DELAY = 60.0
MAX_DELAY = 3600.0
#: Like a mail server, stop retrying a message after three days.
GIVE_UP_AFTER = dt.timedelta(days=3)


@dataclass
class Report:
    """What one call did, message by message."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    simulated: int = 0
    returned: int = 0

    @property
    def handled(self) -> int:
        """Messages whose fate this call decided."""
        return self.sent + self.retried + self.failed + self.held + self.simulated


def backoff(attempts: int, rng=random, base: float | None = None) -> float:
    """Seconds before the next try after ``attempts`` tries: exponential, capped, with jitter.
    ``base`` defaults to SHOPMAIL_RETRY_BASE_SECONDS (60)."""
    if base is None:
        base = setting(current_app.config, "SHOPMAIL_RETRY_BASE_SECONDS") if has_app_context() else BASE_DELAY
    delay = min(MAX_DELAY, base * 2 ** max(0, attempts - 1))
    return delay * rng.uniform(0.5, 1.0)


def lease_seconds() -> float:
    """SHOPMAIL_OUTBOX_LEASE_SECONDS: how long claimed messages stay ours."""
    return float(setting(current_app.config, "SHOPMAIL_OUTBOX_LEASE_SECONDS"))


def message_seconds() -> float:
    """SHOPMAIL_SMTP_MESSAGE_DEADLINE: the hard deadline of one message on an open connection, however
    slowly the server trickles its reply. Meanwhile a ``LeaseKeeper`` renews the worker's lease, so a live
    worker never loses its claim to another one (which would send the message a second time)."""
    return max(1.0, setting(current_app.config, "SHOPMAIL_SMTP_MESSAGE_DEADLINE") or 600.0)


def _claim_next(owner: str, batch: int, lease: float) -> list:
    """The next batch, claimed while the current one is being sent."""
    return claim.take(owner, batch, lease)


def deliver_due(*, batch: int = 100, owner: str | None = None, stop: threading.Event | None = None,
                only: list[int] | None = None, ignore_flag: bool = False) -> Report:
    """Send every message that is due now, ``batch`` at a time, until none is left or ``stop`` is set.

    While a batch is being sent, the recorder thread records its outcomes and claims the next
    batch, so the connection is never idle waiting for the database. ``only`` restricts the pass to
    those ids (the test mail); ``ignore_flag`` tries a flagged account anyway (a test mail that gets
    through clears the flag).
    """
    owner = owner or claim.new_owner()
    report = Report()
    if _pass(report, owner, batch, stop, only, ignore_flag) == "account" and only is None:
        _pass(report, owner, batch, stop, only, ignore_flag)  # the backup account may take over at once
    return report


def _pass(report: Report, owner: str, batch: int, stop, only, ignore_flag: bool) -> str | None:
    """One round through the account chosen now; returns the last batch's verdict (None: nothing sent)."""
    account = gate.open_gate(report, owner, batch, lease_seconds(), only, ignore_flag)
    if account is None or (stop is not None and stop.is_set()):
        return None
    rows = claim.take(owner, batch, lease_seconds(), ids=only)
    if not rows:
        return None
    was_failing, sent_before, verdict = account.failing_since is not None, report.sent, None
    recorder = Recorder(owner, setting(current_app.config, "SHOPMAIL_UNRECORDED_MAX"))
    keeper = LeaseKeeper(recorder, lease_seconds())
    sender = transport.Sender(account, defer_errors=True, message_seconds=message_seconds())
    limiter = limits.Limiter(account)
    try:
        while rows:
            upcoming = None if only is not None else recorder.submit(_claim_next, owner, batch, lease_seconds())
            before = dataclasses.replace(report)
            verdict, failure = _send_batch(rows, keeper, sender, recorder, report, stop, limiter)
            _log_batch(len(rows), before, report, sender.address, verdict)
            rows = upcoming.result() if upcoming is not None else []
            if rows and verdict != "ok":
                _set_aside(rows, verdict, failure, sender, recorder, report)
                rows = []
    finally:
        keeper.stop()
        sender.close()
        recorder.close()
    if was_failing and report.sent > sent_before:
        failover.note_up(account.id)
    return verdict


def _log_batch(size: int, before: Report, after: Report, address: str, verdict: str) -> None:
    """One line per batch for ops (`flask shopmail worker --log-level info`): counts only, never a secret."""
    counts = {name: getattr(after, name) - getattr(before, name) for name in ("sent", "retried", "failed", "held")}
    log.info("Lote de %d por %s: enviados %d, reintentos %d, fallidos %d, retenidos %d (%s)", size,
             clean(address, 254), counts["sent"], counts["retried"], counts["failed"], counts["held"], verdict)


def _send_batch(rows, keeper: LeaseKeeper, sender: transport.Sender, recorder: Recorder, report: Report, stop,
                limiter: limits.Limiter):
    """Send claimed ``rows`` over the account's connection (kept open from batch to batch); each
    outcome goes to the recorder as it happens; each message waits for its turn under the account's limits.
    Returns ("ok" | "stopped" | "down" | "account" | "limited", failure or, when limited, the time to retry)."""
    pending = [row.id for row in rows]
    verdict, failure = "ok", None
    note = gate.simulation_note()  # asked again for every batch, right before its first byte goes out
    if note is not None:
        _set_aside(rows, "simulated", note, sender, recorder, report)
        return "simulated", note
    try:
        sender.check()
        for row in rows:
            if (stop is not None and stop.is_set()) or keeper.running_out():
                # Asked to stop, or the lease could not be renewed (another worker may take these).
                verdict = "stopped"
                break
            if not sender.connected or sender.token_expiring():
                sender.connect()  # a failure here concerns the whole batch (handled below)
            # Its turn under the account's limits, taken as late as possible: right before the message goes.
            if (later := limiter.wait_turn(len(row.recipients), stop)) is not None:
                # Over the account's daily limit the rest waits; asked to stop while waiting, it is handed back.
                verdict, failure = ("stopped", None) if stop is not None and stop.is_set() else ("limited", later)
                break
            try:
                # Older records must be committed before this one can be accepted: a crash leaves at most
                # SHOPMAIL_UNRECORDED_MAX accepted-but-unrecorded messages on this connection.
                refused = sender.send(row.recipients, row.body, after=recorder.room())
            except SMTPFailure as message_failure:
                if message_failure.kind == transport.ACCOUNT:
                    raise
                _message_failed(row, message_failure, recorder, report)
            except transport.RecordFailed:
                # The database stopped taking records: this message was not completed (no final "."),
                # and the rest of the batch waits for its lease to run out.
                log.error("No se pudo registrar un envío; se detiene esta pasada.")
                pending.clear()
                verdict = "stopped"
                break
            else:
                recorder.sent(row.id, sender.account_id, sender.from_value, notes.partly_refused(refused), row)
                report.sent += 1
            pending.remove(row.id)
    except SMTPFailure as batch_failure:
        verdict = "down" if batch_failure.kind == "transient" else "account"
        failure = batch_failure
        if verdict == "account":
            recorder.call(actions.hold_account, sender.account_id, failure.reason, notes.from_failure(failure))
            recorder.call(_tell_admins, events.account_held, {
                "account_id": sender.account_id, "address": sender.address, "reason": failure.reason,
                "detail": transport.describe(failure)})
            log.error("Cuenta %s necesita atención (%s): %s", clean(sender.address, 254), failure.reason,
                      clean(transport.describe(failure)))
        else:
            recorder.call(failover.note_down, sender.account_id)
            log.warning("Cuenta %s: fallo temporal al conectar: %s", clean(sender.address, 254),
                        clean(transport.describe(failure)))
    _set_aside([row for row in rows if row.id in pending], verdict, failure, sender, recorder, report)
    return verdict, failure


def _set_aside(rows, verdict: str, failure, sender, recorder: Recorder, report: Report) -> None:
    """Claimed messages that will not be sent in this pass: handed back, retried later or held."""
    if not rows:
        return
    ids = [row.id for row in rows]
    if verdict == "stopped":
        recorder.call(claim.give_back, ids, recorder.owner)
        report.returned += len(ids)
    elif verdict == "limited":
        recorder.call(claim.postpone, ids, recorder.owner, notes.daily_limit(failure), failure)
        report.returned += len(ids)
    elif verdict == "simulated":
        recorder.call(claim.simulate, ids, recorder.owner, failure)
        report.simulated += len(ids)
    elif verdict == "down":
        for row in rows:
            _message_failed(row, failure, recorder, report)
    elif verdict == "account":
        recorder.call(claim.hold, ids, recorder.owner, sender.account_id, notes.from_failure(failure))
        report.held += len(ids)


def _message_failed(row, failure: SMTPFailure, recorder: Recorder, report: Report) -> None:
    note = notes.from_failure(failure)
    log.warning("Envío %s (%s, intento %d): %s", row.id, failure.kind, row.attempts, clean(note.text()))
    if failure.kind == "permanent" or utcnow() - row.created_at > GIVE_UP_AFTER:
        if failure.kind != "permanent":
            note = notes.from_failure(failure, gave_up=True)
        recorder.call(claim.failed, [row.id], recorder.owner, note)
        if row.kind != "test":  # a failed test mail is shown to the admin who sent it
            # ``detail`` in the worker's language for the signal's receivers; ``note`` as data for the alert.
            recorder.call(_tell_admins, events.message_failed,
                          {"outbox_id": row.id, "kind": row.kind, "recipients": list(row.recipients),
                           "detail": clean(note.text()), "note": notes.as_data(note)})
        report.failed += 1
    else:
        next_at = utcnow() + dt.timedelta(seconds=backoff(row.attempts))
        recorder.call(claim.retry_later, [row.id], recorder.owner, note, next_at)
        report.retried += 1


def _tell_admins(event, details: dict) -> None:
    """Send ``event`` (``events.account_held`` / ``events.message_failed``; ``services.alerts`` raises the
    alert). Alerts are news, not records: failing to raise one never disturbs delivery."""
    try:
        event.send(current_app._get_current_object(), **details)
    except Exception:
        log.exception("No se pudo crear el aviso %s.", event.name)
        session().rollback()


def seconds_until_next(idle_poll: float = 60.0) -> float | None:
    """Seconds until a pass has something to do; None when nothing waits to go out.

    Held mail is looked at again every ``idle_poll`` seconds (a sending account may have been chosen).
    """
    query = select(M.status, func.min(M.next_attempt_at), func.min(M.lease_until)).where(
        M.status.in_(statuses.WAITING)).group_by(M.status)
    found = session().execute(query).all()
    session().commit()
    if not found:
        return None
    now, waits = utcnow(), []
    for status, next_at, lease_until in found:
        if status in (statuses.QUEUED, statuses.RETRY):
            waits.append((next_at - now).total_seconds())
        elif status == statuses.SENDING and lease_until is not None:
            waits.append((lease_until - now).total_seconds() + 1)
        else:
            waits.append(idle_poll)
    return max(0.0, min(waits))
