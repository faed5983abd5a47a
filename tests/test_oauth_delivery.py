"""Sending with an OAuth2 account: the worker signs in with XOAUTH2, refreshes the token when it expires
mid-batch (once, nothing lost), and holds the mail when the grant is revoked until the account reconnects."""

from __future__ import annotations

import collections
import datetime as dt
import signal
import threading
import time

import pytest
import sqlalchemy as sa

from shopmail.core import settings
from shopmail.core.models import Account
from shopmail.core.models import Alert
from shopmail.core.models import OAuthToken
from shopmail.core.models import utcnow
from shopmail.core.models import WorkerHeartbeat
from shopmail.core.state import session
from shopmail.delivery import tokens
from shopmail.services import accounts
from shopmail.services.alerts import words
from tests import test_delivery_support as support
from tests.test_delivery_support import Shop
from tests.test_delivery_support import start_worker
from tests.test_delivery_support import wait_until
from tests.test_oauth_connect import connect
from tests.test_oauth_connect import MAILBOX
from tests.test_oauth_connect import make_oauth_account

processes = support.processes  # fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request):
    return request.param


@pytest.fixture
def oauth_shop(app, oauth_server, smtp_server, smtp_ca_file):
    """A shop whose sending account is Microsoft 365 via OAuth2, connected, on a real XOAUTH2 server."""
    server = smtp_server(security="starttls", auth_mechanisms=("XOAUTH2",), bearer_check=oauth_server.check_bearer)
    app.config.update(oauth_server.config(smtp_ca_file))
    app.config.update(SHOPMAIL_SMTP_CA_FILE=smtp_ca_file, SHOPMAIL_SMTP_LOCAL_HOSTNAME="tienda.example",
                      SHOPMAIL_OAUTH_REFRESH_AHEAD=0)
    account_id = make_oauth_account(app, server)
    connect(app, account_id, smtp_ca_file)
    with app.app_context():
        assert accounts.test_saved(account_id).ok
        settings.save(sending_account_id=account_id, contact_email="hola@contoso.example",
                      admin_emails=["jefa@contoso.example"])
    return Shop(app, server, account_id)


def test_a_token_expiring_mid_batch_is_refreshed_once_and_nothing_is_lost(oauth_shop, oauth_server, caplog):
    caplog.set_level("DEBUG")
    shop, app = oauth_shop, oauth_shop.app
    shop.queue_many(100)
    with app.app_context():  # the token we hold expires two seconds from now
        session().execute(sa.update(OAuthToken).values(expires_at=utcnow() + dt.timedelta(seconds=2)))
        session().commit()

    def halfway(received):
        # After the 50th message time passes: the token expires, at the provider too.
        if len(shop.server.messages) == 49:
            time.sleep(2.2)
            oauth_server.expire_access_tokens()
        return None

    shop.server.replies["message"] = halfway
    before = len(shop.server.auth_attempts)  # the fixture's Probar SMTP
    report = shop.deliver(batch=10)

    assert report.sent == 100
    ids = shop.server.message_ids
    assert len(ids) == 100 and len(set(ids)) == 100  # 100 delivered, 0 duplicates
    assert oauth_server.refreshes == 1
    assert set(shop.statuses()) == {"sent"}
    logins = [a for a in shop.server.auth_attempts[before:] if a.mechanism == "XOAUTH2"]
    assert [a.success for a in logins] == [True, True]  # signed in again with the new token
    with app.app_context():
        stored = repr([(r.last_error, r.status) for r in shop.rows()])
    # Everything shopmail's side logged (the test provider's own Authlib server logs what it issues).
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith(("authlib.oauth2.rfc6749.grants",
                                                                             "werkzeug"))]
    logged = "\n".join(ours) + stored
    assert len(oauth_server.issued) >= 4 and not [t for t in oauth_server.issued if t in logged]


def test_a_revoked_grant_holds_the_mail_alerts_and_reconnecting_resumes(oauth_shop, oauth_server, smtp_ca_file):
    shop, app = oauth_shop, oauth_shop.app
    shop.queue_many(3)
    oauth_server.revoke_grants()
    with app.app_context():
        session().execute(sa.update(OAuthToken).values(expires_at=utcnow()))
        session().commit()

    report = shop.deliver()
    assert (report.sent, report.held) == (0, 3)
    assert set(shop.statuses()) == {"held"}
    with app.app_context():
        account = session().get(Account, shop.account_id)
        assert account.held_reason == "oauth_reconnect_required"
        alerts = session().scalars(sa.select(Alert)).all()
        assert [a.key for a in alerts] == [f"account-held:{shop.account_id}"]
        assert "volver a conectar" in words(alerts[0].message)  # the alert keeps data, worded when shown

    # Reconectar: sign in again, Probar SMTP passes, the held mail goes out.
    connect(app, shop.account_id, smtp_ca_file)
    with app.app_context():
        assert accounts.test_saved(shop.account_id).ok
    assert shop.deliver().sent == 3
    assert len(set(shop.server.message_ids)) == 3


