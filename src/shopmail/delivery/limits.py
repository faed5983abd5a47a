"""An account's sending limits (messages per minute, recipients per 24 hours), shared by every worker.

The counter is the ``shopmail_send_log`` table: before each message a worker takes a lock (``SELECT … FOR
UPDATE`` of the settings row on PostgreSQL and MariaDB/MySQL; on SQLite the insert below takes the database's
write lock), writes the message down, counts what the account sent in the sliding windows, and
commits — or rolls back when that would be over a limit. So all processes on all machines together stay
within the limits, with no Redis needed. The minute window counts one extra second, so a message that
waited on the network after its turn cannot make a 61st in the provider's own minute.

Over the per-minute limit a worker waits for its turn (seconds); over the daily limit the rest of its batch
waits as ``queued`` with a note until the window opens, and goes out then by itself.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

from shopmail.core.config import setting
from shopmail.core.models import Account
from shopmail.core.models import SendLog as L
from shopmail.core.models import Settings
from shopmail.core.models import utcnow
from shopmail.core.state import session

DAY = dt.timedelta(hours=24)
#: Added to the minute window (see the module's docstring).
MARGIN = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Limits:
    """An account's limits; None means none."""

    per_minute: int | None
    per_day: int | None

    @classmethod
    def of(cls, account: Account) -> Limits | None:
        """The account's limits, or None when it has none (then nothing is counted)."""
        if not account.send_limit_per_minute and not account.send_limit_per_day:
            return None
        return cls(account.send_limit_per_minute or None, account.send_limit_per_day or None)


@dataclass(frozen=True)
class Usage:
    """What an account sent in the current windows (the status page shows it against its limits)."""

    last_minute: int
    last_day: int


def window() -> dt.timedelta:
    """The per-minute limit's window: SHOPMAIL_RATE_WINDOW_SECONDS (60; shorter only in tests)."""
    return dt.timedelta(seconds=max(0.1, setting(current_app.config, "SHOPMAIL_RATE_WINDOW_SECONDS")))


def usage(account_id: int, now: dt.datetime | None = None) -> Usage:
    """Messages in the last minute and recipients in the last 24 hours."""
    now = now or utcnow()
    minute = session().scalar(select(func.count()).select_from(L)
                              .where(L.account_id == account_id, L.at > now - window()))
    day = session().scalar(select(func.coalesce(func.sum(L.recipients), 0))
                           .where(L.account_id == account_id, L.at > now - DAY))
    return Usage(int(minute or 0), int(day or 0))


def take(account_id: int, limits: Limits, recipients: int) -> dt.datetime | None:
    """Count one message of ``recipients`` against the account's limits; committed. None: it may go now.
    Otherwise the moment to try again (within a minute: the per-minute limit; later: the daily one)."""
    sess = session()
    sess.commit()  # a fresh transaction: the lock below is held until this one ends
    if sess.get_bind(mapper=Account.__mapper__).dialect.name != "sqlite":
        # The settings row, not the account's: recording a sent message checks its foreign key to the
        # account with a shared lock of the account's row (InnoDB), which must not wait for this one.
        sess.execute(select(Settings.id).order_by(Settings.id).limit(1).with_for_update())
    # On SQLite this insert is the transaction's first statement: it takes the write lock at once (a read
    # first would let two processes hold a shared lock each and deadlock on the upgrade).
    now = utcnow()
    sess.execute(insert(L).values(account_id=account_id, at=now, recipients=recipients))
    if limits.per_day is not None:
        since = now - DAY
        day = sess.scalar(select(func.sum(L.recipients)).where(L.account_id == account_id, L.at > since))
        if day > limits.per_day:
            oldest = sess.scalar(select(func.min(L.at)).where(L.account_id == account_id, L.at > since))
            sess.rollback()
            return max(oldest + DAY, now + dt.timedelta(seconds=1))
    if limits.per_minute is not None:
        since = now - window() - MARGIN
        found = sess.execute(select(L.at).where(L.account_id == account_id, L.at > since)
                             .order_by(L.at.desc()).limit(limits.per_minute + 1)).scalars().all()
        if len(found) > limits.per_minute:
            sess.rollback()
            return found[-1] + window() + MARGIN  # when the oldest of the last ``per_minute`` leaves the window
    sess.commit()
    return None


class Limiter:
    """One worker pass's turn-taker for one account: ``wait_turn`` blocks through per-minute waits."""

    def __init__(self, account: Account):
        self.account_id, self.limits = account.id, Limits.of(account)

    def wait_turn(self, recipients: int, stop: threading.Event | None) -> dt.datetime | None:
        """None when the message may go now (after waiting for the per-minute limit if need be); else
        when the daily window opens (or now, when asked to stop while waiting)."""
        if self.limits is None:
            return None
        pause = stop or threading.Event()
        while (again := take(self.account_id, self.limits, recipients)) is not None:
            seconds = (again - utcnow()).total_seconds()
            if seconds > window().total_seconds() + MARGIN.total_seconds() or pause.is_set():
                return again
            if pause.wait(max(0.01, seconds)):
                return utcnow()
        return None


def forget_before(before: dt.datetime) -> int:
    """Drop counter rows no window looks at any more (retention calls this). No commit."""
    return session().execute(delete(L).where(L.at < before)).rowcount
