"""Cuentas de correo: the library, the account page, delete, stale edits, field validation."""


import pytest

from shopmail.core import settings
from shopmail.core.models import Account
from shopmail.core.state import session
from tests.helpers import field_error
from tests.helpers import make_account
from tests.helpers import page
from tests.helpers import QueryCounter


def test_empty_library_tells_what_to_do(admin):
    body = page(admin.get("/ajustes/cuentas/"))
    assert "<h1>Cuentas de correo</h1>" in body
    assert 'aria-label="Nueva cuenta de correo"' in body
    assert "Todavía no hay ninguna cuenta" in body and "Probar SMTP" in body


def test_library_rows_badges_and_search(admin, app):
    first = make_account(app, "ventas@example.com")
    make_account(app, "soporte@example.com", tested=False, host="mail.example.com", port=465, security="ssl")
    with app.app_context():
        settings.save(sending_account_id=first)
    body = page(admin.get("/ajustes/cuentas/"))
    assert "ventas@example.com" in body and "smtp.example.com:587" in body and "STARTTLS" in body
    assert "mail.example.com:465" in body and "SSL/TLS" in body
    assert "Sin probar" in body and "Prueba correcta" in body
    assert body.count("En uso") == 1
    assert body.count(">Ver</a>") == 2
    searched = page(admin.get("/ajustes/cuentas/?q=soporte"))
    assert "soporte@example.com" in searched and "ventas@example.com" not in searched


def test_pagination(admin, app):
    for n in range(30):
        make_account(app, f"c{n:02d}@example.com")
    first = page(admin.get("/ajustes/cuentas/"))
    assert "Página 1 de 2" in first and "c24@example.com" in first and "c25@example.com" not in first
    second = page(admin.get("/ajustes/cuentas/?page=2"))
    assert "c29@example.com" in second and "c00@example.com" not in second


def test_library_query_count_does_not_grow(admin, app):
    make_account(app, "uno@example.com")
    with app.app_context():
        engine = app.extensions["shopmail"].db.engine
    with QueryCounter(engine) as one:
        admin.get("/ajustes/cuentas/")
    for n in range(199):
        make_account(app, f"c{n}@example.com")
    with QueryCounter(engine) as many:
        assert admin.get("/ajustes/cuentas/").status_code == 200
    assert many.count == one.count


def test_show_never_renders_password(admin, app):
    account_id = make_account(app, password="no-me-muestres")
    for url in (f"/ajustes/cuentas/{account_id}", f"/ajustes/cuentas/{account_id}/editar", "/ajustes/cuentas/"):
        body = page(admin.get(url))
        assert "no-me-muestres" not in body
    body = page(admin.get(f"/ajustes/cuentas/{account_id}"))
    for label in ("Editar", "Eliminar", "Probar SMTP", "Guardada (cifrada)"):
        assert label in body


def test_stored_column_holds_ciphertext(app):
    account_id = make_account(app, password="texto-plano")
    with app.app_context():
        raw = session().get(Account, account_id).password_sealed
    assert b"texto-plano" not in bytes(raw)


def test_delete_asks_then_deletes(admin, app):
    account_id = make_account(app)
    body = page(admin.get(f"/ajustes/cuentas/{account_id}/eliminar"))
    assert "no se puede deshacer" in body and "data-confirm" in body
    response = admin.post(f"/ajustes/cuentas/{account_id}/eliminar", data={})
    assert response.status_code == 302
    assert "eliminada" in page(admin.get(response.headers["Location"]))
    assert admin.get(f"/ajustes/cuentas/{account_id}").status_code == 404


def test_delete_of_sending_account_refused(admin, app, runner):
    account_id = make_account(app)
    with app.app_context():
        settings.save(sending_account_id=account_id)
    response = admin.post(f"/ajustes/cuentas/{account_id}/eliminar", data={}, follow_redirects=True)
    assert "es la cuenta de envío" in page(response)
    result = runner.invoke(args=["shopmail", "account", "delete", str(account_id), "--yes"])
    assert result.exit_code == 1 and "cuenta de envío" in result.output
    assert admin.get(f"/ajustes/cuentas/{account_id}").status_code == 200


