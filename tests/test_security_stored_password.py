"""A stored SMTP password only ever goes to the server it was saved for (issue 14, finding 1).

The attack: edit an account, point it at a server of one's own, leave the password empty, press Probar SMTP
(or Guardar, the live test, the CLI): the real password arrived there with AUTH. Each path is tried against
a second, "capture" aiosmtpd server that would accept the real password if it ever received it.
"""

import json
import re

import pytest

from tests.helpers import field_error
from tests.helpers import make_account
from tests.helpers import page

REAL = "clave-secreta-real"
ADDRESS = "tienda@example.com"


@pytest.fixture
def servers(smtp_server, app, smtp_ca_file):
    """The account's own server, and a capture server that would take the real password."""
    app.config["SHOPMAIL_SMTP_CA_FILE"] = smtp_ca_file
    own = smtp_server(security="starttls", users={ADDRESS: REAL})
    capture = smtp_server(security="starttls", users={ADDRESS: REAL})
    return own, capture


@pytest.fixture
def account_id(app, servers):
    own, _ = servers
    return make_account(app, ADDRESS, host="127.0.0.1", port=own.port, password=REAL, username=ADDRESS)


def edit_form(server, **changes):
    return {"address": ADDRESS, "display_name": "Tienda", "username": ADDRESS, "password": "",
            "host": "127.0.0.1", "port": str(server.port), "security": "starttls", "verify_cert": "y",
            "action": "test", **changes}


def ticket_of(body):
    match = re.search(r'id="ticket" name="ticket" type="hidden" value="([^"]*)"', body)
    return match.group(1) if match else ""


RETYPE = "escriba la contraseña de nuevo"


def test_probar_smtp_on_another_port_does_not_send_the_stored_password(admin, servers, account_id):
    own, capture = servers
    url = f"/ajustes/cuentas/{account_id}/editar"
    body = page(admin.post(url, data=edit_form(capture)))
    assert RETYPE in (field_error(body, "password") or "")
    assert capture.auth_attempts == [] and capture.commands == []
    # The same server, port and security as saved: the stored password is used (and works).
    body = page(admin.post(url, data=edit_form(own)))
    assert "Prueba SMTP correcta" in body
    assert [a.success for a in own.auth_attempts] == [True]


@pytest.mark.parametrize("change", [{"security": "ssl"}, {"verify_cert": ""}, {"host": "localhost"}])
def test_any_change_of_destination_needs_the_password(admin, servers, account_id, change):
    own, _ = servers
    body = page(admin.post(f"/ajustes/cuentas/{account_id}/editar", data=edit_form(own, **change)))
    assert RETYPE in (field_error(body, "password") or "")
    assert own.auth_attempts == []


def test_a_ticket_does_not_carry_the_password_to_another_server(admin, servers, account_id):
    own, capture = servers
    url = f"/ajustes/cuentas/{account_id}/editar"
    ticket = ticket_of(page(admin.post(url, data=edit_form(own))))
    assert ticket
    body = page(admin.post(url, data=edit_form(capture, ticket=ticket)))
    assert RETYPE in (field_error(body, "password") or "")
    body = page(admin.post(url, data=edit_form(capture, ticket=ticket, action="save")))
    assert RETYPE in (field_error(body, "password") or "")
    assert capture.auth_attempts == []


def test_typing_the_password_again_allows_the_new_server(admin, app, servers, account_id):
    _, capture = servers
    url = f"/ajustes/cuentas/{account_id}/editar"
    body = page(admin.post(url, data=edit_form(capture, password=REAL)))
    assert "Prueba SMTP correcta" in body
    saved = admin.post(url, data=edit_form(capture, action="save", ticket=ticket_of(body)))
    assert saved.status_code == 302


def test_live_probar_smtp_refuses_too(admin, servers, account_id):
    _, capture = servers
    response = admin.post(f"/ajustes/cuentas/{account_id}/editar/en-vivo", data=edit_form(capture))
    events = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert events == [{"event": "invalid"}]  # the script then submits the form: the field shows why
    assert capture.auth_attempts == []


@pytest.mark.parametrize("skip", [False, True])
def test_cli_edit_to_another_port_needs_the_password(runner, app, servers, account_id, skip):
    own, capture = servers
    args = ["shopmail", "account", "edit", str(account_id), "--port", str(capture.port)]
    result = runner.invoke(args=args + (["--skip-test"] if skip else []))
    assert result.exit_code == 1 and RETYPE in result.output
    assert capture.auth_attempts == []
    from shopmail.services.accounts import get

    with app.app_context():
        assert get(account_id).port == own.port
