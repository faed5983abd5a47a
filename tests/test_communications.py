"""Ajustes generales → Comunicaciones: fields, simulation banner and lock, conflicts, host API, CLI."""

import json

import pytest
from flask import render_template_string

from shopmail.core import settings
from tests.helpers import field_error
from tests.helpers import make_account
from tests.helpers import page

URL = "/ajustes/generales/comunicaciones/"


def form(**changes):
    return {"sending_account_id": "", "contact_email": "hola@tienda.example",
            "admin_emails": "jefa@tienda.example", "version": "0", **changes}


def test_page_labels(admin):
    body = page(admin.get(URL))
    assert "<h1>Comunicaciones</h1>" in body
    for label in ("Cuenta de envío", "Correo público de contacto", "Correos de administrador", "Modo simulación",
                  "Guardar cambios", "Vaciar caché", "Destinatario de la prueba", "Enviar correo de prueba"):
        assert label in body
    for field_id in ("sending_account_id", "contact_email", "admin_emails", "simulation", "test-recipient"):
        assert f'for="{field_id}"' in body


def test_save_parses_admin_list_and_clears_cache(admin, app):
    account_id = make_account(app)
    with app.app_context():
        assert settings.get().contact_email == ""  # now cached
    response = admin.post(URL, data=form(
        sending_account_id=str(account_id), contact_email=" Hola@Tienda.example ",
        admin_emails=" jefa@tienda.example ,  OPS@tienda.example, Jefa@Tienda.example "))
    assert response.status_code == 302
    assert "La caché se ha vaciado" in page(admin.get(URL))
    with app.app_context():
        snap = settings.get()
    assert snap.sending_account_id == account_id
    assert snap.contact_email == "Hola@tienda.example"
    assert snap.admin_emails == ("jefa@tienda.example", "OPS@tienda.example")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("value, message", [
    ("a@tienda.example, malo, b@tienda.example", "«malo» no es una dirección de correo válida"),
    ("a@tienda.example,,b@tienda.example", "La posición 2 de la lista está vacía"),
    ("a@tienda.example,", "La posición 2 de la lista está vacía"),
    (", ".join(f"a{n}@tienda.example" for n in range(500)), "Como máximo 50"),
    ("a@tienda.example\r\nBcc: x@evil.example", "sin saltos de línea"),
])
def test_admin_emails_errors(admin, value, message):
    response = admin.post(URL, data=form(admin_emails=value))
    assert response.status_code == 200
    assert message in field_error(page(response), "admin_emails")


@pytest.mark.sqlite_only
def test_contact_email_error(admin):
    body = page(admin.post(URL, data=form(contact_email="hola@")))
    assert "no es una dirección de correo válida" in field_error(body, "contact_email")


def test_only_tested_accounts_can_be_chosen(admin, app):
    untested = make_account(app, "nueva@example.com", tested=False)
    body = page(admin.get(URL))
    assert f'<option value="{untested}" disabled>nueva@example.com — sin prueba correcta</option>' in body
    body = page(admin.post(URL, data=form(sending_account_id=str(untested))))
    assert "Solo se puede elegir una cuenta cuya última prueba SMTP fue correcta" in field_error(
        body, "sending")
    with app.app_context():
        assert settings.get().sending_account_id is None


def test_sending_account_marked_in_use(admin, app):
    account_id = make_account(app)
    admin.post(URL, data=form(sending_account_id=str(account_id)))
    assert "En uso" in page(admin.get("/ajustes/cuentas/"))
    assert "En uso" in page(admin.get(f"/ajustes/cuentas/{account_id}"))


def test_simulation_banner_on_every_page(admin, app):
    assert "Modo simulación activo" not in page(admin.get("/ajustes/"))
    admin.post(URL, data=form(simulation="y"))
    for url in ("/ajustes/", "/ajustes/cuentas/", URL):
        assert "Modo simulación activo" in page(admin.get(url)), url


@pytest.mark.app_config(SHOPMAIL_SIMULATION_LOCK=True)
def test_simulation_lock(admin, app, runner):
    body = page(admin.get(URL))
    assert 'id="simulation" name="simulation" checked disabled' in body
    assert "Bloqueado por la configuración del servidor" in body
    assert "SHOPMAIL_SIMULATION_LOCK" in body.split('<details class="tech">', 1)[1]  # for support, behind the disclosure
    assert "bloqueado por la configuración del servidor" in page(admin.get("/ajustes/"))
    admin.post(URL, data=form())  # the switch is not sent: "off"
    result = runner.invoke(args=["shopmail", "settings", "set", "--simulation", "off"])
    assert "SHOPMAIL_SIMULATION_LOCK" in result.output
    with app.app_context():
        assert settings.get().simulation is True
        assert settings.get().simulation_locked is True


