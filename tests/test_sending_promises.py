"""What shopmail promises about sending, each case once seen broken (issue 12), against real servers.

Simulation lets no byte out on any path (counted at the SMTP server's socket); one message's fault stays
with that message (an international address, a server reply with a NUL, a customer's typing).
"""

import json
import re

import pytest
import sqlalchemy as sa

from shopmail.core import settings
from shopmail.core.models import Account
from shopmail.core.state import session
from shopmail.delivery import notes
from tests import test_delivery_support as support
from tests.helpers import make_account
from tests.helpers import page
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures

COMMS = "/ajustes/generales/comunicaciones/"


def _worker_once(app):
    result = app.test_cli_runner().invoke(args=["shopmail", "worker", "--once"])
    assert result.exit_code == 0, result.output


# 1. Simulation: one rule, applied by the worker right before it connects ---------------------------


def test_held_mail_stays_on_the_server_when_the_account_and_simulation_are_chosen_together(shop):
    connections = shop.server.connections  # aiosmtpd's own start-up check connects once
    shop.save_settings(sending_account_id=None)
    shop.notify(order("1"))
    shop.deliver()
    assert shop.statuses() == ["held", "held"]
    shop.save_settings(sending_account_id=shop.account_id, simulation=True)  # one save, both at once
    shop.deliver()
    _worker_once(shop.app)
    assert shop.statuses() == ["simulated", "simulated"]
    assert shop.server.bytes_received == 0 and shop.server.connections == connections


def test_mail_queued_just_before_simulation_is_switched_on_is_kept(shop):
    shop.notify(order("1"))
    assert shop.statuses() == ["queued", "queued"]
    shop.save_settings(simulation=True)
    _worker_once(shop.app)
    shop.deliver()
    assert shop.statuses() == ["simulated", "simulated"]
    assert shop.server.bytes_received == 0


def test_mail_queued_before_simulation_is_kept_by_a_worker_in_another_process(shop):
    """The worker reads the switch from the database, not from a cache another process may not share."""
    shop.notify(order("1"))
    with shop.app.app_context():  # switched on behind every cache's back, as another process would
        session().execute(sa.text("UPDATE shopmail_settings SET simulation = :on"), {"on": True})
        session().commit()
    worker = support.start_worker(shop.app, "--once")
    assert worker.wait(30) == 0, worker.stderr.read()
    assert shop.statuses() == ["simulated", "simulated"]
    assert shop.server.bytes_received == 0


def test_reintentar_while_simulation_is_on_keeps_the_message(shop, admin):
    shop.server.replies["rcpt"] = "550 5.1.1 no such user"
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"))
    shop.deliver()
    (row,) = shop.rows()
    assert row.status == "failed"
    del shop.server.replies["rcpt"]
    shop.save_settings(simulation=True)
    before = shop.server.bytes_received
    response = admin.post(f"/ajustes/envios/{row.id}/reintentar", data={}, follow_redirects=True)
    assert response.status_code == 200
    shop.deliver()
    assert shop.statuses() == ["simulated"]
    assert shop.server.bytes_received == before and shop.server.messages == []


def test_a_passing_smtp_test_resumes_held_mail_into_simulation_not_out(shop, admin):
    shop.server.replies["auth"] = "535 5.7.8 Username and Password not accepted"
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"))
    assert shop.deliver().held == 1
    del shop.server.replies["auth"]
    shop.save_settings(simulation=True)
    result = page(admin.post(f"/ajustes/cuentas/{shop.account_id}/probar", data={}))
    assert "La prueba SMTP es correcta" in result
    connections, received = shop.server.connections, shop.server.bytes_received
    shop.deliver()
    _worker_once(shop.app)
    assert shop.statuses() == ["simulated"]
    assert shop.server.messages == []  # the probe stops at DATA's 354: nothing was ever delivered
    assert (shop.server.connections, shop.server.bytes_received) == (connections, received)


