"""Waking web-process delivery: after the caller's transaction commits, or at the end of the request.

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

from shopmail.core.state import session

#: Where an app keeps its delivery thread object (``inline.InlineDelivery``), in ``app.extensions``.
KEY = "shopmail_inline_delivery"
_PENDING = "shopmail_send_after_commit"
_install_lock = threading.Lock()
_installed = False


def enabled(app=None) -> bool:
    """Whether ``app`` (default: the current one) delivers from its web processes (SHOPMAIL_SEND_INLINE)."""
    return bool((app or current_app).config.get("SHOPMAIL_SEND_INLINE"))


def after_commit() -> None:
    """Wake delivery once the caller's transaction commits (nothing happens on rollback)."""
    if not enabled():
        return
    _install_listeners()
    session().info[_PENDING] = True


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


def _committed(sess) -> None:
    if sess.info.pop(_PENDING, None) and has_app_context():
        kick()


def _rolled_back(sess) -> None:
    sess.info.pop(_PENDING, None)
