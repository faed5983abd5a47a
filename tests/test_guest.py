"""shopmail as a guest in a host that set up Flask-Babel first, with a locale selector that reads the request
(as Flask-Babel's own documentation does), its own catalog, and the host's own RATELIMIT_* settings.

shopmail must send, answer its CLI and show its English screens there, never asking the host's selector
outside a request, never mixing catalogs, never limiting a host route."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from flask import render_template_string
from flask import request
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy

import shopmail
from shopmail import ShopMail
from shopmail.core import settings
from shopmail.core.state import session
from shopmail.delivery import inline
from tests.conftest import TEST_KEY
from tests.helpers import make_account
from tests.test_delivery_support import order

SENDER = "tienda@tienda.example"


def host_catalog(folder):
    """The host's own English catalog (domain ``messages``), with a msgid that shopmail also uses."""
    catalog = Catalog(locale="en", domain="messages")
    catalog.add("Guardar cambios", "Keep it (the host's wording)")
    catalog.add("Bienvenida", "Welcome to the host")
    target = folder / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)


def make_guest_host(tmp_path, mail_server, **config):
    """Flask-Babel first (selector reading request.args), then Flask-SQLAlchemy, then shopmail."""
    translations = tmp_path / "host-translations"
    host_catalog(translations)
    host = Flask("host", instance_path=str(tmp_path / "host-instance"))
    host.config.update({
        "SHOPMAIL_SEND_INLINE": False, **config})
    host.config.update(
        SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite'}", WTF_CSRF_ENABLED=False,
        BABEL_TRANSLATION_DIRECTORIES=str(translations), BABEL_DEFAULT_LOCALE="en",
        RATELIMIT_DEFAULT="2 per minute", RATELIMIT_ENABLED=True,
        SHOPMAIL_ENCRYPTION_KEYS=TEST_KEY, SHOPMAIL_CACHE_DIR=str(tmp_path / "cache"),
        SHOPMAIL_SMTP_TIMEOUT=3.0, SHOPMAIL_SMTP_LOCAL_HOSTNAME="tienda.example",
        SHOPMAIL_SMTP_CA_FILE=mail_server.ca_file)
    Babel(host, locale_selector=lambda: request.args.get("lang", "es"))
    db = SQLAlchemy(host)
    mail = ShopMail(host, db=db, admin_guard=lambda: True)

    @host.get("/hola")
    def hello():
        return render_template_string("{{ _('Bienvenida') }} · {{ _('Guardar cambios') }}")

    @host.post("/checkout/<number>")
    def checkout(number):
        mail.notify_order_completed(order(number))
        session().commit()
        return "ok"

    result = host.test_cli_runner().invoke(args=["shopmail", "db-upgrade"])
    assert result.exit_code == 0, result.output
    return host


@pytest.fixture
def mail_server(smtp_server):
    return smtp_server(security="none")


@pytest.fixture
def host(tmp_path, mail_server):
    host = make_guest_host(tmp_path, mail_server)
    yield host
    inline.delivery_for(host).stop()


def choose_account(host, server):
    account_id = make_account(host, SENDER, password=None, username="", host=server.host, port=server.port,
                              security="none")
    with host.app_context():
        settings.save(sending_account_id=account_id, contact_email="hola@tienda.example", admin_emails=[])
    return account_id


def test_the_worker_delivers_outside_any_request(host, mail_server):
    choose_account(host, mail_server)
    assert host.test_client().post("/checkout/1001").data == b"ok"

    result = host.test_cli_runner().invoke(args=["shopmail", "worker", "--once"])

    assert result.exit_code == 0, result.output
    (received,) = mail_server.wait_for_messages(1)
    assert received.mail_from == SENDER
    message = received.message
    # shopmail's language (SHOPMAIL_DEFAULT_LOCALE, Spanish), not the host's BABEL_DEFAULT_LOCALE.
    assert str(message["Subject"]) == "Confirmación de su pedido 1001"
    assert "1.234,50\xa0€" in message.get_body(("plain",)).get_content()


def test_inline_delivery_sends_from_its_thread(tmp_path, mail_server):
    host = make_guest_host(tmp_path, mail_server, SHOPMAIL_SEND_INLINE=True)
    try:
        choose_account(host, mail_server)
        assert host.test_client().post("/checkout/1002").data == b"ok"
        assert len(mail_server.wait_for_messages(1, timeout=10)) == 1
    finally:
        inline.delivery_for(host).stop()


