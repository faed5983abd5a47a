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
from tests.test_health import stamp

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


def _sender_domain_in_dns(app, dns_server):
    """The sending domain publishes SPF, DMARC and MX on the test DNS server; the tables are at head."""
    stamp(app)
    app.config["SHOPMAIL_DNS_NAMESERVERS"] = [dns_server.address]
    dns_server.add("tienda.example", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns_server.add("_dmarc.tienda.example", "TXT", "v=DMARC1; p=none")
    dns_server.add("tienda.example", "MX", (10, "mx.tienda.example"))


def test_a_working_shop_is_green_everywhere(shop, admin, dns_server):
    _sender_domain_in_dns(shop.app, dns_server)
    shop.notify(order("1"))
    assert shop.deliver().sent == 2
    cards = _cards(page(admin.get("/ajustes/")))
    assert {title: level for title, (level, _text) in cards.items()} == {
        "Comunicaciones": "ok", "Envíos": "ok", "Salud del correo": "ok"}, cards
    data = _status(shop.app)
    assert data["problems"] == [] and data["level"] == "ok"
    assert 'class="result result-ok"' in page(admin.get("/ajustes/estado/"))


def test_the_status_page_agrees_with_the_home_page_about_the_sender_domain(shop, admin, dns_server):
    """Issue 12 review: the home card was red for a missing SPF while the status page said all was well."""
    stamp(shop.app)
    shop.app.config["SHOPMAIL_DNS_NAMESERVERS"] = [dns_server.address]  # no records for tienda.example
    shop.notify(order("1"))
    assert shop.deliver().sent == 2
    level, text = _cards(page(admin.get("/ajustes/"))).get("Salud del correo")
    assert level == "error" and "SPF" in text
    estado = page(admin.get("/ajustes/estado/"))
    assert 'class="result result-bad"' in estado and "Sin registro SPF" in estado
    data = _status(shop.app)
    assert data["level"] == "error" and "check_spf" in [p["code"] for p in data["problems"]]
    assert _cards(page(admin.get("/ajustes/")))["Envíos"][0] == "ok"  # mail itself flows


def test_a_dns_server_that_does_not_answer_is_not_reported_as_missing_records(shop, admin, silent_dns):
    stamp(shop.app)
    shop.app.config["SHOPMAIL_DNS_NAMESERVERS"] = [silent_dns]
    result = shop.app.test_cli_runner().invoke(args=["shopmail", "doctor", "--no-test"])
    assert "El DNS no respondió" in result.output
    assert "Sin registro SPF" not in result.output and "sin MX" not in result.output


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


def test_status_prints_sentences_not_python_values(shop):
    """A newcomer read "Última prueba: {'ok': True, …}" and ISO time stamps in the human output."""
    shop.notify(order("1"))
    output = shop.app.test_cli_runner().invoke(args=["shopmail", "status"]).output
    assert "{" not in output and "None" not in output and "True" not in output
    assert re.search(r"Última prueba: correcta, \d\d/\d\d/\d{4} \d\d:\d\d UTC", output)
    assert re.search(r"más antiguo: \d\d/\d\d/\d{4} \d\d:\d\d UTC", output)
