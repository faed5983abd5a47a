"""Login attempts counted atomically in the database, per account and per client.

Each attempt is *reserved* before its password is checked: one UPDATE adds one to the key's count (or
starts a new window), so parallel requests each see a different number and no more than the limit are
ever evaluated. Reading the count, adding one in Python and writing it back let 40 parallel wrong
passwords through without a lock. Works the same on SQLite, PostgreSQL and MySQL/MariaDB (no upsert,
no RETURNING): a missing row is inserted, and a lost insert race simply retries the UPDATE.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from shopmail.core.models import LoginThrottle
from shopmail.core.models import utcnow
from shopmail.core.state import session

_T = LoginThrottle.__table__


def key_for(kind: str, value: str) -> str:
    """A fixed-length key (an address or a client address never stored as typed)."""
    return f"{kind}:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:64]


def hit(key: str, window_seconds: int) -> int:
    """Count one attempt for ``key``; return how many it has made in the current window, this one included."""
    now = utcnow()
    expired = _T.c.window_started < now - dt.timedelta(seconds=window_seconds)
    for _ in range(3):
        # Both right-hand sides read the old row (and on MySQL, which assigns left to right,
        # ``attempts`` is set before ``window_started`` changes).
        done = session().execute(update(_T).where(_T.c.key == key).values(
            attempts=case((expired, 1), else_=_T.c.attempts + 1),
            window_started=case((expired, now), else_=_T.c.window_started)))
        if done.rowcount:
            attempts = session().scalar(select(_T.c.attempts).where(_T.c.key == key))
            session().commit()
            return attempts
        try:  # a new key: first drop the rows whose window is over, so guessed addresses do not pile up
            session().execute(delete(_T).where(expired))
            session().execute(insert(_T).values(key=key, attempts=1, window_started=now))
            session().commit()
            return 1
        except IntegrityError:  # another request inserted it first: count on its row
            session().rollback()
    raise RuntimeError(f"could not count a login attempt for {key}")


def clear(*keys: str) -> None:
    """Forget the attempts of ``keys`` (after a successful login)."""
    session().execute(delete(_T).where(_T.c.key.in_(keys)))
    session().commit()
