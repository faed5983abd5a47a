"""What a host shop relies on beyond the example shop (examples/tienda/tests): its layout as the base
template, shadowing any shopmail template, its own CSRF set-up, and one ShopMail object for several apps."""

from __future__ import annotations

import re

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from shopmail import ShopMail
from tests.conftest import TEST_KEY


def make_host(tmp_path, name="host", templates=None, mail=None, **config):
    """A bare Flask host whose every visitor is an admin, with shopmail's tables created by its CLI."""
    folder = tmp_path / f"{name}-templates"
    for path, text in (templates or {}).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    host = Flask(name, instance_path=str(tmp_path / f"{name}-instance"), template_folder=str(folder))
    host.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / name}.sqlite",
                       SHOPMAIL_ENCRYPTION_KEYS=TEST_KEY, SHOPMAIL_CACHE_DIR=str(tmp_path / f"{name}-cache"),
                       SHOPMAIL_SEND_INLINE=False, **config)
    db = SQLAlchemy(host)
    if mail is None:
        ShopMail(host, db=db, admin_guard=lambda: True)
    else:
        mail.init_app(host, db=db, admin_guard=lambda: True)
    result = host.test_cli_runner().invoke(args=["shopmail", "db-upgrade"])
    assert result.exit_code == 0, result.output
    return host


HOST_LAYOUT = """<!doctype html><html><head><title>{% block title %}{% endblock %} · Mi tienda</title>
{% block shopmail_head %}{% endblock %}</head>
<body><nav id="host-nav">Mi tienda</nav>{% block content %}{% endblock %}</body></html>"""


def test_screens_render_inside_the_hosts_layout_with_shopmails_stylesheet(tmp_path):
    host = make_host(tmp_path, templates={"admin.html": HOST_LAYOUT}, SHOPMAIL_BASE_TEMPLATE="admin.html")

    page = host.test_client().get("/ajustes/generales/comunicaciones/").get_data(as_text=True)

    assert '<nav id="host-nav">Mi tienda</nav>' in page
    assert "<h1>Comunicaciones</h1>" in page
    assert "<title>Comunicaciones · Mi tienda</title>" in page
    head = page.split("</head>")[0]
    assert "/ajustes/static/shopmail/shopmail.css" in head
    assert "/ajustes/static/shopmail/shopmail.js" in head


def test_a_layout_with_only_a_content_block_is_enough(tmp_path):
    host = make_host(tmp_path, templates={"bare.html": "<main>{% block content %}{% endblock %}</main>"},
                     SHOPMAIL_BASE_TEMPLATE="bare.html")

    response = host.test_client().get("/ajustes/generales/comunicaciones/")

    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("<main>")


def test_the_host_overrides_any_screen_by_shadowing_its_template(tmp_path):
    shadow = '{% extends "shopmail/page.html" %}{% block content %}<h1>Correo de Mi tienda</h1>{% endblock %}'
    host = make_host(tmp_path, templates={"shopmail/home.html": shadow})

    page = host.test_client().get("/ajustes/").get_data(as_text=True)

    assert "<h1>Correo de Mi tienda</h1>" in page
    assert "El correo de la tienda" not in page


def test_a_host_with_csrfprotect_can_still_save(tmp_path):
    host = make_host(tmp_path)
    CSRFProtect(host)
    client = host.test_client()
    url = "/ajustes/generales/comunicaciones/"
    page = client.get(url).get_data(as_text=True)
    form = page.split(f'action="{url}"')[1].split("</form>")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', form).group(1)
    data = {"contact_email": "hola@mitienda.example", "admin_emails": "", "sending_account_id": "",
            "version": version}

    assert client.post(url, data=data).status_code == 400
    assert client.post(url, data={**data, "csrf_token": token}).status_code == 302
    with host.app_context():
        assert host.extensions["shopmail"].extension.settings().contact_email == "hola@mitienda.example"


def test_one_shopmail_object_serves_two_apps_each_with_its_own_data(tmp_path):
    mail = ShopMail()
    first = make_host(tmp_path, "first", mail=mail, SHOPMAIL_URL_PREFIX="/correo")
    second = make_host(tmp_path, "second", mail=mail, SHOPMAIL_URL_PREFIX="/admin/email")

    result = first.test_cli_runner().invoke(args=["shopmail", "settings", "set", "--contact-email", "a@uno.example"])
    assert result.exit_code == 0, result.output

    with first.app_context():
        assert mail.settings().contact_email == "a@uno.example"
    with second.app_context():
        assert mail.settings().contact_email == ""
    assert second.test_client().get("/admin/email/").status_code == 200
    assert second.test_client().get("/correo/").status_code == 404
