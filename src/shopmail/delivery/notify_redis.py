"""Redis pub/sub wake-up for workers on databases without LISTEN/NOTIFY (SQLite, MariaDB, MySQL).

Published right after the order's transaction commits. Redis channels are shared by every database number of
a server, so the channel is derived from the database's URL (without its password) and the outbox table.
Redis is optional (the ``redis`` extra): without it, workers fall back to polling.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from shopmail.core.models import OutboxMessage

log = logging.getLogger("shopmail.delivery")


def channel(engine) -> str:
    """The wake-up channel of this database's outbox table."""
    table = OutboxMessage.__table__
    where = engine.url.render_as_string(hide_password=True) + "|" + str(table.schema) + "." + table.name
    return "shopmail:wake:" + hashlib.sha256(where.encode()).hexdigest()[:24]


@functools.lru_cache(maxsize=8)
def _client(url: str):
    """One client (a thread-safe connection pool) per URL and process."""
    # optional: redis comes with the `redis` extra
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def publish(url: str, engine) -> None:
    """Wake the workers of ``engine``'s outbox (never fails the caller: polling stays the fallback)."""
    try:
        _client(url).publish(channel(engine), b"")
    except Exception as exc:  # a wake-up is news, the outbox is the record
        log.warning("No se pudo avisar a los workers por Redis (%s); lo verán en su próxima consulta.",
                    type(exc).__name__)


class RedisListener:
    """Subscribed to the outbox's channel; ``wait`` returns on a message."""

    def __init__(self, url: str, engine):
        self.pubsub = _client(url).pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel(engine))

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True when a wake-up arrived."""
        return self.pubsub.get_message(timeout=max(0.0, timeout)) is not None

    def close(self) -> None:
        """Unsubscribe and hand the connection back."""
        self.pubsub.close()
