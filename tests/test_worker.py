"""The delivery worker against a real SMTP server: retries, failures, held accounts, leases, the lock."""

import datetime as dt
import random

import sqlalchemy as sa

from shopmail.core.models import Account
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.delivery import claim
from shopmail.delivery import notes
from shopmail.delivery import worker
from tests import test_delivery_support as support
from tests.test_delivery_support import order
from tests.test_delivery_support import PASSWORD

shop, mail_server = support.shop, support.mail_server  # fixtures


def _once(reply):
    """An injected reply given only to the first message; later ones are accepted."""
    calls = []

    def answer(_arg):
        calls.append(1)
        return reply if len(calls) == 1 else None

    return answer


def test_a_4xx_then_success_is_delivered_exactly_once(shop):
    shop.save_settings(admin_emails=[])
    shop.server.replies["message"] = _once("451 4.3.0 Temporary local problem, try later")
    shop.notify(order())

    report = shop.deliver()
    assert (report.sent, report.retried) == (0, 1)
    (row,) = shop.rows()
    assert row.status == "retry"
    assert "451 4.3.0" in row.last_error
    assert row.next_attempt_at > row.created_at + dt.timedelta(seconds=25)
    assert shop.deliver().handled == 0  # not due yet

    shop.make_due()
    assert shop.deliver().sent == 1
    assert [m.message_id for m in shop.server.messages] == [row.message_id]
    (row,) = shop.rows()
    assert (row.status, row.attempts) == ("sent", 2)


def test_a_5xx_for_one_recipient_fails_that_message_with_the_reply_and_the_rest_go(shop):
    shop.save_settings(admin_emails=[])

    def rcpt(arg):
        return "550 5.1.1 <nadie@cliente.example>: Recipient address rejected" if "nadie@" in arg else None

    shop.server.replies["rcpt"] = rcpt
    shop.notify(order("1", customer_email="nadie@cliente.example"), order("2"))
    report = shop.deliver()
    assert (report.sent, report.failed) == (1, 1)
    failed, sent = shop.rows()
    assert failed.status == "failed"
    assert "550 5.1.1" in failed.last_error
    assert sent.status == "sent"
    assert [m.rcpt_tos for m in shop.server.messages] == [["ana@cliente.example"]]


def test_a_refused_login_holds_the_mail_flags_the_account_and_a_passing_test_resumes(shop, admin):
    shop.server.users = {"tienda@tienda.example": "otra-clave"}  # the password was changed at the provider
    shop.notify(order())
    report = shop.deliver()
    assert report.sent == 0 and report.held == 2
    assert shop.statuses() == ["held", "held"]
    assert shop.server.messages == []
    with shop.app.app_context():
        account = session().get(Account, shop.account_id)
        assert account.held_reason == "auth_failed"
    page = admin.get("/ajustes/").get_data(as_text=True)
    assert "necesita atención" in page and "tienda@tienda.example" in page

    shop.notify(order("1002"))  # new mail for a flagged account waits too
    assert shop.deliver().sent == 0
    assert set(shop.statuses()) == {"held"}
    assert len(shop.server.auth_attempts) == 1  # no hammering the server with a wrong password

    shop.server.users = {"tienda@tienda.example": PASSWORD}
    from shopmail.services import accounts as service

    with shop.app.app_context():
        assert service.test_saved(shop.account_id).ok  # Probar SMTP passes → the account resumes
        assert session().get(Account, shop.account_id).held_reason is None
    assert shop.deliver().sent == 4
    assert len(shop.server.messages) == 4


def test_server_down_retries_every_message_then_delivers_when_it_is_back(shop):
    shop.server.stop()
    shop.notify(order("1"), order("2"))
    report = shop.deliver()
    assert report.retried == 4 and report.sent == 0
    assert all("127.0.0.1" in note for note in shop.notes())
    shop.server.start()
    shop.make_due()
    assert shop.deliver().sent == 4
    assert len(set(shop.server.message_ids)) == 4