def test_release_is_refused_while_simulation_is_on_and_says_why(shop):
    shop.save_settings(simulation=True, admin_emails=[])
    shop.notify(order("1"))
    (row,) = shop.rows()
    result = shop.app.test_cli_runner().invoke(args=["shopmail", "outbox", "release", str(row.id)])
    assert result.exit_code == 1 and "modo simulación está activo" in result.output
    assert shop.statuses() == ["simulated"]


# 2. The test mail never switches simulation off ---------------------------------------------------


def test_the_settings_form_after_a_test_mail_keeps_simulation_ticked(shop, admin):
    shop.save_settings(simulation=True)
    data = {"test-recipient": "prueba@cliente.example", "test-csrf_token": admin.csrf_token}
    after_test = page(admin.post(COMMS + "prueba", data=data))
    assert "Modo simulación activo" in after_test
    assert _simulation_box(after_test) == "checked"  # the box is ticked, as saved


def test_switching_simulation_off_is_said_in_the_message(shop, admin):
    shop.save_settings(simulation=True)
    form = {"sending_account_id": str(shop.account_id), "contact_email": "hola@tienda.example",
            "admin_emails": "jefa@tienda.example", "version": str(_version(shop))}
    result = page(admin.post(COMMS, data=form, follow_redirects=True))
    assert "Modo simulación desactivado" in result


def _simulation_box(html):
    """"checked" or "unchecked": the Modo simulación box as the browser shows it."""
    (tag,) = re.findall(r'<input[^>]*\bid="simulation"[^>]*>', html)
    return "checked" if re.search(r"\schecked\b", tag) else "unchecked"


def _version(shop):
    with shop.app.app_context():
        return settings.get().version


# 3. International addresses: one message's problem, never the account's ----------------------------


@pytest.fixture
def ascii_server(smtp_server):
    """A submission server that does not offer SMTPUTF8 (as many providers' do not)."""
    return smtp_server(security="starttls", users={support.SENDER: support.PASSWORD}, smtputf8=False)


@pytest.fixture
def ascii_shop(shop, ascii_server):
    with shop.app.app_context():
        session().execute(sa.update(Account).values(port=ascii_server.port))
        session().commit()
    return support.Shop(shop.app, ascii_server, shop.account_id)


def test_a_customer_at_an_international_domain_gets_mail_as_a_labels(ascii_shop):
    ascii_shop.notify(order("1", customer_email="user@bücher.example"), order("2"))
    report = ascii_shop.deliver()
    assert report.sent == 4 and report.held == 0
    rcpts = sorted(r for received in ascii_shop.server.messages for r in received.rcpt_tos)
    assert "user@xn--bcher-kva.example" in rcpts
    assert "ana@cliente.example" in rcpts


def test_a_non_ascii_local_part_fails_only_its_message_where_smtputf8_is_not_offered(ascii_shop):
    ascii_shop.notify(order("1", customer_email="josé@example.org"), order("2"), order("3"))
    report = ascii_shop.deliver()
    assert report.held == 0 and report.failed == 1 and report.sent == 5
    failed = ascii_shop.rows(status="failed")
    assert [row.recipients for row in failed] == [["josé@example.org"]]
    with ascii_shop.app.app_context():
        assert "SMTPUTF8" in notes.of(failed[0]) and "josé@example.org" in notes.of(failed[0])
    # The account is fine: the next order's mail goes out at once, no alert of a held account.
    ascii_shop.notify(order("4"))
    assert ascii_shop.deliver().sent >= 2  # the order's two mails (and the admins' alert of the failure)
    assert {row.status for row in ascii_shop.rows() if row.recipients != ["josé@example.org"]} == {"sent"}
    with ascii_shop.app.app_context():
        assert session().get(Account, ascii_shop.account_id).held_reason is None


