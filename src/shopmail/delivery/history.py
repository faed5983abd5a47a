"""Reading the outbox for the Registro de envíos, the CLI and the home page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import cast
from sqlalchemy import Date
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import String

from shopmail.core.models import Account
from shopmail.core.models import OutboxMessage as M
from shopmail.core.models import utcnow
from shopmail.core.paging import Page
from shopmail.core.paging import paginate
from shopmail.core.state import session
from shopmail.delivery import statuses

PER_PAGE = 50
CHART_DAYS = 14
CHART_STATUSES = (statuses.SENT, statuses.FAILED, statuses.SIMULATED)


def search(status: str | None = None, kind: str | None = None, recipient: str | None = None,
           page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Messages matching the filters (recipient: part of an address, any case)."""
    query = select(M)
    if status:
        query = query.where(M.status == status)
    if kind:
        query = query.where(M.kind == kind)
    if recipient:
        needle = recipient.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(cast(M.recipients, String)).like(f"%{needle}%", escape="\\"))
    return paginate(query.order_by(M.created_at.desc(), M.id.desc()), page, per_page)


def sent_by(rows) -> dict[int, str]:
    """The address of the account that sent each of ``rows`` (by message id; only sent messages whose
    account still exists): the Registro de envíos shows it, so mail that went through the backup says so."""
    wanted = {row.account_id for row in rows if row.status == statuses.SENT and row.account_id}
    if not wanted:
        return {}
    found = dict(session().execute(select(Account.id, Account.address).where(Account.id.in_(wanted))).all())
    return {row.id: found[row.account_id] for row in rows
            if row.status == statuses.SENT and row.account_id in found}


def kinds() -> list[str]:
    """The kinds of message the outbox holds (for the filter)."""
    return list(session().scalars(select(M.kind).distinct().order_by(M.kind)))


def status_counts() -> dict[str, int]:
    """How many messages are in each status."""
    return dict(session().execute(select(M.status, func.count()).group_by(M.status)).all())


def _day(column):
    """The UTC calendar day of a timestamp column, on SQLite and PostgreSQL."""
    dialect = session().get_bind(mapper=M.__mapper__).dialect.name
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


@dataclass(frozen=True)
class DayCounts:
    """One day of the 14-day chart."""

    day: dt.date
    sent: int
    failed: int
    simulated: int


def daily_counts(days: int = CHART_DAYS, today: dt.date | None = None) -> list[DayCounts]:
    """Sent, failed and simulated messages per day over the last ``days`` days (oldest first).

    A message counts on the day it reached its status (``updated_at``).
    """
    today = today or utcnow().date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    day = _day(M.updated_at)
    rows = session().execute(
        select(day, M.status, func.count()).where(M.status.in_(CHART_STATUSES), M.updated_at >= since)
        .group_by(day, M.status)).all()
    found: dict[tuple[dt.date, str], int] = {}
    for value, status, count in rows:
        key = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        found[(key, status)] = count
    result = []
    for offset in range(days):
        date = first + dt.timedelta(days=offset)
        result.append(DayCounts(date, *(found.get((date, s), 0) for s in CHART_STATUSES)))
    return result
