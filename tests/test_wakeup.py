"""Commit-time wake-up: an idle `flask shopmail worker` sends new mail at once, not at its next poll.

PostgreSQL wakes it with LISTEN/NOTIFY (a channel per outbox table: test runs in other schemas of the same
database must never wake it); SQLite and MariaDB with Redis pub/sub.
"""

import os
import time

import pytest
import sqlalchemy as sa

from shopmail.delivery import notify_pg
from tests import test_delivery_support as support
from tests.test_delivery_support import order
from tests.test_delivery_support import start_worker
from tests.test_delivery_support import wait_until

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures
REDIS_URL = os.environ.get("SHOPMAIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PG_URL = os.environ.get("SHOPMAIL_TEST_DATABASE_URL")
POLL = "60"  # far longer than the test waits: only a wake-up can explain a prompt send


def _workers_seen(shop) -> int:
    """Workers that have finished their first pass (they LISTEN before it)."""
    from shopmail.core.models import WorkerHeartbeat
    from shopmail.core.state import session

    with shop.app.app_context():
        return session().scalar(sa.select(sa.func.count()).select_from(WorkerHeartbeat))


@pytest.mark.app_config(SHOPMAIL_RQ_REDIS_URL=REDIS_URL)
def test_an_idle_worker_sends_new_mail_at_commit_not_at_its_poll(shop, processes, db_backend):
    extra = {} if db_backend == "postgresql" else {"SHOPMAIL_RQ_REDIS_URL": REDIS_URL}
    worker = start_worker(shop.app, "--poll", POLL, **extra)
    processes.append(worker)
    wait_until(lambda: _workers_seen(shop) == 1, timeout=30)
    time.sleep(0.3)  # its first pass is over: it is idle, waiting for a poll 60 s away

    for round_ in range(2):  # and again after its pass: it goes back to listening
        committed = time.monotonic()
        shop.notify(order(f"10{round_}"))
        wait_until(lambda n=round_: len(shop.server.messages) == 2 * (n + 1), timeout=10)
        assert time.monotonic() - committed < 5
    assert set(shop.statuses()) == {"sent"}


@pytest.mark.skipif(not PG_URL, reason="SHOPMAIL_TEST_DATABASE_URL not set (PostgreSQL)")
def test_a_notify_in_another_schema_or_a_rolled_back_one_does_not_wake_the_listener():
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schemas = [f"t_wake_{os.getpid()}_{n}" for n in range(2)]
    try:
        with engine.connect() as conn:
            for name in schemas:
                conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
                conn.exec_driver_sql(f'CREATE TABLE "{name}".shopmail_outbox (id int)')
        engines = [sa.create_engine(PG_URL, connect_args={"options": f"-csearch_path={name}"}) for name in schemas]
        listener = notify_pg.PgListener(engines[0])
        try:
            with sa.orm.Session(engines[1]) as other:  # another shop's (another test run's) outbox
                notify_pg.announce(other)
                other.commit()
            with sa.orm.Session(engines[0]) as mine:
                notify_pg.announce(mine)
                mine.rollback()
            assert not listener.wait(0.5)
            with sa.orm.Session(engines[0]) as mine:
                notify_pg.announce(mine)
                mine.commit()
            assert listener.wait(2.0)
        finally:
            listener.close()
            for each in engines:
                each.dispose()
    finally:
        with engine.connect() as conn:
            for name in schemas:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        engine.dispose()


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_a_worker_whose_listening_connection_dies_listens_again(shop, processes, pg_schema):
    worker = start_worker(shop.app, "--poll", POLL)
    processes.append(worker)
    wait_until(lambda: _workers_seen(shop) == 1, timeout=30)
    channel = notify_pg.channel_for(f"{pg_schema}.shopmail_outbox")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:  # as a database restart or a network cut would
            ended = conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE query = :listen"), {"listen": f'LISTEN "{channel}"'}).all()
    finally:
        admin.dispose()
    assert len(ended) == 1
    time.sleep(7)  # the worker notices, polls meanwhile (every 60 s), and listens again within 5 s

    committed = time.monotonic()
    shop.notify(order("300"))
    wait_until(lambda: len(shop.server.messages) == 2, timeout=10)
    assert time.monotonic() - committed < 5
    assert worker.poll() is None