def test_stale_save_gets_conflict(admin, app):
    first = page(admin.get(URL))
    assert 'name="version" type="hidden" value="0"' in first
    assert admin.post(URL, data=form(contact_email="primera@tienda.example", version="0")).status_code == 302
    response = admin.post(URL, data=form(contact_email="segunda@tienda.example", version="0"))
    body = page(response)
    assert "Otra persona ha guardado estos ajustes" in body
    assert 'value="segunda@tienda.example"' in body  # the second admin's input is kept on screen
    with app.app_context():
        assert settings.get().contact_email == "primera@tienda.example"


def test_clear_cache_button(admin):
    response = admin.post(URL + "cache", data={"cache-csrf_token": admin.csrf_token}, follow_redirects=True)
    assert "Caché de shopmail vaciada." in page(response)


def test_host_api_and_template_global(app):
    with app.app_context():
        settings.save(contact_email="contacto@tienda.example", admin_emails=["a@tienda.example"])
    mail = app.extensions["shopmail"].extension
    with app.test_request_context():
        snap = mail.settings()
        assert snap.contact_email == "contacto@tienda.example"
        with pytest.raises(AttributeError):
            snap.contact_email = "x"
        assert render_template_string("{{ shopmail_contact_email() }}") == "contacto@tienda.example"


def test_cli_settings(runner, app):
    account_id = make_account(app)
    result = runner.invoke(args=["shopmail", "settings", "set", "--account", str(account_id),
                                 "--contact-email", "c@tienda.example", "--admin-emails", "a@tienda.example, B@tienda.example",
                                 "--simulation", "on"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(args=["shopmail", "settings", "show", "--json"])
    assert json.loads(shown.output) == {"sending_account_id": account_id, "contact_email": "c@tienda.example",
                                        "admin_emails": ["a@tienda.example", "B@tienda.example"],
                                        "simulation": True, "simulation_locked": False,
                                        "sending_account_address": "tienda@example.com",
                                        "backup_account_id": None, "backup_account_address": None}
    text = runner.invoke(args=["shopmail", "settings", "show"]).output
    assert "Cuenta de envío: tienda@example.com" in text  # its address, not its id
    bad = runner.invoke(args=["shopmail", "settings", "set", "--admin-emails", "a@tienda.example, nope"])
    assert bad.exit_code == 2 and "«nope»" in bad.output
    untested = make_account(app, "n@example.com", tested=False)
    refused = runner.invoke(args=["shopmail", "settings", "set", "--account", str(untested)])
    assert refused.exit_code == 1 and "no ha superado la prueba SMTP" in refused.output
    assert runner.invoke(args=["shopmail", "cache", "clear"]).exit_code == 0


def test_cached_get_sees_other_process_save(app, app_config):
    """Two app instances sharing the database and the file cache stand in for two processes here;
    tests/test_settings_processes.py does it with real server processes."""
    from shopmail import create_app

    other = create_app(app_config)
    with app.app_context():
        assert settings.get().contact_email == ""
    with other.app_context():
        settings.save(contact_email="nuevo@tienda.example")
    with app.app_context():
        assert settings.get().contact_email == "nuevo@tienda.example"


def test_empty_admin_list_saves(admin, app):
    response = admin.post(URL, data=form(admin_emails="", contact_email=""))
    assert response.status_code == 302
    with app.app_context():
        assert settings.get().admin_emails == ()


def test_page_query_count_constant(admin, app):
    from tests.helpers import QueryCounter

    make_account(app, "uno@example.com")
    with app.app_context():
        engine = app.extensions["shopmail"].db.engine
    with QueryCounter(engine) as one:
        admin.get(URL)
    for n in range(60):
        make_account(app, f"c{n}@example.com", tested=n % 2 == 0)
    with QueryCounter(engine) as many:
        assert admin.get(URL).status_code == 200
    assert many.count == one.count


@pytest.mark.sqlite_only
def test_non_ascii_local_part_is_refused_where_it_is_typed(admin):
    # Delivery never uses SMTPUTF8: such an address could be saved but never mailed.
    body = page(admin.post(URL, data=form(admin_emails="josé@tienda.example")))
    assert "no es una dirección de correo válida" in field_error(body, "admin_emails")
