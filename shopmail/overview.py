"""What the home page shows: the state of the e-mail set-up, gathered from the services."""

from __future__ import annotations

import importlib

#: Modules contributing a ``glance()`` to the home page, in the order they are shown.
GLANCES: list[str] = [".communications.status", ".outbox.glance", ".doctor"]


def overview() -> list:
    """Each feature's summary for the home page."""
    return [importlib.import_module(name, __package__).glance() for name in GLANCES]
