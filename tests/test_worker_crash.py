"""Duplicates: at most SHOPMAIL_UNRECORDED_MAX per connection after a worker's death, none without one
(issue 12, cases 5-6; issue 17: the window that lets records be committed in groups).

Real `flask shopmail worker` processes on SQLite and PostgreSQL; Message-IDs counted at the SMTP server.
"""

import collections
import contextlib
import re
import signal
import socket
import threading
import time

import pytest

from shopmail.core import settings
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from tests import test_delivery_support as support
from tests.helpers import make_account
from tests.test_delivery_support import after_the_lease
from tests.test_delivery_support import start_worker
from tests.test_delivery_support import wait_until

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures


def test_a_worker_killed_mid_run_sends_at_most_one_message_twice(shop, processes):
    shop.queue_many(300)
    every = {row.message_id for row in shop.rows()}

    def slow(_received):
        time.sleep(0.005)

    shop.server.replies["message"] = slow
    worker = start_worker(shop.app, "--batch", "50", "--poll", "0.2", SHOPMAIL_OUTBOX_LEASE_SECONDS="2",
                          SHOPMAIL_UNRECORDED_MAX="1")
    processes.append(worker)
    wait_until(lambda: len(shop.server.messages) >= 87, timeout=60)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert len(shop.server.messages) < 300, "the worker finished before it could be killed"

    counts = after_the_lease(shop, processes, lease=2)
    assert set(counts) == every  # nothing lost
    duplicates = [message_id for message_id, n in counts.items() if n > 1]
    assert len(duplicates) <= 1, duplicates  # one connection was open: at most one duplicate
    assert set(shop.statuses()) == {"sent"}


@contextlib.contextmanager
def records_stalled(app):
    """Another transaction holds the outbox, so no worker's record can be committed meanwhile (SQLite: the
    database's write lock; PostgreSQL/MariaDB: every outbox row locked)."""
    with app.app_context():
        engine = session().get_bind(mapper=OutboxMessage.__mapper__)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql(f"SELECT id FROM {OutboxMessage.__tablename__} FOR UPDATE")
        try:
            yield
        finally:
            conn.exec_driver_sql("ROLLBACK")


def _settled(counter, quiet: float = 1.0, timeout: float = 20.0) -> int:
    """``counter()`` once it has not changed for ``quiet`` seconds."""
    deadline, value, since = time.monotonic() + timeout, counter(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if (now := counter()) != value:
            value, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return value
    raise AssertionError("the count never settled")


@pytest.mark.parametrize("window", [1, 4])
def test_a_worker_whose_records_stall_stops_at_the_window_and_a_crash_duplicates_no_more(shop, processes, window):
    """With the database not taking records, the server accepts exactly SHOPMAIL_UNRECORDED_MAX messages and
    then nothing (the next one waits without its final "."); killed then, no more than those are sent again."""
    shop.queue_many(60)
    every = {row.message_id for row in shop.rows()}
    shop.server.replies["message"] = lambda _received: time.sleep(0.01)  # time to stall it mid-batch
    worker = start_worker(shop.app, "--batch", "60", "--poll", "0.2", SHOPMAIL_OUTBOX_LEASE_SECONDS="2",
                          SHOPMAIL_UNRECORDED_MAX=str(window))
    processes.append(worker)
    wait_until(lambda: len(shop.server.messages) >= 5, timeout=60)
    with records_stalled(shop.app):
        accepted = _settled(lambda: len(shop.server.messages))
        recorded = shop.statuses().count("sent")  # readers are not blocked
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    assert accepted - recorded == window  # the window filled, and not one message more went out
    assert accepted < 60, "the worker finished before its records were stalled"

    counts = after_the_lease(shop, processes, lease=2)
    assert set(counts) == every  # nothing lost
    # At most the unrecorded ones, once more (on PostgreSQL the dead worker's last UPDATE may still commit
    # once the lock goes: its server process finishes the statement it had received).
    assert sum(1 for n in counts.values() if n > 1) <= window
    assert set(shop.statuses()) == {"sent"}


class TricklingServer:
    """Plain SMTP on loopback that answers the end of every message one byte at a time."""

    REPLY = b"250 2.0.0 OK\r\n"

    def __init__(self, byte_every: float):
        self.byte_every = byte_every
        self.message_ids: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            self._converse(conn)
        except OSError:
            pass  # the client hung up (its deadline): nothing more to say

    def _converse(self, conn):
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 trickle ESMTP\r\n")
            for line in lines:
                verb = line[:4].upper()
                if verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    data = b""
                    for part in lines:
                        if part == b".\r\n":
                            break
                        data += part
                    found = re.search(rb"(?im)^Message-ID:\s*(\S+)", data)
                    self.message_ids.append(found.group(1).decode() if found else "?")
                    for byte in self.REPLY:
                        time.sleep(self.byte_every)
                        conn.sendall(bytes([byte]))
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 trickle\r\n")

    def close(self):
        self.listener.close()


def test_a_server_trickling_its_reply_never_gets_a_message_twice_from_two_workers(app, processes):
    server = TricklingServer(byte_every=0.3)  # 14 bytes: about 4 s per message, each byte within the timeout
    try:
        account_id = make_account(app, "tienda@tienda.example", password=None, username="",
                                  host="127.0.0.1", port=server.port, security="none")
        with app.app_context():
            settings.save(sending_account_id=account_id, admin_emails=[])
        shop = support.Shop(app, None, account_id)
        shop.notify(support.order("1"), support.order("2"))
        config = {"SHOPMAIL_SMTP_TIMEOUT": "1.5", "SHOPMAIL_OUTBOX_LEASE_SECONDS": "2",
                  "SHOPMAIL_SMTP_CA_FILE": ""}
        app.config["SHOPMAIL_SMTP_CA_FILE"] = ""
        first = start_worker(app, "--once", **config)
        processes.append(first)
        wait_until(lambda: "sending" in shop.statuses(), timeout=20)
        second = start_worker(app, "--poll", "0.2", **config)  # waits for any lease to run out
        processes.append(second)
        assert first.wait(60) == 0, first.stderr.read()
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0, second.stderr.read()
        assert shop.statuses() == ["sent", "sent"]
        counts = collections.Counter(server.message_ids)
        assert len(counts) == 2 and set(counts.values()) == {1}, counts
    finally:
        server.close()


def test_one_message_never_takes_longer_than_the_message_deadline(app):
    server = TricklingServer(byte_every=0.5)  # 14 bytes: 7 s, each byte well within the socket timeout
    try:
        account_id = make_account(app, "tienda@tienda.example", password=None, username="",
                                  host="127.0.0.1", port=server.port, security="none")
        with app.app_context():
            settings.save(sending_account_id=account_id, admin_emails=[])
        shop = support.Shop(app, None, account_id)
        shop.notify(support.order("1"))
        app.config.update(SHOPMAIL_SMTP_TIMEOUT=2.0, SHOPMAIL_SMTP_MESSAGE_DEADLINE=2.0)
        started = time.monotonic()
        report = shop.deliver()
        assert time.monotonic() - started < 4.5
        assert report.retried == 1  # cut off at the deadline: tried again later, the shop is not stuck
        (row,) = shop.rows()
        assert row.status == "retry" and "dejó de responder" in shop.notes()[0]
    finally:
        server.close()
