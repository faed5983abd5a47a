"""Waking delivery when new mail is committed: the web process's thread, workers, Celery or RQ.

In the order's transaction: a NOTIFY on PostgreSQL (idle workers wake at commit). After the commit: the
web process's delivery thread (``SHOPMAIL_DISPATCH=thread``) at the end of the request, a Redis message for
workers on other databases, and ``events.mail_committed`` (``delivery.dispatch`` enqueues Celery/RQ tasks).
Kept apart from ``inline`` (the thread that runs worker passes) so that queueing mail (``outbox``) can wake
delivery without importing the worker that imports ``outbox``.
"""

from __future__ import annotations

import threading

from flask import current_app
from flask import g
from flask import has_app_context
from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from shopmail.core.config import dispatch_mode
from shopmail.core.config import redis_url
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.delivery import events
from shopmail.delivery import notify_pg
from shopmail.delivery import notify_redis

#: Where an app keeps its delivery thread object (``inline.InlineDelivery``), in ``app.extensions``.
KEY = "shopmail_inline_delivery"
_PENDING = "shopmail_send_after_commit"
_install_lock = threading.Lock()
_installed = False


def enabled(app=None) -> bool:
    """Whether ``app`` (default: the current one) delivers from its web processes (SHOPMAIL_DISPATCH=thread,
    with SHOPMAIL_SEND_INLINE on)."""
    return dispatch_mode((app or current_app).config) == "thread"


def after_commit(ids=()) -> None:
    """Wake delivery once the caller's transaction commits (nothing happens on rollback). ``ids``: the new
    queued messages, for Celery/RQ."""
    _install_listeners()
    sess = session()
    pending = sess.info.get(_PENDING)
    if pending is None:
        pending = sess.info[_PENDING] = []
        if _dialect(sess) == "postgresql":
            notify_pg.announce(sess)  # once per transaction; PostgreSQL sends it at commit
    pending.extend(ids)


def kick() -> None:
    """Wake delivery at the end of the current request (outside a request: only if already running)."""
    if not enabled():
        return
    if has_request_context():
        g.shopmail_kick = True
        return
    found = current_app.extensions.get(KEY)
    if found is not None and found.thread is not None and found.thread.is_alive():
        found.kick()


def _install_listeners() -> None:
    global _installed
    with _install_lock:
        if not _installed:
            event.listen(Session, "after_commit", _committed)
            event.listen(Session, "after_rollback", _rolled_back)
            _installed = True


def _dialect(sess) -> str:
    return sess.get_bind(mapper=OutboxMessage.__mapper__).dialect.name


def _committed(sess) -> None:
    ids = sess.info.pop(_PENDING, None)
    if ids is None or not has_app_context():
        return
    kick()
    url = redis_url(current_app.config)
    if url and _dialect(sess) != "postgresql":
        notify_redis.publish(url, sess.get_bind(mapper=OutboxMessage.__mapper__))
    if ids:
        events.mail_committed.send(current_app._get_current_object(), ids=list(ids))


def _rolled_back(sess) -> None:
    sess.info.pop(_PENDING, None)
