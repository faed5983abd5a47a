"""How an idle `flask shopmail worker` learns of new mail at commit time instead of at its next poll.

PostgreSQL: LISTEN on the outbox's channel (``notify_pg``). Other databases: Redis pub/sub when Redis is
configured (``notify_redis``). Neither: the poll interval alone, as before. A wake-up is only a hint: the
worker then claims from the outbox as usual, so a lost or duplicated one changes nothing but timing.
"""

from __future__ import annotations

import logging
import threading
import time

from shopmail.core.config import redis_url
from shopmail.delivery.notify_pg import PgListener
from shopmail.delivery.notify_redis import RedisListener

log = logging.getLogger("shopmail.delivery")

#: Longest single wait, so SIGTERM (which only sets the stop event) is noticed promptly.
SLICE = 0.25
#: After the listening connection is lost (a database or Redis restart), listen again this many seconds later.
RELISTEN_SECONDS = 5.0


class Waker:
    """Waits for the poll interval, a wake-up from the database or Redis, or ``stop``, whichever comes first."""

    def __init__(self, app, engine):
        self.engine, self.url = engine, redis_url(app.config)
        self.listener = None
        self.retry_at = None  # when to listen again after losing the connection (None: never)
        if engine.dialect.name == "postgresql" or self.url:
            self._listen()

    def _listen(self) -> None:
        """Open the listening connection; on failure poll, and try again in ``RELISTEN_SECONDS``."""
        self.retry_at = None
        try:
            if self.engine.dialect.name == "postgresql":
                self.listener = PgListener(self.engine)
            else:
                self.listener = RedisListener(self.url, self.engine)
        except Exception as exc:  # no wake-up for now: the worker polls, as it always could
            log.warning("Sin aviso instantáneo (%s); el worker consulta cada pocos segundos.", type(exc).__name__)
            self.listener, self.retry_at = None, time.monotonic() + RELISTEN_SECONDS

    @property
    def listening(self) -> bool:
        """Whether commits wake this worker (otherwise it only polls)."""
        return self.listener is not None

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Sleep up to ``seconds``; True when woken by new mail."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self.listener is None and self.retry_at is not None and time.monotonic() >= self.retry_at:
                self._listen()
                if self.listener is not None:
                    return True  # a pass now: mail committed while nobody listened
            if self.listener is None:
                stop.wait(min(left, SLICE))
                continue
            try:
                if self.listener.wait(min(left, SLICE)):
                    return True
            except Exception as exc:  # the listening connection broke: poll until it is back
                log.warning("Aviso instantáneo perdido (%s); el worker consulta hasta recuperarlo.", type(exc).__name__)
                self.close()
                self.retry_at = time.monotonic() + RELISTEN_SECONDS
        return False

    def close(self) -> None:
        """Stop listening (for good, unless ``wait`` sets ``retry_at`` again)."""
        listener, self.listener, self.retry_at = self.listener, None, None
        if listener is not None:
            try:
                listener.close()
            except Exception:
                log.debug("Listener already gone", exc_info=True)
