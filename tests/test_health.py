"""`flask shopmail status`, `doctor` and the status page."""

import json

import pytest

from shopmail.core import settings
from shopmail.core.models import Base
from shopmail.services.status import beat
from tests.helpers import make_account


def test_status_cli_and_page(runner, app, admin):
    account_id = make_account(app)
    with app.app_context():
        settings.save(sending_account_id=account_id, simulation=True)
        beat("worker-1", processed=3)
    result = runner.invoke(args=["shopmail", "status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sending_account"]["address"] == "tienda@example.com"
    assert data["sending_account"]["last_test"]["ok"] is True
    assert data["simulation"] is True and data["queue_depth"] == 0 and data["workers_alive"] == 1
    assert data["last_worker_heartbeat"]
    body = admin.get("/ajustes/estado/").get_data(as_text=True)
    assert "Estado del correo" in body and "tienda@example.com" in body


def stamp(app):
    """The test tables come from create_all; tell Alembic they are at head."""
    from alembic import command

    from shopmail.core import migrate

    with app.app_context():
        command.stamp(migrate._config(), "shopmail@head")


def test_doctor_dns_verdict(runner, app, dns_server):
    stamp(app)
    app.config["SHOPMAIL_DNS_NAMESERVERS"] = [dns_server.address]
    dns_server.add("buena.example", "TXT", "v=spf1 include:_spf.proveedor.example -all")
    dns_server.add("_dmarc.buena.example", "TXT", "v=DMARC1; p=quarantine")
    dns_server.add("buena.example", "MX", (10, "mx.buena.example"))
    good = make_account(app, "ventas@buena.example")
    bad = make_account(app, "ventas@mala.example")
    with app.app_context():
        settings.save(sending_account_id=good)
    result = runner.invoke(args=["shopmail", "doctor", "--no-test", "--json"])
    data = json.loads(result.stdout)
    levels = {c["name"]: c["level"] for c in data["checks"]}
    assert levels["spf"] == levels["dmarc"] == levels["mx"] == levels["verdict"] == "ok", data
    assert levels["database"] == "ok"
    with app.app_context():
        settings.save(sending_account_id=bad)
    result = runner.invoke(args=["shopmail", "doctor", "--no-test"])
    assert result.exit_code == 1
    assert "Sin registro SPF en mala.example" in result.output
    assert "exigen SPF y DMARC" in result.output


def test_doctor_without_sending_account(runner, app):
    stamp(app)
    result = runner.invoke(args=["shopmail", "doctor", "--json"])
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["checks"]
    assert any(c["name"] == "sending_account" and c["level"] == "error" for c in checks)
    assert any(c["name"] == "encryption_keys" and c["level"] == "ok" for c in checks)


def test_doctor_sees_unmigrated_database(runner, app):
    result = runner.invoke(args=["shopmail", "doctor", "--json"])
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["checks"]
    assert any(c["name"] == "database" and "db-upgrade" in c["message"] for c in checks)


def test_home_page_shows_the_doctors_findings(admin, app, dns_server):
    stamp(app)
    app.config["SHOPMAIL_DNS_NAMESERVERS"] = [dns_server.address]
    account_id = make_account(app, "ventas@sin-spf.example")
    with app.app_context():
        settings.save(sending_account_id=account_id)
    body = admin.get("/ajustes/").get_data(as_text=True)
    assert "Salud del correo" in body
    assert "Sin registro SPF en sin-spf.example" in body


def test_doctor_prints_no_control_characters_a_dns_answer_carried(runner, app, dns_server):
    """A TXT record is the domain owner's text, not ours: an escape sequence in it never reaches the terminal."""
    stamp(app)
    app.config["SHOPMAIL_DNS_NAMESERVERS"] = [dns_server.address]
    dns_server.add("rara.example", "TXT", "v=spf1 \x1b[2J\x1b]0;pwned\x07 -all")
    dns_server.add("_dmarc.rara.example", "TXT", "v=DMARC1; p=none")
    dns_server.add("rara.example", "MX", (10, "mx.rara.example"))
    with app.app_context():
        settings.save(sending_account_id=make_account(app, "ventas@rara.example"))
    result = runner.invoke(args=["shopmail", "doctor", "--no-test"])
    assert "v=spf1" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_doctor_tells_a_key_that_is_not_a_fernet_key_from_a_missing_one(runner, app):
    stamp(app)
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = "bogus"
    result = runner.invoke(args=["shopmail", "doctor", "--json"], env={"LANG": "en_US.UTF-8"})
    (check,) = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "encryption_keys"]
    assert check["level"] == "error" and "is not valid" in check["message"], check
    assert "contains a key that is not a valid Fernet key" in json.dumps(check), check
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = ""
    result = runner.invoke(args=["shopmail", "doctor", "--json"], env={"LANG": "en_US.UTF-8"})
    (check,) = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "encryption_keys"]
    assert check["level"] == "error" and "is missing" in json.dumps(check), check


@pytest.mark.parametrize("command", [["status"], ["account", "list"], ["settings", "show"], ["outbox", "list"]])
def test_a_command_run_before_db_upgrade_says_so_instead_of_a_traceback(runner, app, command):
    with app.app_context():
        Base.metadata.drop_all(app.extensions["shopmail"].db.engine)
    result = runner.invoke(args=["shopmail", *command])
    assert result.exit_code == 1 and "flask shopmail db-upgrade" in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    as_json = runner.invoke(args=["shopmail", *command, "--json"])
    assert as_json.exit_code == 1 and "db-upgrade" in json.loads(as_json.stdout)["error"]
