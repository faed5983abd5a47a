"""Create and edit accounts the way the admin does: Probar SMTP against a real server, then Guardar."""

import json
import logging
import re

import pytest

from shopmail.core.models import Account
from shopmail.core.state import session
from tests.helpers import page

NEW = "/ajustes/cuentas/nueva"


@pytest.fixture
def server(smtp_server, app, smtp_ca_file):
    app.config["SHOPMAIL_SMTP_CA_FILE"] = smtp_ca_file
    return smtp_server(security="starttls", users={"tienda@example.com": "la-buena"})


def form(server, **changes):
    return {"address": "tienda@example.com", "display_name": "Tienda", "username": "",
            "password": "la-buena", "host": "127.0.0.1", "port": str(server.port), "security": "starttls",
            "verify_cert": "y", "action": "test", **changes}


def ticket_of(body):
    match = re.search(r'id="ticket" name="ticket" type="hidden" value="([^"]*)"', body)
    return match.group(1) if match else ""


def test_wrong_password_fails_with_reason_and_cannot_save(admin, app, server, caplog):
    caplog.set_level(logging.DEBUG)
    body = page(admin.post(NEW, data=form(server, password="la-mala")))
    assert "La prueba SMTP ha fallado" in body
    assert "auth_failed" in body
    assert ticket_of(body) == ""
    assert len(server.auth_attempts) == 1  # one AUTH attempt, not one per mechanism
    saved = page(admin.post(NEW, data=form(server, password="la-mala", action="save")))
    assert "Pruebe la conexión con «Probar SMTP»" in saved
    with app.app_context():
        assert session().query(Account).count() == 0
    assert "la-mala" not in body + saved
    assert "la-mala" not in caplog.text


def test_pass_then_save_without_retyping_password(admin, app, server, caplog):
    caplog.set_level(logging.DEBUG)
    body = page(admin.post(NEW, data=form(server)))
    assert "Prueba SMTP correcta" in body
    for step in ("connect", "starttls", "auth", "rcpt_to", "data"):
        assert f'<span class="step-name" data-step="{step}">' in body
    assert "TLSv1.3" in body or "TLSv1.2" in body
    assert "Ya probada: no hace falta escribirla de nuevo." in body
    ticket = ticket_of(body)
    assert ticket
    assert server.messages == []  # the test stops at DATA's 354: nothing is delivered
    # No JavaScript: the browser does not send the password again.
    response = admin.post(NEW, data=form(server, password="", action="save", ticket=ticket))
    assert response.status_code == 302, page(response)
    shown = page(admin.get(response.headers["Location"]))
    assert "Cuenta tienda@example.com guardada." in shown and "Prueba correcta" in shown
    with app.app_context():
        account = session().query(Account).one()
        assert account.username == "tienda@example.com"
        assert b"la-buena" not in bytes(account.password_sealed)
        from shopmail.core import crypto

        assert crypto.unseal(account.password_sealed) == "la-buena"
    assert "la-buena" not in body + shown
    assert "la-buena" not in caplog.text


def test_changed_values_after_test_need_a_new_test(admin, app, server):
    ticket = ticket_of(page(admin.post(NEW, data=form(server))))
    body = page(admin.post(NEW, data=form(server, password="", action="save", ticket=ticket,
                                          security="ssl")))
    # A kept password never follows a change of security: it must be typed (and tested) again.
    assert "escriba la contraseña de nuevo" in body
    body = page(admin.post(NEW, data=form(server, password="otra", action="save", ticket=ticket)))
    assert "Pruebe la conexión con «Probar SMTP»" in body
    with app.app_context():
        assert session().query(Account).count() == 0


def test_forged_ticket_is_refused(admin, app, server):
    body = page(admin.post(NEW, data=form(server, action="save", ticket="inventado")))
    assert "Pruebe la conexión con «Probar SMTP»" in body


def test_edit_keeps_password_and_tests_saved_account(admin, app, server):
    ticket = ticket_of(page(admin.post(NEW, data=form(server))))
    location = admin.post(NEW, data=form(server, password="", action="save", ticket=ticket)).headers["Location"]
    account_id = int(location.rstrip("/").split("/")[-1])
    edit = page(admin.get(f"/ajustes/cuentas/{account_id}/editar"))
    assert "Déjela vacía para conservar la contraseña guardada." in edit and "la-buena" not in edit
    version = re.search(r'name="version" type="hidden" value="(\d+)"', edit).group(1)
    # Test the stored password through the form (blank field), then save.
    body = page(admin.post(f"/ajustes/cuentas/{account_id}/editar",
                           data=form(server, password="", version=version)))
    assert "Prueba SMTP correcta" in body
    shown = page(admin.post(f"/ajustes/cuentas/{account_id}/probar", data={}))
    assert "Prueba SMTP correcta" in shown
    server.users["tienda@example.com"] = "cambiada"
    shown = page(admin.post(f"/ajustes/cuentas/{account_id}/probar", data={}))
    assert "auth_failed" in shown and "Prueba fallida" in shown


def test_probe_json_for_javascript(admin, server):
    response = admin.post(NEW, data=form(server), headers={"Accept": "application/json"})
    data = response.get_json()
    assert data["ok"] is True and data["reason"] == "ok" and data["ticket"]
    assert {s["step"] for s in data["steps"]} >= {"dns", "connect", "ehlo", "starttls", "auth", "data"}
    assert data["tls"]["version"].startswith("TLS")
    assert "la-buena" not in json.dumps(data)


def test_cli_add_test_list_show(runner, app, server, smtp_ca_file):
    args = ["shopmail", "account", "add", "--address", "tienda@example.com", "--password", "-",
            "--host", "127.0.0.1", "--port", str(server.port), "--security", "starttls", "--json"]
    bad = runner.invoke(args=args, input="la-mala\n")
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["test"]["reason"] == "auth_failed"
    good = runner.invoke(args=args, input="la-buena\n")
    assert good.exit_code == 0, good.output
    account = json.loads(good.stdout)["account"]
    assert account["last_test"]["ok"] is True and "password" not in account
    listed = runner.invoke(args=["shopmail", "account", "list", "--json"])
    assert [a["address"] for a in json.loads(listed.stdout)] == ["tienda@example.com"]
    assert "la-buena" not in bad.output + good.output + listed.output
    tested = runner.invoke(args=["shopmail", "account", "test", str(account["id"]), "--json"])
    assert tested.exit_code == 0 and json.loads(tested.stdout)["ok"] is True
    assert runner.invoke(args=["shopmail", "account", "show", "99"]).exit_code == 1
    relay = runner.invoke(args=["shopmail", "account", "add", "--address", "relay@example.com", "--host",
                                "mail.example.com", "--port", "25", "--security", "none", "--skip-test"])
    assert relay.exit_code == 0, relay.output
    refused = runner.invoke(args=["shopmail", "account", "add", "--address", "x@example.com", "--password", "p",
                                  "--host", "mail.example.com", "--port", "25", "--security", "none", "--skip-test"])
    assert refused.exit_code == 2 and "en claro" in refused.output


def test_cli_smtp_test(runner, server, app):
    result = runner.invoke(args=["shopmail", "smtp-test", "--host", "127.0.0.1", "--port", str(server.port),
                                 "--security", "starttls", "--username", "tienda@example.com",
                                 "--password", "la-buena", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    failed = runner.invoke(args=["shopmail", "smtp-test", "--host", "127.0.0.1", "--port", str(server.port),
                                 "--security", "ssl"])
    assert failed.exit_code == 1 and "use_starttls" in failed.output
