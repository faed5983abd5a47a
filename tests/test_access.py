"""Every shopmail route is for admins only; POSTs need CSRF; login fails safely and locks out."""

import re

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from shopmail import ShopMail
from shopmail.core.models import Base
from tests.conftest import ADMIN_EMAIL
from tests.conftest import login

PUBLIC = {"shopmail.auth.login", "shopmail.static"}


def shopmail_urls(app):
    """Every shopmail route of the URL map, with sample arguments, so new routes are covered too."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("shopmail.") or rule.endpoint in PUBLIC:
            continue
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


def test_every_route_requires_login(client, app):
    urls = list(shopmail_urls(app))
    assert urls
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/ajustes/login" in response.headers["Location"], (method, url)


def test_embedded_without_guard_answers_403(tmp_path):
    host = Flask("host", instance_path=str(tmp_path))
    host.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://",
                       SHOPMAIL_ENCRYPTION_KEYS="ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=")
    db = SQLAlchemy(host)
    ShopMail(host, db=db)
    client = host.test_client()
    urls = list(shopmail_urls(host))
    assert urls
    for method, url in urls:
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_embedded_guard_non_admin_403_and_anonymous_redirect(tmp_path):
    host = Flask("host", instance_path=str(tmp_path))
    host.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://",
                       SHOPMAIL_LOGIN_ENDPOINT="signin", SHOPMAIL_URL_PREFIX="/admin/correo",
                       SHOPMAIL_ENCRYPTION_KEYS="ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=")
    who = {"verdict": None}
    host.add_url_rule("/signin", "signin", lambda: "login page")
    db = SQLAlchemy(host)
    ShopMail(host, db=db, admin_guard=lambda: who["verdict"])
    with host.app_context():
        Base.metadata.create_all(db.engine)
    client = host.test_client()
    response = client.get("/admin/correo/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=")
    who["verdict"] = False
    assert client.get("/admin/correo/").status_code == 403
    who["verdict"] = True
    assert client.get("/admin/correo/").status_code == 200


def test_login_page_is_spanish(client):
    page = client.get("/ajustes/login").get_data(as_text=True)
    assert '<html lang="es">' in page
    for label in ("Correo electrónico", "Contraseña", "Iniciar sesión"):
        assert label in page
    assert re.search(r'<label for="email">Correo electrónico</label>', page)
    assert re.search(r'<label for="password">Contraseña</label>', page)


def test_wrong_password_shows_spanish_error(client, admin_user):
    response = login(client, password="no-es-esta")
    assert response.status_code == 200
    assert "Correo electrónico o contraseña incorrectos." in response.get_data(as_text=True)
    assert client.get("/ajustes/").status_code == 302


def test_unknown_user_gets_same_error(client, admin_user):
    response = login(client, email="nadie@tienda.example", password="lo-que-sea")
    assert "Correo electrónico o contraseña incorrectos." in response.get_data(as_text=True)


def test_lockout_after_repeated_failures(client, admin_user, app):
    for _ in range(app.config["SHOPMAIL_LOGIN_MAX_FAILURES"]):
        login(client, password="mal")
    # Even the right password is refused while the lock-out lasts.
    response = login(client)
    assert response.status_code == 200
    assert "Demasiados intentos fallidos" in response.get_data(as_text=True)
    assert client.get("/ajustes/").status_code == 302


def test_login_then_home_and_logout(admin):
    page = admin.get("/ajustes/").get_data(as_text=True)
    assert "Cerrar sesión" in page
    assert admin.post("/ajustes/logout", data={}).status_code == 302
    assert admin.get("/ajustes/").status_code == 302


def test_post_without_csrf_is_refused(admin):
    admin.csrf_token = None
    response = admin.post("/ajustes/logout", data={})
    assert response.status_code == 400
    assert "caducado" in response.get_data(as_text=True)
    # Still logged in: the forged POST did nothing.
    assert admin.get("/ajustes/").status_code == 200


def test_login_post_without_csrf_is_refused(client, admin_user):
    response = client.post("/ajustes/login", data={"email": ADMIN_EMAIL, "password": "x"})
    assert response.status_code == 400


def test_open_redirect_after_login_refused(client, admin_user):
    page = client.get("/ajustes/login?next=//evil.example/x").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/ajustes/login?next=//evil.example/x",
                           data={"email": ADMIN_EMAIL, "password": "correcto-caballo-bateria", "csrf_token": token})
    assert response.headers["Location"] == "/ajustes/"


@pytest.mark.parametrize("path", ["/ajustes/login", "/ajustes/"])
def test_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"]


def test_login_page_has_no_inline_script(client):
    page = client.get("/ajustes/login").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"<[^>]+\son[a-z]+=", page)


def test_unknown_urls_and_forbidden_pages_are_shopmails_own_pages(client, admin_user):
    """A newcomer met Werkzeug's English "Not Found" for an id out of range (the route never matched)."""
    for url in ("/ajustes/cuentas/0", "/ajustes/envios/99999999999999999999999", "/no-existe"):
        response = client.get(url)
        assert response.status_code in (302, 404)
        if response.status_code == 404:
            body = response.get_data(as_text=True)
            assert "No existe esa página" in body and "Not Found" not in body
