"""SHOPMAIL_DISPATCH=rq with a real Redis and a real `flask shopmail rq-worker` process. Message-IDs are
counted at the SMTP server, as a recipient would see them."""

import collections
import os
import subprocess
import sys
import uuid

import pytest
import redis
import sqlalchemy as sa

from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from tests import test_delivery_support as support
from tests.test_delivery_support import order
from tests.test_delivery_support import ROOT
from tests.test_delivery_support import wait_until
from tests.test_delivery_support import worker_env

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures
REDIS_URL = os.environ.get("SHOPMAIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
QUEUE = f"shopmail-test-{uuid.uuid4().hex[:8]}"  # this run's own queue: other runs share the Redis
CONFIG = {"SHOPMAIL_DISPATCH": "rq", "SHOPMAIL_RQ_REDIS_URL": REDIS_URL, "SHOPMAIL_RQ_QUEUE": QUEUE}
pytestmark = pytest.mark.app_config(**CONFIG)


@pytest.fixture(autouse=True)
def redis_server():
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")


def start_rq(app, *args):
    """A real `flask shopmail rq-worker` process."""
    command = [sys.executable, "-m", "flask", "--app", "shopmail.app:create_app", "shopmail", "rq-worker", *args]
    return subprocess.Popen(command, env=worker_env(app, **CONFIG), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_500_orders_give_1000_mails_through_rq_none_lost_none_twice(shop, processes):
    workers = [start_rq(shop.app) for _ in range(2)]
    processes.extend(workers)
    for n in range(500):  # one commit per order, as a shop's checkout does
        shop.notify(order(str(5000 + n)))
    wait_until(lambda: len(shop.server.messages) >= 1000, timeout=240, interval=0.5)
    wait_until(lambda: set(shop.statuses()) == {"sent"}, timeout=30, interval=0.5)

    counts = collections.Counter(shop.server.message_ids)
    assert len(counts) == 1000 and set(counts.values()) == {1}


def test_mail_committed_while_redis_is_down_goes_out_with_the_next_sweep(shop, processes, app):
    app.config["SHOPMAIL_RQ_REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there: the enqueue fails
    shop.notify(order("9001"))  # the order's commit is not disturbed
    assert set(shop.statuses()) == {"queued"}
    sweep = subprocess.run([sys.executable, "-m", "flask", "--app", "shopmail.app:create_app", "shopmail", "worker",
                            "--once"], env=worker_env(shop.app), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert sweep.returncode == 0, sweep.stderr
    assert set(shop.statuses()) == {"sent"} and len(shop.server.messages) == 2


def test_an_admins_retry_goes_out_through_rq_without_waiting_for_a_sweep(shop, processes):
    """Reintentar (here from the CLI; the panel calls the same action) hands the message to RQ at commit, as
    new mail is: nothing schedules a sweep in this test, so without that it would wait for ever."""
    shop.notify(order("9100"))
    worker = start_rq(shop.app)
    processes.append(worker)
    wait_until(lambda: set(shop.statuses()) == {"sent"}, timeout=30)
    customer = next(row for row in shop.rows() if row.kind == "order_completed")
    with shop.app.app_context():  # as after a permanent refusal
        session().execute(sa.update(OutboxMessage).where(OutboxMessage.id == customer.id)
                          .values(status="failed", last_error="550 5.1.1 mailbox unavailable"))
        session().commit()
    before = len(shop.server.messages)

    result = shop.app.test_cli_runner().invoke(args=["shopmail", "outbox", "retry", str(customer.id), "--json"])
    assert result.exit_code == 0, result.output
    wait_until(lambda: len(shop.server.messages) == before + 1, timeout=30)
    wait_until(lambda: shop.rows(id=customer.id)[0].status == "sent", timeout=10)
