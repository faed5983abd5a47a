"""Removing the content of messages that have gone (storage limitation): the one place it happens.

A purged message keeps its row — status, recipients, subject, Message-ID, dates, the account that sent it —
and the header block of its stored source (so the Registro de envíos still shows its headers); its text,
HTML and any other part are gone, and ``body_purged_at`` says when. Whatever else a message carries (e.g.
stored attachments) is removed from ``remove_bodies`` too, so one call empties a message completely.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy import update

from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.delivery.statuses import CANCELLED
from shopmail.delivery.statuses import SENT

T = OutboxMessage.__table__

#: Only mail whose fate is settled for good loses its content: a failed, held or simulated message may still
#: be retried or released, and needs its body for that.
PURGEABLE = (SENT, CANCELLED)

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
#: Headers that describe the content removed: kept, they would announce parts that are not there.
_CONTENT_HEADERS = (b"content-", b"mime-version")


def header_block(raw: bytes) -> bytes:
    """The header lines of a stored message without its content headers, ending with the blank line."""
    match = _BLANK_LINE.search(raw)
    head = raw[:match.start()] if match else raw
    kept: list[bytes] = []
    dropping = False
    for line in head.splitlines():
        if line[:1] in (b" ", b"\t"):  # a folded header's continuation goes with its header
            if not dropping:
                kept.append(line)
            continue
        dropping = line.split(b":", 1)[0].strip().lower().startswith(_CONTENT_HEADERS)
        if not dropping:
            kept.append(line)
    return b"\r\n".join(kept) + b"\r\n\r\n"


def remove_bodies(ids: list[int]) -> int:
    """Remove the content of these messages (sent or cancelled, not purged yet); committed. Returns how many.

    ``updated_at`` is left as it was: it is the day a message counts for in the 14-day chart.
    """
    if not ids:
        return 0
    now = utcnow()
    rows = session().execute(select(T.c.id, T.c.body).where(
        T.c.id.in_(ids), T.c.status.in_(PURGEABLE), T.c.body_purged_at.is_(None))).all()
    done = 0
    for id_, body in rows:
        result = session().execute(
            update(T).where(T.c.id == id_, T.c.status.in_(PURGEABLE), T.c.body_purged_at.is_(None))
            .values(body=header_block(bytes(body)), body_purged_at=now, updated_at=T.c.updated_at))
        done += result.rowcount
    session().commit()
    return done
