"""Cuenta de respaldo: the backup account carries the mail while the sending account cannot, on real SMTP
servers; the sending account takes over when it passes a test again; simulation still wins."""

import collections
import json
import time

import pytest

from shopmail.core import settings
from shopmail.core.models import Alert
from shopmail.core.state import session
from shopmail.services import accounts as service
from tests import test_delivery_support as support
from tests.helpers import field_error
from tests.helpers import make_account
from tests.helpers import page
from tests.test_delivery_support import order
from tests.test_delivery_support import PASSWORD
from tests.test_delivery_support import SENDER
from tests.test_delivery_support import start_worker
from tests.test_delivery_support import wait_until

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures

BACKUP = "respaldo@tienda.example"
BACKUP_PASSWORD = "clave-del-respaldo"
URL = "/ajustes/generales/comunicaciones/"


@pytest.fixture
def backup(shop, smtp_server):
    """A second server and its tested account, chosen as Cuenta de respaldo."""
    server = smtp_server(security="starttls", users={BACKUP: BACKUP_PASSWORD})
    account_id = make_account(shop.app, BACKUP, password=BACKUP_PASSWORD, username=BACKUP, display_name="Respaldo",
                              host=server.host, port=server.port, security="starttls")
    shop.save_settings(admin_emails=[], backup_account_id=account_id)
    server.account_id = account_id
    return server


def _orders(shop, first, last):
    shop.notify(*(order(str(n)) for n in range(first, last + 1)))


def _alerts(shop) -> list[str]:
    with shop.app.app_context():
        return [alert.key for alert in session().query(Alert).all()]


def test_main_refuses_login_mid_run_the_rest_go_through_the_backup_then_main_takes_over(
        shop, backup, processes, admin):
    worker = start_worker(shop.app, "--poll", "0.2", "--batch", "5")
    processes.append(worker)
    _orders(shop, 1, 10)
    wait_until(lambda: len(shop.server.messages) == 10, timeout=30)

    shop.server.users = {SENDER: "cambiada-en-el-proveedor"}  # the main server now refuses the login
    _orders(shop, 11, 30)
    wait_until(lambda: len(backup.messages) == 20, timeout=30)
    time.sleep(0.5)  # a late duplicate would show up here
    assert len(shop.server.messages) == 10
    every = {row.message_id for row in shop.rows()}
    counts = collections.Counter(shop.server.message_ids + backup.message_ids)
    assert set(counts) == every and set(counts.values()) == {1}  # none lost, none twice
    rows = shop.rows()
    assert {row.status for row in rows} == {"sent"}
    assert [row.account_id for row in rows] == [shop.account_id] * 10 + [backup.account_id] * 20
    assert all(m.message["From"].endswith(f"<{BACKUP}>") for m in backup.messages)

    home = page(admin.get("/ajustes/"))
    assert f"el correo sale por la cuenta de respaldo {BACKUP}" in home
    assert f"account-held:{shop.account_id}" in _alerts(shop)
    registro = page(admin.get("/ajustes/envios/"))
    assert registro.count(f">{BACKUP}</td>") == 20 and registro.count(f">{SENDER}</td>") == 10
    status = json.loads(shop.app.test_cli_runner().invoke(args=["shopmail", "status", "--json"]).output)
    assert "backup_in_use" in {problem["code"] for problem in status["problems"]}

    shop.server.users = {SENDER: PASSWORD}  # fixed at the provider; the admin presses Probar SMTP
    with shop.app.app_context():
        assert service.test_saved(shop.account_id).ok
    _orders(shop, 31, 40)
    wait_until(lambda: len(shop.server.messages) == 20, timeout=30)
    time.sleep(0.5)
    assert len(backup.messages) == 20
    assert "cuenta de respaldo" not in page(admin.get("/ajustes/")).split("Cuenta de respaldo:")[-1]


