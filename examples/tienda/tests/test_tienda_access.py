"""Every shopmail screen is for the shop's admins: other users get 403, visitors go to the shop's login."""

from __future__ import annotations

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import url_for

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def shopmail_routes(app):
    """(method, url) for every shopmail route but its static files, with sample values for the URL's parts."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("shopmail.") or rule.endpoint == "shopmail.static":
                continue
            url = url_for(rule.endpoint, **{name: 1 for name in rule.arguments})
            routes.extend((method, url) for method in sorted(rule.methods - IGNORED_METHODS))
    return routes


def csrf_token(client):
    """The token the shop's pages give this browser session (its forms all carry it)."""
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def call(client, method, url, token):
    data = {"csrf_token": token} if method != "GET" else None
    return client.open(url, method=method, data=data)


def test_the_screens_are_mounted_under_the_shops_prefix(app):
    routes = shopmail_routes(app)
    urls = {url for _, url in routes}
    assert {"/admin/correo/", "/admin/correo/generales/comunicaciones/", "/admin/correo/envios/"} <= urls
    assert all(url.startswith("/admin/correo/") for url in urls)
    assert len(routes) >= 10


def test_a_customer_gets_403_on_every_shopmail_route(app, customer):
    token = csrf_token(customer)
    for method, url in shopmail_routes(app):
        response = call(customer, method, url, token)
        assert response.status_code == 403, (method, url, response.status_code)


def test_a_visitor_is_sent_to_the_shops_login(app, client):
    token = csrf_token(client)
    for method, url in shopmail_routes(app):
        response = call(client, method, url, token)
        assert response.status_code == 302, (method, url, response.status_code)
        target = urlsplit(response.headers["Location"])
        assert (target.path, parse_qs(target.query)["next"]) == ("/entrar", [url]), (method, url)


def test_after_login_the_visitor_lands_on_the_screen_they_asked_for(client):
    response = client.get("/admin/correo/generales/comunicaciones/")
    login_page = response.headers["Location"]
    page = client.get(login_page).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(login_page, data={"email": "ana@tienda.example", "password": "contraseña-de-ana",
                                             "csrf_token": token})
    assert response.headers["Location"] == "/admin/correo/generales/comunicaciones/"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>Comunicaciones</h1>" in page


@pytest.mark.parametrize("url", ["/admin/correo/", "/admin/correo/generales/comunicaciones/",
                                 "/admin/correo/envios/", "/admin/"])
def test_an_admin_works_inside_the_shops_admin_layout(admin, url):
    response = admin.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<a class="brand" href="/">La Tienda de Ana</a>' in page
    for label in ("Pedidos", "Cuentas de correo", "Comunicaciones", "Registro de envíos"):
        assert f">{label}</a>" in page, label


def test_shopmails_stylesheet_is_served_to_the_admin_layout(admin):
    page = admin.get("/admin/correo/").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="(/admin/correo/static/[^"]+\.css)">', page).group(1)
    response = admin.get(href)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert len(response.get_data()) > 100


@pytest.mark.parametrize("target", ["https://elsewhere.example/", "//elsewhere.example/x", "javascript:alert(1)"])
def test_the_shops_login_never_sends_anyone_to_another_site(client, target):
    page = client.get("/entrar").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/entrar", query_string={"next": target},
                           data={"email": "ana@tienda.example", "password": "contraseña-de-ana", "csrf_token": token})
    assert response.headers["Location"] == "/"
