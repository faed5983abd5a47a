"""Delivery without a separate worker (``SHOPMAIL_SEND_INLINE``, the default).

Each web process keeps one background thread that runs worker passes. When a request commits new
mail, the thread is woken at the end of that request (a teardown hook), so the response never waits
for SMTP. The thread also looks at the outbox every ``POLL_SECONDS`` and when a retry falls due, and
the first request after a start picks up whatever an earlier process left behind. The outbox stays
the durable record: a crash loses nothing that was committed.

Code that runs outside a request (a script, a CLI command) never starts the thread — it would die
with the process mid-send — it leaves the mail to the web process or to ``flask shopmail worker``.
"""

from __future__ import annotations

import logging
import threading

from flask import g

from shopmail.delivery import worker
from shopmail.delivery.wake import after_commit
from shopmail.delivery.wake import enabled
from shopmail.delivery.wake import KEY as _KEY
from shopmail.delivery.wake import kick

__all__ = ["InlineDelivery", "after_commit", "delivery_for", "enabled", "init_app", "kick"]

log = logging.getLogger("shopmail.delivery")

POLL_SECONDS = 30.0
_install_lock = threading.Lock()


class InlineDelivery:
    """The delivery thread of one app in this process."""

    def __init__(self, app):
        self.app = app
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.passes = 0

    def kick(self) -> None:
        """Run a pass soon (starting the thread if needed)."""
        self.wake.set()
        with self.lock:
            if self.stopping.is_set():
                return
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="shopmail-inline-delivery", daemon=True)
                self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current message and end the thread (tests, shutdown)."""
        self.stopping.set()
        self.wake.set()
        thread = self.thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.wake.clear()
            wait = POLL_SECONDS
            try:
                with self.app.app_context():
                    worker.deliver_due(stop=self.stopping)
                    upcoming = worker.seconds_until_next(POLL_SECONDS)
                    if upcoming is not None:
                        wait = min(wait, upcoming)
            except Exception:  # a pass must never kill the thread; the outbox keeps the mail
                log.exception("La entrega en segundo plano falló; se reintentará.")
            self.passes += 1
            self.wake.wait(max(wait, 0.05))


def delivery_for(app) -> InlineDelivery:
    """The app's delivery thread object (created on first use)."""
    with _install_lock:
        found = app.extensions.get(_KEY)
        if found is None:
            found = app.extensions[_KEY] = InlineDelivery(app)
        return found


def init_app(app) -> None:
    """Hook delivery into the app's requests: the first request starts it, a commit wakes it."""

    def first_request():
        """Pick up what an earlier process left in the outbox."""
        if enabled(app) and app.extensions.get(_KEY) is None:
            delivery_for(app).kick()

    def end_of_request(exc):
        """The response is done: wake delivery if this request committed mail."""
        if g.pop("shopmail_kick", None) and enabled(app):
            delivery_for(app).kick()

    app.before_request(first_request)
    app.teardown_request(end_of_request)
