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


class Waker:
    """Waits for the poll interval, a wake-up from the database or Redis, or ``stop``, whichever comes first."""

    def __init__(self, app, engine):
        self.listener = None
        try:
            if engine.dialect.name == "postgresql":
                self.listener = PgListener(engine)
            elif redis_url(app.config):
                self.listener = RedisListener(redis_url(app.config), engine)
        except Exception as exc:  # no wake-up: the worker polls, as it always could
            log.warning("Sin aviso instantáneo (%s); el worker consultará cada pocos segundos.", type(exc).__name__)
            self.listener = None

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
            if self.listener is None:
                stop.wait(min(left, SLICE))
                continue
            try:
                if self.listener.wait(min(left, SLICE)):
                    return True
            except Exception as exc:  # the listening connection broke: poll from now on
                log.warning("Aviso instantáneo perdido (%s); el worker vuelve a consultar.", type(exc).__name__)
                self.close()
        return False

    def close(self) -> None:
        """Stop listening."""
        listener, self.listener = self.listener, None
        if listener is not None:
            try:
                listener.close()
            except Exception:
                log.debug("Listener already gone", exc_info=True)