def test_a_token_the_server_refuses_early_is_refreshed_once_and_the_mail_goes(oauth_shop, oauth_server):
    shop = oauth_shop
    shop.queue_many(5)
    oauth_server.expire_access_tokens()  # revoked at the provider / a clock off: shopmail thinks it is fresh
    before = len(shop.server.auth_attempts)
    report = shop.deliver()
    assert (report.sent, report.held) == (5, 0)
    assert oauth_server.refreshes == 1
    assert [a.success for a in shop.server.auth_attempts[before:]] == [False, True]
    assert len(set(shop.server.message_ids)) == 5


def test_a_refused_token_and_a_refused_refresh_hold_the_mail_after_one_login(oauth_shop, oauth_server):
    shop = oauth_shop
    shop.queue_many(3)
    oauth_server.revoke_grants()  # the stored token is not due to expire: the SMTP login finds out
    before = len(shop.server.auth_attempts)
    report = shop.deliver()
    assert (report.sent, report.held) == (0, 3)
    assert [a.success for a in shop.server.auth_attempts[before:]] == [False]  # no retry loop
    with shop.app.app_context():
        assert session().get(Account, shop.account_id).held_reason == "oauth_reconnect_required"


def _bearer_tokens_at_once(app, account_id: int, method: str, count: int):
    """``count`` threads ask for the account's bearer token at once: (the tokens they got, their errors)."""
    found, errors = [], []

    def worker():
        try:
            with app.app_context():
                found.append(tokens.bearer_token(account_id, method)[0])
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    return found, errors


def test_concurrent_workers_share_one_refresh(oauth_shop, oauth_server):
    app, account_id = oauth_shop.app, oauth_shop.account_id
    with app.app_context():
        session().execute(sa.update(OAuthToken).values(expires_at=utcnow()))
        session().commit()
    found, errors = _bearer_tokens_at_once(app, account_id, "microsoft", 6)
    assert errors == []
    assert len(found) == 6 and len(set(found)) == 1
    assert oauth_server.refreshes == 1
    assert oauth_server.check_bearer(MAILBOX, found[0]) is None


def test_two_worker_processes_share_one_refresh(oauth_shop, oauth_server, smtp_ca_file, processes):
    shop, app = oauth_shop, oauth_shop.app
    with app.app_context():  # the token both workers will find has expired
        session().execute(sa.update(OAuthToken).values(expires_at=utcnow()))
        session().commit()
    # The machine's REQUESTS_CA_BUNDLE stays in the workers' environment: SHOPMAIL_OAUTH_CA_FILE must win.
    env = {key: str(value) for key, value in oauth_server.config(smtp_ca_file).items()}
    env["SHOPMAIL_OAUTH_REFRESH_AHEAD"] = "0"
    workers = [start_worker(app, "--batch", "5", "--poll", "0.1", **env) for _ in range(2)]
    processes.extend(workers)
    wait_until(lambda: _workers_seen(app) == 2, timeout=60)  # both up and polling: both take part
    shop.queue_many(40)
    wait_until(lambda: set(shop.statuses()) == {"sent"}, timeout=120)
    outputs = []
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
        outputs.append(worker.stdout.read() + worker.stderr.read())

    assert oauth_server.refreshes == 1
    counts = collections.Counter(shop.server.message_ids)
    assert len(counts) == 40 and set(counts.values()) == {1}
    assert not [t for t in oauth_server.issued if t in "".join(outputs)]


def _workers_seen(app) -> int:
    with app.app_context():
        return session().scalar(sa.select(sa.func.count()).select_from(WorkerHeartbeat))


def test_an_app_only_account_gets_one_token_for_concurrent_first_uses(app, oauth_server, oauth_smtp, smtp_ca_file):
    app.config.update(oauth_server.config(smtp_ca_file))
    account_id = make_oauth_account(app, oauth_smtp, auth="microsoft-app")  # saved, never connected
    found, errors = _bearer_tokens_at_once(app, account_id, "microsoft-app", 4)
    assert errors == [] and len(set(found)) == 1 and len(found) == 4
    assert len(oauth_server.tokens) == 1  # one client-credentials request