def test_a_dropped_connection_mid_batch_retries_only_that_message(shop):
    shop.save_settings(admin_emails=[])
    shop.server.replies["message"] = _once("421 4.4.2 Connection dropped")
    shop.notify(order("1"), order("2"), order("3"))
    report = shop.deliver()
    assert (report.sent, report.retried) == (2, 1)


def test_an_expired_lease_is_taken_over(shop):
    shop.save_settings(admin_emails=[])
    shop.notify(order())
    with shop.app.app_context():
        assert claim.claim("a-worker-that-died", 10, lease_seconds=300)
        assert worker.deliver_due().handled == 0  # still leased
        session().execute(sa.update(OutboxMessage).values(lease_until=sa.text("created_at")))
        session().commit()
        assert worker.deliver_due().sent == 1
    (row,) = shop.rows()
    assert row.status == "sent" and row.lease_owner is None and row.attempts == 2


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(shop):
    shop.save_settings(admin_emails=[])
    shop.notify(order())
    with shop.app.app_context():
        (id_,) = claim.claim("first", 10, lease_seconds=300)
        session().execute(sa.update(OutboxMessage).values(lease_owner="second"))
        session().commit()
        assert claim.failed([id_], "first", notes.Note(notes.SMTP, {}, "too late")) == 0
    assert shop.statuses() == ["sending"]


def test_simulation_lock_keeps_even_mail_queued_before_it(shop):
    shop.notify(order())
    shop.app.config["SHOPMAIL_SIMULATION_LOCK"] = True
    report = shop.deliver()
    assert report.simulated == 2 and report.sent == 0
    assert shop.statuses() == ["simulated", "simulated"]
    assert shop.server.messages == []
    assert shop.server.commands == []


def test_turning_simulation_off_releases_nothing(shop):
    shop.save_settings(simulation=True)
    shop.notify(order())
    assert shop.statuses() == ["simulated", "simulated"]
    shop.save_settings(simulation=False)
    shop.make_due()
    assert shop.deliver().handled == 0
    assert shop.statuses() == ["simulated", "simulated"]
    assert shop.server.commands == []


def test_backoff_grows_exponentially_with_jitter_up_to_a_cap():
    rng = random.Random(7)
    for attempts in range(1, 6):
        delay = worker.backoff(attempts, rng)
        full = worker.BASE_DELAY * 2 ** (attempts - 1)
        assert full / 2 <= delay <= full
    assert worker.backoff(40, rng) <= worker.MAX_DELAY
    assert len({round(worker.backoff(3, rng), 3) for _ in range(20)}) > 1  # jitter spreads retries


def test_messages_older_than_three_days_stop_retrying(shop):
    shop.save_settings(admin_emails=[])
    shop.server.replies["message"] = "451 4.3.0 Try again later"
    shop.notify(order())
    shop.age(days=4)
    assert shop.deliver().failed == 1
    (row,) = shop.rows()
    assert row.status == "failed" and "tres días" in shop.notes()[0]


def test_one_connection_serves_the_whole_batch(shop):
    shop.notify(*(order(str(n)) for n in range(5)))
    assert shop.deliver(batch=50).sent == 10
    assert shop.server.commands.count("EHLO") == 2  # before and after STARTTLS, once
    assert shop.server.commands.count("AUTH") == 1


def test_failures_raise_alerts_for_the_admins(shop, admin):
    shop.server.replies["rcpt"] = lambda arg: "550 5.1.1 No such user" if "ana@" in arg else None
    shop.notify(order())
    shop.deliver()
    page = admin.get("/ajustes/").get_data(as_text=True)
    assert "no se ha podido entregar" in page and "550 5.1.1" in page
    with shop.app.app_context():
        notices = session().scalars(sa.select(OutboxMessage).filter_by(kind="alert")).all()
        assert [n.recipients for n in notices] == [["jefa@tienda.example", "almacen@tienda.example"]]


def test_a_held_account_raises_an_alert_but_no_mail(shop, admin):
    shop.server.users = {}
    shop.notify(order())
    shop.deliver()
    page = admin.get("/ajustes/").get_data(as_text=True)
    assert "no puede enviar (usuario o contraseña rechazados)" in page and "auth_failed" not in page
    assert shop.rows(kind="alert") == []