def test_transient_failures_past_the_grace_period_go_through_the_backup_until_main_answers(shop, backup, admin):
    shop.app.config["SHOPMAIL_FAILOVER_GRACE_SECONDS"] = 0.5
    shop.server.stop()
    _orders(shop, 1, 1)
    assert shop.deliver().retried == 1  # within the grace period: retried on the sending account
    assert backup.messages == []

    time.sleep(0.6)
    shop.make_due()
    assert shop.deliver().sent == 1
    assert len(backup.messages) == 1
    assert "servidor sin respuesta" in page(admin.get("/ajustes/"))
    assert f"backup:{shop.account_id}" in _alerts(shop)

    shop.server.start()
    time.sleep(0.6)  # the worker tries the sending account again once per grace period
    _orders(shop, 2, 2)
    assert shop.deliver().sent == 1
    assert len(shop.server.messages) == 1 and len(backup.messages) == 1


def test_with_no_backup_a_held_account_still_holds_its_mail(shop):
    shop.save_settings(admin_emails=[])
    shop.server.users = {SENDER: "otra"}
    _orders(shop, 1, 2)
    assert shop.deliver().held == 2
    assert shop.statuses() == ["held", "held"]


def test_simulation_wins_over_the_backup(shop, backup):
    shop.server.users = {SENDER: "otra"}
    _orders(shop, 1, 1)
    assert shop.deliver().sent == 1  # the sending account is held now; the backup stands in
    assert len(backup.messages) == 1
    _orders(shop, 2, 3)  # queued while the backup stands in …
    shop.save_settings(simulation=True)  # … then simulation is switched on before the worker's pass
    report = shop.deliver()
    assert (report.sent, report.simulated) == (0, 2)
    assert len(backup.messages) == 1 and shop.server.messages == []
    assert shop.statuses()[1:] == ["simulated", "simulated"]


def test_the_backup_is_chosen_on_comunicaciones_and_checked(shop, admin):
    other = make_account(shop.app, BACKUP, password=BACKUP_PASSWORD)
    untested = make_account(shop.app, "nueva@tienda.example", tested=False)
    body = page(admin.get(URL))
    assert 'for="backup_account_id"' in body and "Cuenta de respaldo" in body
    with shop.app.app_context():
        version = settings.get().version
    data = {"sending_account_id": str(shop.account_id), "contact_email": "hola@tienda.example",
            "admin_emails": "jefa@tienda.example", "version": str(version)}

    same = page(admin.post(URL, data={**data, "backup_account_id": str(shop.account_id)}))
    assert "distinta de la cuenta de envío" in field_error(same, "backup_account_id")
    never = page(admin.post(URL, data={**data, "backup_account_id": str(untested)}))
    assert "última prueba SMTP fue correcta" in field_error(never, "backup_account_id")
    assert admin.post(URL, data={**data, "backup_account_id": str(other)}).status_code == 302
    with shop.app.app_context():
        assert settings.get().backup_account_id == other
    assert f"Cuenta de respaldo: {BACKUP}" in page(admin.get("/ajustes/"))


def test_cli_backup_account(shop):
    runner = shop.app.test_cli_runner()
    other = make_account(shop.app, BACKUP, password=BACKUP_PASSWORD)
    result = runner.invoke(args=["shopmail", "settings", "set", "--backup-account", str(other), "--json"])
    assert result.exit_code == 0, result.output
    saved = json.loads(result.output)["settings"]
    assert (saved["backup_account_id"], saved["backup_account_address"]) == (other, BACKUP)
    refused = runner.invoke(args=["shopmail", "account", "delete", str(other), "--yes", "--json"])
    assert refused.exit_code == 1 and "cuenta de respaldo" in json.loads(refused.output)["error"]
    same = runner.invoke(args=["shopmail", "settings", "set", "--backup-account", str(shop.account_id), "--json"])
    assert same.exit_code == 1 and "distinta" in json.loads(same.output)["error"]
    cleared = runner.invoke(args=["shopmail", "settings", "set", "--backup-account", "none", "--json"])
    assert json.loads(cleared.output)["settings"]["backup_account_id"] is None
