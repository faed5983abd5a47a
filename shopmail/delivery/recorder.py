"""Recording outcomes beside the sending, so the SMTP connection never waits for the database.

The sending thread hands each outcome to a ``Recorder`` the moment the server has answered; the
recorder's own thread (its own app context and database connection) writes it at once. Outcomes that
arrive while a commit is in progress are written together in the next one (group commit), so a
slow disk (SQLite's fsync) or a far database costs one commit per group, not per message.

A crash can lose only outcomes not yet written: those rows are still leased as ``sending`` and
are sent again when the lease runs out — duplicates of the interrupted batch only.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from flask import current_app

from . import claim

log = logging.getLogger("shopmail.delivery")
_STOP = object()
#: Outcomes arriving within this many seconds of the first one are written in the same commit: the
#: database work per message shrinks, and the sending thread keeps the interpreter to itself.
GROUP_WINDOW = 0.025
GROUP_MAX = 200


class Recorder:
    """A background writer of one worker's outcomes, in order."""

    def __init__(self, owner: str):
        self.owner = owner
        self.app = current_app._get_current_object()
        self.items: queue.Queue = queue.Queue()
        self.hurry = threading.Event()
        self.thread = threading.Thread(target=self._run, name="shopmail-recorder", daemon=True)
        self.thread.start()

    def sent(self, id_: int, account_id: int, sent_from: str, note: str | None) -> None:
        """A message the server accepted."""
        self.items.put(("sent", id_, account_id, sent_from, note))

    def call(self, function, *args) -> None:
        """Any other record (``claim.retry_later``, ``claim.failed``, ``claim.extend`` …), in order."""
        self.items.put(("call", function, args))

    def submit(self, function, *args) -> Future:
        """Run ``function`` in the recorder's thread, after what was handed over before; its result
        comes back through the future (e.g. the next batch, claimed while this one is sent)."""
        future: Future = Future()
        self.items.put(("submit", function, args, future))
        return future

    def close(self) -> None:
        """Write what is left and end the thread."""
        self.items.put(_STOP)
        self.hurry.set()
        self.thread.join()

    def _run(self) -> None:
        with self.app.app_context():
            while True:
                batch = [self.items.get()]
                if batch[0] is not _STOP:
                    # Let outcomes gather (close cuts the wait short); one wake-up per group.
                    self.hurry.wait(GROUP_WINDOW)
                self.hurry.clear()
                while batch[-1] is not _STOP and len(batch) < GROUP_MAX:
                    try:
                        batch.append(self.items.get_nowait())
                    except queue.Empty:
                        break
                stop = _STOP in batch
                try:
                    self._write([item for item in batch if item is not _STOP])
                except Exception as exc:  # the rows stay leased and are sent again after the lease
                    log.exception("No se pudo registrar el resultado de un envío.")
                    from ..extension import session

                    session().rollback()
                    for item in batch:
                        if isinstance(item, tuple) and item[0] == "submit" and not item[3].done():
                            item[3].set_exception(exc)
                if stop:
                    return

    def _write(self, batch: list) -> None:
        """Write ``batch`` in order; consecutive plain "sent" outcomes become one UPDATE."""
        group: list[int] = []
        key = None

        def write_group():
            nonlocal group, key
            if group:
                claim.sent(group, self.owner, *key)
            group, key = [], None

        for item in batch:
            if item[0] == "sent" and item[4] is None:
                if key is not None and key != item[2:4]:
                    write_group()
                group.append(item[1])
                key = item[2:4]
                continue
            write_group()
            if item[0] == "sent":
                claim.sent([item[1]], self.owner, item[2], item[3], item[4])
            elif item[0] == "submit":
                _kind, function, args, future = item
                try:
                    future.set_result(function(*args))
                except Exception as exc:
                    future.set_exception(exc)
            else:
                _kind, function, args = item
                function(*args)
        write_group()
