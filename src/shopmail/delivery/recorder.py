"""Recording outcomes beside the sending, so the SMTP connection waits for the database as little as possible.

The sending thread hands each outcome to a ``Recorder`` the moment the server has answered; the
recorder's own thread (its own app context and database connection) commits it at once. Whatever
arrived while a commit was in progress is written together in the next one (a group commit). A "sent"
record comes back as a future. At most ``SHOPMAIL_UNRECORDED_MAX`` accepted messages may wait for their
record: before the server may accept one more, the worker waits for the oldest record that would exceed
it (``Recorder.room``; it sends the message meanwhile and holds back only the final "." of its DATA).
So the database and the wire overlap, and a worker that dies has at most that many accepted messages it
had not recorded — at most that many duplicates per connection, each with its Message-ID. With 1, the
next message waits for the previous one's commit (the strictest setting, and the slowest: one commit per
message on the sending path). On PostgreSQL these commits do not wait for the disk
(``synchronous_commit = off`` for the transaction): a worker's death cannot lose them, only the
database server's own crash could lose the last few.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future

from flask import current_app

from shopmail.core.state import session
from shopmail.delivery import claim
from shopmail.delivery import events

log = logging.getLogger("shopmail.delivery")
_STOP = object()
GROUP_MAX = 200


class Recorder:
    """A background writer of one worker's outcomes, in order."""

    def __init__(self, owner: str, unrecorded_max: int = 1):
        self.owner = owner
        self.app = current_app._get_current_object()
        self.items: queue.SimpleQueue = queue.SimpleQueue()  # put() is one C call: the sending thread pays it
        self.unrecorded_max = max(1, unrecorded_max)
        self.unrecorded: deque[Future] = deque()  # "sent" records not yet seen committed, oldest first
        # "sent" records are handed over in groups of half the window (1: each at once), so the recorder's
        # thread wakes, takes the interpreter and commits once per group rather than once per message.
        self.hand_over = max(1, self.unrecorded_max // 2)
        self.held: list[tuple] = []
        self.lock = threading.Lock()  # ``held`` is also flushed by the lease keeper's thread
        self.thread = threading.Thread(target=self._run, name="shopmail-recorder", daemon=True)
        self.thread.start()

    def sent(self, id_: int, account_id: int, sent_from: str, note, row=None) -> Future:
        """A message the server accepted; the future is done once that is committed. ``row`` (the claimed
        message) is what ``events.message_sent`` tells the host about it once the record is committed."""
        future: Future = Future()
        self.unrecorded.append(future)
        with self.lock:
            self.held.append(("sent", id_, account_id, sent_from, note, future, row))
            if len(self.held) >= self.hand_over:
                self._flush()
        return future

    def room(self) -> Future | None:
        """What must be done before the server may accept one more message: the record that keeps the
        accepted-but-unrecorded messages within ``unrecorded_max`` (None: there is room already). A record
        that failed is returned as it is, so the caller stops (its future raises)."""
        while self.unrecorded and self.unrecorded[0].done():
            done = self.unrecorded.popleft()
            if done.exception() is not None:
                return done
        if len(self.unrecorded) < self.unrecorded_max:
            return None
        self._put(None)  # about to wait for it: make sure it was handed over
        return self.unrecorded[-self.unrecorded_max]

    def call(self, function, *args) -> None:
        """Any other record (``claim.retry_later``, ``claim.failed``, ``claim.hold`` …), in order."""
        self._put(("call", function, args))

    def submit(self, function, *args) -> Future:
        """Run ``function`` in the recorder's thread, after what was handed over before; its result
        comes back through the future (e.g. the next batch, claimed while this one is sent)."""
        future: Future = Future()
        self._put(("submit", function, args, future))
        return future

    def close(self) -> None:
        """Write what is left and end the thread."""
        self._put(_STOP)
        self.thread.join()

    def _put(self, item) -> None:
        """Hand over the held "sent" records, then ``item`` (None: nothing else), keeping the order."""
        with self.lock:
            self._flush()
            if item is not None:
                self.items.put(item)

    def _flush(self) -> None:
        if self.held:
            self.items.put(self.held)
            self.held = []

    def _run(self) -> None:
        with self.app.app_context():
            self.ledger = None
            try:
                self._loop()
            finally:
                if self.ledger is not None:
                    self.ledger.close()

    def _loop(self) -> None:
        while True:
            batch = _expand(self.items.get())
            while batch[-1] is not _STOP and len(batch) < GROUP_MAX:
                try:
                    batch.extend(_expand(self.items.get_nowait()))
                except queue.Empty:
                    break
            self._write([item for item in batch if item is not _STOP])
            if _STOP in batch:
                return

    def _write(self, batch: list) -> None:
        """Write ``batch`` in order, each record on its own: one that cannot be written (the rows stay
        leased and are sent again after the lease) never takes the others down with it."""
        for unit in _units(batch):
            try:
                self._apply(unit)
            except Exception as exc:
                log.exception("No se pudo registrar el resultado de un envío.")
                session().rollback()
                for item in unit:
                    future = item[5] if item[0] == "sent" else item[-1] if item[0] == "submit" else None
                    if future is not None and not future.done():
                        future.set_exception(exc)

    def _apply(self, unit: list) -> None:
        first = unit[0]
        if first[0] == "sent":
            if self.ledger is None:
                self.ledger = claim.SentLedger()
            self.ledger.record([(item[1], item[4]) for item in unit], self.owner, first[2], first[3])
            for item in unit:
                item[5].set_result(True)
            _announce_sent(unit)
        elif first[0] == "submit":
            _kind, function, args, future = first
            try:
                future.set_result(function(*args))
            except Exception as exc:
                session().rollback()
                future.set_exception(exc)
        else:
            _kind, function, args = first
            function(*args)


def _announce_sent(unit: list) -> None:
    """``events.message_sent`` for each committed "sent" record (only when someone listens: the record of
    every message passes here). A receiver's error is logged and never disturbs delivery."""
    if not events.message_sent.receivers:
        return
    app = current_app._get_current_object()
    for _kind, id_, account_id, sent_from, _note, _future, row in unit:
        try:
            events.message_sent.send(app, outbox_id=id_, kind=row.kind if row else None,
                                     recipients=list(row.recipients) if row else [],
                                     message_id=row.message_id if row else None,
                                     account_id=account_id, sent_from=sent_from)
        except Exception:
            log.exception("Un receptor de message_sent ha fallado.")
            session().rollback()


def _expand(item) -> list:
    """A handed-over group of "sent" records (a list) as its records; anything else as itself."""
    return item if isinstance(item, list) else [item]


def _units(batch: list) -> list[list]:
    """Consecutive "sent" outcomes of one account become one unit (one transaction); the rest stay single."""
    units: list[list] = []
    for item in batch:
        previous = units[-1] if units else None
        if item[0] == "sent" and previous and previous[0][0] == "sent" and previous[0][2:4] == item[2:4]:
            previous.append(item)
        else:
            units.append([item])
    return units


class LeaseKeeper:
    """Renews the lease of every message this worker holds, every quarter of the lease, for as long as
    it works: a message that takes long (a server trickling its reply) stays ours, so no other worker
    takes it over and sends it a second time. Renewals go through the recorder, in order with the rest."""

    def __init__(self, recorder: Recorder, lease: float):
        self.recorder, self.lease = recorder, lease
        self.renewed = time.monotonic()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="shopmail-lease", daemon=True)
        self.thread.start()

    def running_out(self) -> bool:
        """Whether the last renewal that went through is so old that the lease may soon be lost."""
        return time.monotonic() - self.renewed > self.lease * 0.75

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.lease / 4):
            asked = time.monotonic()
            future = self.recorder.submit(claim.extend_all, self.recorder.owner, self.lease)
            future.add_done_callback(lambda done, at=asked: self._renewed(done, at))

    def _renewed(self, done: Future, asked: float) -> None:
        if done.exception() is None:
            self.renewed = max(self.renewed, asked)
