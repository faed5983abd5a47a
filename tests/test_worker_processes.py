"""Real `flask shopmail worker` processes: SIGKILL mid-batch, SIGTERM, and two workers at once.

Message-IDs are counted at the SMTP server: that is what a recipient would see.
"""

import collections
import signal
import time

from tests import test_delivery_support as support
from tests.test_delivery_support import after_the_lease
from tests.test_delivery_support import start_worker
from tests.test_delivery_support import wait_until

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures


def _slow(seconds):
    def answer(_received):
        time.sleep(seconds)  # a slow server: the worker is caught mid-batch

    return answer


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_only_its_batch(shop, processes):
    shop.queue_many(30)
    every = {row.message_id for row in shop.rows()}
    shop.server.replies["message"] = _slow(0.03)

    worker = start_worker(shop.app, "--batch", "10", "--poll", "0.2", SHOPMAIL_OUTBOX_LEASE_SECONDS="1")
    processes.append(worker)
    wait_until(lambda: len(shop.server.messages) >= 13, timeout=30)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    # Still leased: the batch being sent and the next one, claimed ahead.
    killed_batch = {row.message_id for row in shop.rows(status="sending")}
    assert 0 < len(killed_batch) <= 20

    counts = after_the_lease(shop, processes, lease=1, timeout=30)
    assert set(counts) == every  # nothing lost
    duplicates = {message_id for message_id, n in counts.items() if n > 1}
    # One connection: at most SHOPMAIL_UNRECORDED_MAX (10) accepted-but-unrecorded messages come again.
    assert duplicates <= killed_batch and len(duplicates) <= 10
    assert all(n <= 2 for n in counts.values())
    assert set(shop.statuses()) == {"sent"}


def test_sigterm_finishes_the_current_message_and_exits(shop, processes):
    shop.queue_many(20)
    shop.server.replies["message"] = _slow(0.1)
    worker = start_worker(shop.app, "--batch", "20")
    processes.append(worker)
    wait_until(lambda: len(shop.server.messages) >= 3, timeout=30)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(10) == 0, worker.stderr.read()

    rows = shop.rows()
    sent = [row for row in rows if row.status == "sent"]
    assert len(sent) == len(shop.server.messages) < 20  # the one in flight was finished and recorded
    assert {row.status for row in rows} == {"sent", "queued"}  # the rest handed back at once
    assert all(row.lease_owner is None for row in rows)
    assert all(row.attempts == 0 for row in rows if row.status == "queued")

    shop.server.replies.pop("message")
    assert shop.deliver().sent == 20 - len(sent)
    counts = collections.Counter(shop.server.message_ids)
    assert len(counts) == 20 and set(counts.values()) == {1}
    assert _workers_seen(shop) == 0  # a worker that stopped cleanly is no longer counted as alive


def test_two_workers_never_send_one_message_twice(shop, processes, db_backend):
    # Several workers are meant for PostgreSQL; on SQLite they must be just as correct, only slower.
    count = 150 if db_backend == "postgresql" else 60
    shop.server.replies["message"] = _slow(0.01)
    # Both workers are up and polling before the mail arrives, so both really take part.
    workers = [start_worker(shop.app, "--batch", "5", "--poll", "0.1") for _ in range(2)]
    processes.extend(workers)
    wait_until(lambda: _workers_seen(shop) == 2, timeout=60)
    shop.queue_many(count)
    wait_until(lambda: set(shop.statuses()) == {"sent"}, timeout=120)
    outputs = []
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, worker.stderr.read()
        outputs.append(worker.stdout.read())

    counts = collections.Counter(shop.server.message_ids)
    assert len(counts) == count
    assert set(counts.values()) == {1}
    sent_by = [sum(int(line.split()[1].rstrip(",")) for line in out.splitlines() if line.startswith("enviados"))
               for out in outputs]
    assert sum(sent_by) == count and all(n > 0 for n in sent_by), outputs


def _workers_seen(shop) -> int:
    """Workers that have reported a heartbeat (each does after its first pass)."""
    import sqlalchemy as sa

    from shopmail.core.models import WorkerHeartbeat
    from shopmail.core.state import session

    with shop.app.app_context():
        return session().scalar(sa.select(sa.func.count()).select_from(WorkerHeartbeat))