def test_mails_follow_shopmails_own_default_locale(tmp_path, mail_server):
    host = make_guest_host(tmp_path, mail_server, SHOPMAIL_DEFAULT_LOCALE="en")
    choose_account(host, mail_server)
    host.test_client().post("/checkout/1003")
    host.test_cli_runner().invoke(args=["shopmail", "worker", "--once"])
    (received,) = mail_server.wait_for_messages(1)
    assert received.message["Subject"] == "Confirmation of your order 1003"


def test_the_cli_answers_without_a_request(host, mail_server, dns_server):
    host.config["SHOPMAIL_DNS_NAMESERVERS"] = [dns_server.address]
    runner = host.test_cli_runner()
    added = runner.invoke(args=["shopmail", "account", "add", "--address", SENDER, "--host", mail_server.host,
                                "--port", str(mail_server.port), "--security", "none", "--json"])
    assert added.exit_code == 0, added.output
    account_id = json.loads(added.stdout)["account"]["id"]
    tested = runner.invoke(args=["shopmail", "account", "test", str(account_id)])
    assert tested.exit_code == 0, tested.output
    assert runner.invoke(args=["shopmail", "settings", "set", "--account", str(account_id)]).exit_code == 0
    sent = runner.invoke(args=["shopmail", "send-test", "cliente@example.org"])
    assert sent.exit_code == 0, sent.output
    doctor = runner.invoke(args=["shopmail", "doctor", "--no-test"])
    assert doctor.exit_code in (0, 1) and isinstance(doctor.exception, (SystemExit, type(None))), doctor.output
    assert "Cuenta de envío" in doctor.output or "SPF" in doctor.output, doctor.output
    refused = runner.invoke(args=["shopmail", "settings", "set", "--contact-email", "no es una dirección"])
    assert refused.exit_code == 2 and "no es una dirección de correo válida" in refused.output
    missing = runner.invoke(args=["shopmail", "settings", "set", "--account", "999"])
    assert missing.exit_code == 1 and isinstance(missing.exception, SystemExit), missing.output


def test_shopmails_english_screens_and_the_hosts_own_catalog(host):
    client = host.test_client()
    # The host's page, its selector, its catalog: "Guardar cambios" is the host's own translation.
    assert client.get("/hola?lang=en").get_data(as_text=True) == "Welcome to the host · Keep it (the host's wording)"
    assert client.get("/hola").get_data(as_text=True) == "Bienvenida · Guardar cambios"

    assert client.post("/ajustes/idioma", data={"lang": "en", "next": "/ajustes/"}).status_code == 302
    page = client.get("/ajustes/generales/comunicaciones/").get_data(as_text=True)
    assert "<h1>Communications</h1>" in page and "Save changes" in page
    assert "Keep it" not in page
    # shopmail's switch changed shopmail only: the host still follows its own selector.
    assert client.get("/hola").get_data(as_text=True) == "Bienvenida · Guardar cambios"
    spanish = host.test_client().get("/ajustes/generales/comunicaciones/").get_data(as_text=True)
    assert "<h1>Comunicaciones</h1>" in spanish


def test_shopmail_never_limits_a_host_route_nor_reads_ratelimit_keys(host, mail_server):
    client = host.test_client()
    assert [client.get("/hola").status_code for _ in range(6)] == [200] * 6
    account_id = choose_account(host, mail_server)
    # shopmail's own budget (SHOPMAIL_RATE_LIMIT, 20 a minute by default) ignores RATELIMIT_DEFAULT.
    codes = [client.post(f"/ajustes/cuentas/{account_id}/probar").status_code for _ in range(4)]
    assert codes == [200] * 4
    assert not any(key.startswith("RATELIMIT_") and key not in ("RATELIMIT_DEFAULT", "RATELIMIT_ENABLED")
                   for key in host.config)


def test_every_message_goes_through_shopmails_own_domain():
    """A module importing gettext from flask_babel, or a shopmail template calling the host's ``_``, would
    bring back the host's selector and catalog: only shopmail.core.i18n (and the standalone app) may use them."""
    package = Path(shopmail.__file__).parent
    allowed = {package / "core" / "i18n.py", package / "app.py"}
    wrong = [str(path.relative_to(package)) for path in package.rglob("*.py")
             if path not in allowed and re.search(r"^\s*(from flask_babel import|import flask_babel)",
                                                  path.read_text(), re.M)]
    host_calls = re.compile(r"(?<![\w.])(_|gettext|ngettext|pgettext)\(")
    wrong += [str(path.relative_to(package)) for path in (package / "templates").rglob("*.*")
              if host_calls.search(path.read_text())]
    assert not wrong, wrong