def test_a_non_ascii_local_part_is_delivered_where_smtputf8_is_offered(shop):
    shop.save_settings(admin_emails=[])
    shop.notify(order("1", customer_email="josé@example.org"))
    assert shop.deliver().sent == 1
    (received,) = shop.server.messages
    assert received.rcpt_tos == ["josé@example.org"]


def test_an_account_at_an_international_domain_sends_without_smtputf8(app, ascii_server):
    app.config["SHOPMAIL_SMTP_CA_FILE"] = ascii_server.ca_file
    ascii_server.users["tienda@xn--bcher-kva.example"] = "clave"
    account_id = make_account(app, "tienda@bücher.example", password="clave", username="tienda@xn--bcher-kva.example",
                              host=ascii_server.host, port=ascii_server.port)
    with app.app_context():
        settings.save(sending_account_id=account_id, admin_emails=[])
    shop = support.Shop(app, ascii_server, account_id)
    result = app.test_cli_runner().invoke(args=["shopmail", "account", "test", str(account_id)])
    assert result.exit_code == 0, result.output
    shop.notify(order("1"))
    assert shop.deliver().sent == 1
    assert ascii_server.messages[-1].mail_from == "tienda@xn--bcher-kva.example"


# 4. A NUL in a server's reply is stored safely; what the server accepted stays sent ----------------


def test_a_nul_in_a_refusal_is_stored_cleaned_and_accepted_mail_is_not_sent_again(shop):
    def rcpt(arg):
        return "550 5.1.1 no such\x00user\x1b[2J" if "nadie" in arg else None

    shop.server.replies["rcpt"] = rcpt
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"), order("2", customer_email="nadie@cliente.example"), order("3"))
    report = shop.deliver()
    assert (report.sent, report.failed) == (2, 1)
    statuses = {row.recipients[0]: (row.status, row.last_error) for row in shop.rows()}
    status, error = statuses["nadie@cliente.example"]
    assert status == "failed" and "no such user" in error and "\x00" not in error and "\x1b" not in error
    shop.make_due()
    assert shop.deliver().handled == 0
    assert len(shop.server.messages) == 2


def test_probar_smtp_against_a_server_answering_with_a_nul_shows_the_result(shop, admin):
    shop.server.replies["rcpt"] = "550 5.7.1 rejected\x00here"
    response = admin.post(f"/ajustes/cuentas/{shop.account_id}/probar", data={})
    assert response.status_code == 200
    assert "rejected here" in page(response)


# 9. A test that did not test the envelope says so ---------------------------------------------------


def test_smtp_test_without_a_sender_says_which_steps_were_not_tried(app, smtp_server):
    server = smtp_server(security="none", require_starttls=False, auth_required=True,
                         auth_mechanisms=(), replies={"mail": "530 5.7.0 Must issue a STARTTLS command first"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shopmail", "smtp-test", "--host", server.host, "--port", str(server.port),
                                 "--security", "none"])
    assert "correcta" not in result.output.lower().split("no se ha probado")[0]
    assert "MAIL FROM" in result.output and "no se ha probado" in result.output.lower()
    as_json = runner.invoke(args=["shopmail", "smtp-test", "--host", server.host, "--port", str(server.port),
                                  "--security", "none", "--json"])
    data = json.loads(as_json.output)
    assert data["skipped"] == ["mail_from", "rcpt_to", "data"]
    with_sender = runner.invoke(args=["shopmail", "smtp-test", "--host", server.host, "--port", str(server.port),
                                      "--security", "none", "--from", "tienda@tienda.example"])
    assert with_sender.exit_code == 1 and "530" in with_sender.output
    # A user name that is not an address is no envelope sender either, and no login is claimed without one.
    plain_user = runner.invoke(args=["shopmail", "smtp-test", "--host", server.host, "--port", str(server.port),
                                     "--security", "none", "--username", "usuario", "--json"])
    assert json.loads(plain_user.output)["skipped"] == ["mail_from", "rcpt_to", "data"]
    assert "inicio de sesión correct" not in result.output
