"""Fixtures and helpers shared by the delivery tests (no tests here).

``shop``: the app with a sending account on a real local aiosmtpd server (STARTTLS, a trustme
certificate, a real login), contact and admin addresses saved in Comunicaciones.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from shopmail.core import settings
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from tests.helpers import make_account

SENDER = "tienda@tienda.example"
PASSWORD = "clave-secreta-del-buzon"
ROOT = Path(__file__).resolve().parent.parent


def order(number="1001", **changes) -> dict:
    """A completed order as a host shop passes it (a mapping)."""
    data = {
        "number": number,
        "customer_email": "ana@cliente.example",
        "customer_name": "Ana Pérez",
        "items": [{"name": "Taza de cerámica", "quantity": 2, "unit_price": "617.25"}],
        "total": "1234.50",
        "currency": "EUR",
        "shipping_address": ["Calle Mayor 1", "28013 Madrid"],
    }
    data.update(changes)
    return data


@dataclass
class Shop:
    app: object
    server: object
    account_id: int

    def rows(self, **filters) -> list[OutboxMessage]:
        """The outbox as it is in the database now (oldest first)."""
        with self.app.app_context():
            query = sa.select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)
            rows = session().scalars(query).all()
            session().expunge_all()
            return rows

    def notes(self) -> list[str]:
        """Each message's note as the panel words it (in the default language, Spanish), oldest first."""
        from shopmail.delivery import notes

        with self.app.app_context():
            return [notes.of(row) for row in self.rows()]

    def statuses(self) -> list[str]:
        return [row.status for row in self.rows()]

    def notify(self, *orders) -> None:
        """Complete ``orders`` in one committed transaction, as the host shop would."""
        with self.app.app_context():
            for item in orders:
                self.app.extensions["shopmail"].extension.notify_order_completed(item)
            session().commit()

    def deliver(self, **options):
        """One worker pass in a fresh app context."""
        from shopmail.delivery import worker

        with self.app.app_context():
            return worker.deliver_due(**options)

    def make_due(self) -> None:
        """Time passes: every retry falls due."""
        with self.app.app_context():
            session().execute(sa.text("UPDATE shopmail_outbox SET next_attempt_at = created_at"))
            session().commit()

    def age(self, days: float) -> None:
        """Every message was written ``days`` ago (and is due since then)."""
        import datetime as dt

        with self.app.app_context():
            old = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
            session().execute(sa.update(OutboxMessage).values(created_at=old, next_attempt_at=old))
            session().commit()

    def queue_many(self, count: int) -> None:
        """``count`` queued customer mails, fast: one is rendered, the others are copies with their
        own Message-ID (as many orders would give)."""
        self.save_settings(admin_emails=[])
        self.notify(order("0"))
        (first,) = self.rows()
        table = OutboxMessage.__table__
        rows = []
        for n in range(1, count):
            message_id = first.message_id.replace("@", f".{n}@")
            rows.append({"kind": first.kind, "status": "queued", "dedupe_key": f"copy:{n}",
                         "recipients": first.recipients, "subject": first.subject, "message_id": message_id,
                         "body": first.body.replace(first.message_id.encode(), message_id.encode()),
                         "attempts": 0, "next_attempt_at": first.next_attempt_at,
                         "created_at": first.created_at, "updated_at": first.created_at})
        with self.app.app_context():
            if rows:
                session().execute(table.insert(), rows)
            session().commit()

    def save_settings(self, **changes):
        with self.app.app_context():
            return settings.save(**changes)


@pytest.fixture
def mail_server(smtp_server):
    return smtp_server(security="starttls", users={SENDER: PASSWORD})


@pytest.fixture
def shop(app, mail_server):
    app.config["SHOPMAIL_SMTP_CA_FILE"] = mail_server.ca_file
    app.config["SHOPMAIL_SMTP_LOCAL_HOSTNAME"] = "tienda.example"
    account_id = make_account(app, SENDER, password=PASSWORD, display_name="Tienda Ñandú",
                              username=SENDER, host=mail_server.host, port=mail_server.port,
                              security="starttls")
    with app.app_context():
        settings.save(sending_account_id=account_id, contact_email="hola@tienda.example",
                      admin_emails=["jefa@tienda.example", "almacen@tienda.example"])
    return Shop(app, mail_server, account_id)


@pytest.fixture
def processes():
    """Worker processes a test starts; any still running at the end is killed."""
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def worker_env(app, **extra) -> dict:
    """The environment of a `flask shopmail worker` process on the same database as ``app``."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:
        url = url.update_query_dict({"options": options})
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHOPMAIL_")}
    env.update({
        "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SHOPMAIL_ENCRYPTION_KEYS": app.config["SHOPMAIL_ENCRYPTION_KEYS"],
        "SHOPMAIL_CACHE_DIR": app.config["SHOPMAIL_CACHE_DIR"],
        "SHOPMAIL_SMTP_CA_FILE": app.config["SHOPMAIL_SMTP_CA_FILE"],
        "SHOPMAIL_SMTP_LOCAL_HOSTNAME": "tienda.example",
        "SHOPMAIL_SMTP_TIMEOUT": "5",
        "SHOPMAIL_SEND_INLINE": "0",
        "SHOPMAIL_INSTANCE_PATH": str(Path(app.config["SHOPMAIL_CACHE_DIR"]).parent / "worker-instance"),
        "PYTHONPATH": str(ROOT),
        **extra,
    })
    return env


def start_worker(app, *args, **env) -> subprocess.Popen:
    """A real `flask shopmail worker` process."""
    command = [sys.executable, "-m", "flask", "--app", "shopmail.app:create_app", "shopmail", "worker", *args]
    return subprocess.Popen(command, env=worker_env(app, **env), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def after_the_lease(shop, processes, lease: float, timeout: float = 60) -> collections.Counter:
    """After a killed worker: wait for its lease to run out, let the server answer at full speed again, run
    `worker --once` to send what it left; how many times the server received each Message-ID."""
    time.sleep(lease * 1.1)
    shop.server.replies.pop("message", None)
    again = start_worker(shop.app, "--once")
    processes.append(again)
    assert again.wait(timeout) == 0, again.stderr.read()
    return collections.Counter(shop.server.message_ids)


def wait_until(condition, timeout=10.0, interval=0.02):
    """Poll ``condition`` until it is true (returns its value) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")

