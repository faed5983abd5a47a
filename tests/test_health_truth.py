"""The home page, the Estado page and `flask shopmail status` tell the truth (issue 12, case 8)."""

import datetime as dt
import json
import re

import sqlalchemy as sa

from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.state import session
from tests import test_delivery_support as support
from tests.helpers import make_account
from tests.helpers import page
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures


def _cards(html):
    """{title: (level, text)} of the home page's cards."""
    found = {}
    for level, title, body in re.findall(
            r'<section class="card card-(\w+)"[^>]*>\s*<h2[^>]*>([^<]+)</h2>(.*?)</section>', html, re.S):
        found[title] = (level, re.sub(r"<[^>]+>", " ", body))
    return found


def _status(app):
    result = app.test_cli_runner().invoke(args=["shopmail", "status", "--json"])
    return json.loads(result.output)


def test_first_run_is_not_green_and_leads_to_creating_an_account(app, admin):
    cards = _cards(page(admin.get("/ajustes/")))
    assert all(level != "ok" for level, _text in cards.values()), cards
    assert "Configuración y DNS del remitente correctos" not in cards["Salud del correo"][1]
    html = page(admin.get("/ajustes/"))
    assert re.search(r'href="/ajustes/cuentas/nueva"[^>]*>Crear la primera cuenta de correo', html)
    data = _status(app)
    assert data["level"] == "error" and "no_account" in [p["code"] for p in data["problems"]]
    estado = page(admin.get("/ajustes/estado/"))
    assert "No hay cuenta de envío" in estado


def test_an_untested_account_leads_to_the_account_list(app, admin):
    make_account(app, "tienda@tienda.example", tested=False)
    html = page(admin.get("/ajustes/"))
    assert re.search(r'href="/ajustes/cuentas/"[^>]*>Probar una de sus cuentas', html)


def test_a_working_shop_is_green_everywhere(shop, admin):
    shop.notify(order("1"))
    assert shop.deliver().sent == 2
    cards = _cards(page(admin.get("/ajustes/")))
    assert cards["Envíos"][0] == "ok" and cards["Comunicaciones"][0] == "ok", cards
    data = _status(shop.app)
    assert data["problems"] == [] and data["level"] == "ok"


def test_with_the_smtp_server_down_sending_is_not_green(shop, admin):
    shop.server.stop()
    shop.notify(order("1"))
    shop.deliver()  # connection refused: the mail will be retried
    cards = _cards(page(admin.get("/ajustes/")))
    level, text = cards["Envíos"]
    assert level != "ok" and "reintentar" in text
    assert _status(shop.app)["level"] != "ok"
    with shop.app.app_context():  # ten minutes later, still not out
        session().execute(sa.update(OutboxMessage).values(created_at=utcnow() - dt.timedelta(minutes=10)))
        session().commit()
    level, text = _cards(page(admin.get("/ajustes/")))["Envíos"]
    assert level == "error" and "el envío no avanza" in text
    assert "queue_stale" in [p["code"] for p in _status(shop.app)["problems"]]
    assert "el envío no avanza" in page(admin.get("/ajustes/estado/"))
