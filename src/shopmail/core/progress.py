"""Live progress of long operations (an SMTP test, auto-configuration) for whoever listens.

Services call ``report("step", ...)`` as each step completes; nobody listens by default, so this costs a
context-variable lookup. The panel's live views listen (``with listening(callback):``) and stream each
event to the browser as it happens. A listener belongs to the thread (context) that set it, so two
requests never hear each other's steps. Events carry no secrets: they are what the result shows anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

_listener: ContextVar[Callable[[dict], None] | None] = ContextVar("shopmail_progress", default=None)


def report(event: str, **data) -> None:
    """Tell the current listener, if any, that ``event`` happened; a broken listener is only logged."""
    listener = _listener.get()
    if listener is None:
        return
    try:
        listener({"event": event, **data})
    except Exception:  # a listener must never break the operation it watches
        log.exception("progress listener failed on %s", event)


@contextmanager
def listening(callback: Callable[[dict], None]) -> Iterator[None]:
    """Send every ``report`` made in this context to ``callback`` until the block ends."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)
