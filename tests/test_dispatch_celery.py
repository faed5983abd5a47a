"""SHOPMAIL_DISPATCH=celery with a real RabbitMQ broker and real `celery worker` processes (the ready-made
``shopmail.celery_worker`` app). Message-IDs are counted at the SMTP server, as a recipient would see them.
"""

import collections
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests import test_delivery_support as support
from tests.test_delivery_support import order
from tests.test_delivery_support import wait_until
from tests.test_delivery_support import worker_env

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures
BROKER = os.environ.get("SHOPMAIL_TEST_BROKER_URL")
pytestmark = [
    pytest.mark.skipif(not BROKER, reason="SHOPMAIL_TEST_BROKER_URL not set (RabbitMQ)"),
    pytest.mark.app_config(SHOPMAIL_DISPATCH="celery", SHOPMAIL_CELERY_BROKER_URL=BROKER),
]


@pytest.fixture
def queue(shop):
    """This test's own queue (other runs share the broker), deleted afterwards."""
    name = f"shopmail-test-{uuid.uuid4().hex[:8]}"
    shop.app.config["SHOPMAIL_CELERY_QUEUE"] = name
    yield name
    import kombu

    with kombu.Connection(BROKER) as conn:
        kombu.Queue(name, channel=conn.default_channel).delete()


def start_celery(app, tmp_path, *args, **env):
    """A real `celery -A shopmail.celery_worker worker` (prefork, two processes) in its own process group."""
    command = [sys.executable, "-m", "celery", "-A", "shopmail.celery_worker", "worker", "--concurrency", "2",
               "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "-n", f"w{uuid.uuid4().hex[:6]}@%h",
               *args]
    environment = worker_env(app, SHOPMAIL_DISPATCH="celery", SHOPMAIL_CELERY_BROKER_URL=BROKER,
                             SHOPMAIL_CELERY_QUEUE=app.config["SHOPMAIL_CELERY_QUEUE"], **env)
    return subprocess.Popen(command, env=environment, cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_500_orders_give_1000_mails_through_celery_none_lost_none_twice(shop, processes, tmp_path, queue):
    celery = start_celery(shop.app, tmp_path)
    processes.append(celery)
    for n in range(500):  # one commit per order, as a shop's checkout does
        shop.notify(order(str(5000 + n)))
    wait_until(lambda: len(shop.server.messages) >= 1000, timeout=240, interval=0.5)
    wait_until(lambda: set(shop.statuses()) == {"sent"}, timeout=30, interval=0.5)
    _stop(celery)

    counts = collections.Counter(shop.server.message_ids)
    assert len(counts) == 1000 and set(counts.values()) == {1}


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_a_celery_worker_killed_mid_batch_duplicates_only_within_its_claim(shop, processes, tmp_path, queue):
    shop.server.replies["message"] = lambda _received: time.sleep(0.03)  # the worker is caught mid-batch
    celery = start_celery(shop.app, tmp_path, SHOPMAIL_OUTBOX_LEASE_SECONDS="2")
    processes.append(celery)
    for n in range(60):
        shop.notify(order(str(7000 + n)))
    every = {row.message_id for row in shop.rows()}
    wait_until(lambda: len(shop.server.messages) >= 20, timeout=60)
    os.killpg(celery.pid, signal.SIGKILL)  # the worker and its pool processes, mid-send
    celery.wait(10)
    claimed = {row.message_id for row in shop.rows(status="sending")}

    shop.server.replies.pop("message")
    # A new worker with beat: redelivered tasks, and the sweep once the dead worker's lease has run out.
    again = start_celery(shop.app, tmp_path, "--beat", "--schedule", str(tmp_path / "beat"),
                         SHOPMAIL_SWEEP_SECONDS="1")
    processes.append(again)
    wait_until(lambda: set(shop.statuses()) == {"sent"}, timeout=120, interval=0.5)
    _stop(again)

    counts = collections.Counter(shop.server.message_ids)
    assert set(counts) == every  # nothing lost
    duplicates = {message_id for message_id, n in counts.items() if n > 1}
    assert duplicates <= claimed, (duplicates, claimed)
    assert all(n <= 2 for n in counts.values())