def test_edit_display_name_only_needs_no_new_test(admin, app):
    account_id = make_account(app)
    with app.app_context():
        version = session().get(Account, account_id).version
    response = admin.post(f"/ajustes/cuentas/{account_id}/editar", data={
        "address": "tienda@example.com", "display_name": "Mi Tienda", "username": "tienda@example.com",
        "host": "smtp.example.com", "port": "587", "security": "starttls", "verify_cert": "y",
        "version": str(version), "action": "save"})
    assert response.status_code == 302
    assert "Mi Tienda" in page(admin.get(f"/ajustes/cuentas/{account_id}"))


def test_stale_edit_gets_conflict_and_nothing_lost(admin, app):
    account_id = make_account(app)
    with app.app_context():
        account = session().get(Account, account_id)
        stale_version = account.version
        account.display_name = "Cambiado por otra persona"
        session().commit()
    response = admin.post(f"/ajustes/cuentas/{account_id}/editar", data={
        "address": "tienda@example.com", "display_name": "Mi versión", "username": "tienda@example.com",
        "host": "smtp.example.com", "port": "587", "security": "starttls", "verify_cert": "y",
        "version": str(stale_version), "action": "save"})
    body = page(response)
    assert response.status_code == 200
    assert "Otra persona ha cambiado esta cuenta" in body
    assert 'value="Mi versión"' in body  # what the admin typed is still on screen
    with app.app_context():
        assert session().get(Account, account_id).display_name == "Cambiado por otra persona"


def test_save_without_test_is_refused(admin, app):
    response = admin.post("/ajustes/cuentas/nueva", data={
        "address": "nueva@example.com", "username": "", "password": "x", "host": "smtp.example.com",
        "port": "587", "security": "starttls", "verify_cert": "y", "action": "save"})
    assert response.status_code == 200
    assert "Pruebe la conexión con «Probar SMTP»" in page(response)
    with app.app_context():
        assert session().query(Account).count() == 0


BASE = {"address": "tienda@example.com", "username": "", "password": "clave", "host": "smtp.example.com",
        "port": "587", "security": "starttls", "verify_cert": "y", "action": "save"}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("changes, field, message", [
    ({"address": "no-es-correo"}, "address", "no es una dirección de correo válida"),
    ({"address": ""}, "address", "Escriba la dirección de correo"),
    ({"port": "0"}, "port", "El puerto va de 1 a 65535"),
    ({"port": "70000"}, "port", "El puerto va de 1 a 65535"),
    ({"port": "abc"}, "port", ""),
    ({"host": "smtp://smtp.example.com"}, "host", "sin «smtp://»"),
    ({"host": "smtp example.com"}, "host", "espacios"),
    ({"host": "smtp.example.com\r\nRCPT TO:<x@y>"}, "host", "saltos de línea"),
    ({"host": "smtp.example.com:587"}, "host", "puerto en su campo"),
    ({"host": "-bad-.example.com"}, "host", "no es un nombre de servidor válido"),
    ({"security": "none"}, "security", "la contraseña viajaría en claro"),
    ({"display_name": "Tienda\r\nBcc: x@y.es"}, "display_name", "saltos de línea"),
])
def test_field_validation_in_spanish(admin, changes, field, message):
    response = admin.post("/ajustes/cuentas/nueva", data={**BASE, **changes})
    assert response.status_code == 200
    error = field_error(page(response), field)
    assert error is not None, field
    assert message in error


@pytest.mark.sqlite_only
@pytest.mark.parametrize("changes", [
    {"security": "none", "host": "127.0.0.1"},      # a password in clear text on loopback is fine
    {"security": "none", "password": ""},           # a relay without login
])
def test_allowed_unencrypted_cases(admin, changes):
    body = page(admin.post("/ajustes/cuentas/nueva", data={**BASE, **changes}))
    assert field_error(body, "security") is None


@pytest.mark.sqlite_only
@pytest.mark.parametrize("port, security, warning", [
    ("587", "ssl", "suele usar STARTTLS"), ("465", "starttls", "suele usar SSL/TLS")])
def test_unusual_combination_warns(admin, port, security, warning):
    body = page(admin.post("/ajustes/cuentas/nueva", data={**BASE, "port": port, "security": security}))
    assert warning in body
