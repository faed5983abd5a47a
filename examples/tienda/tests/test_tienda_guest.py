"""shopmail as a guest of a shop that set up Flask-Babel (a selector reading the request), Flask-Limiter (a
default limit) and Flask-Caching before it: mail still goes out from the worker process and inline, the CLI
answers, shopmail's screens speak English when asked while the shop keeps its own language and catalog,
the shop's limiter and cache stay the shop's, and shopmail never limits a shop route."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from test_tienda_checkout import buy
from tienda.extensions import cache
from tienda_testing import flask_cli
from tienda_testing import submit

SHOP = Path(__file__).resolve().parent.parent


class Sink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        self.messages, self.arrived = [], threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.arrived:
            self.messages.append(envelope)
            self.arrived.notify_all()
        return "250 OK"

    def wait(self, count, timeout=15.0):
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)


@pytest.fixture
def sink():
    handler = Sink()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        handler.port = sock.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


def use_sink(runner, sink):
    """The sending account, added and tested by shopmail's CLI (no request anywhere)."""
    out = flask_cli(runner, "shopmail", "account", "add", "--address", "tienda@tienda.example", "--host",
                    "127.0.0.1", "--port", str(sink.port), "--security", "none", "--json")
    account_id = json.loads(out)["account"]["id"]
    flask_cli(runner, "shopmail", "settings", "set", "--account", str(account_id), "--admin-emails",
              "ana@tienda.example")
    return account_id


def worker_env(app) -> dict:
    """A `flask --app tienda shopmail worker` process configured the shop's way (FLASK_* variables)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SHOPMAIL_", "FLASK_"))}
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:
        url = url.update_query_dict({"options": options})
    env.update(FLASK_SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False),
               FLASK_SECRET_KEY=app.config["SECRET_KEY"],
               FLASK_SHOPMAIL_ENCRYPTION_KEYS=app.config["SHOPMAIL_ENCRYPTION_KEYS"],
               FLASK_SHOPMAIL_CACHE_DIR=app.config["SHOPMAIL_CACHE_DIR"],
               FLASK_SHOPMAIL_SEND_INLINE="false",
               PYTHONPATH=os.pathsep.join(filter(None, [str(SHOP), env.get("PYTHONPATH")])))
    return env


def test_the_worker_process_delivers_the_checkouts_mail(app, runner, customer, sink):
    use_sink(runner, sink)
    assert buy(customer).status_code == 302

    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "tienda", "shopmail", "worker", "--once"],
                            env=worker_env(app), cwd=SHOP, capture_output=True, text=True, timeout=60)

    assert worker.returncode == 0, worker.stderr[-3000:]
    received = sink.wait(2)
    assert sorted(m.rcpt_tos[0] for m in received) == ["ana@tienda.example", "luis@cliente.example"]
    assert all(b"Enviando" not in m.content for m in received)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_inline_delivery_sends_after_the_checkout(app, runner, customer, sink):
    app.config["SHOPMAIL_SEND_INLINE"] = True
    use_sink(runner, sink)
    try:
        assert buy(customer).status_code == 302
        assert len(sink.wait(2)) == 2
    finally:
        from shopmail.delivery import inline

        inline.delivery_for(app).stop()


def test_the_cli_sends_a_test_mail_and_runs_the_doctor(app, runner, sink):
    use_sink(runner, sink)
    app.config["SHOPMAIL_DNS_NAMESERVERS"] = ["127.0.0.1:9"]  # no lookup leaves the machine
    flask_cli(runner, "shopmail", "send-test", "cliente@example.org")
    flask_cli(runner, "shopmail", "worker", "--once")
    assert [m.rcpt_tos for m in sink.wait(1)] == [["cliente@example.org"]]
    doctor = runner.invoke(args=["shopmail", "doctor", "--no-test"])
    assert doctor.exit_code in (0, 1) and isinstance(doctor.exception, (SystemExit, type(None))), doctor.output


def test_shopmail_in_english_while_the_shop_keeps_its_language_and_catalog(admin):
    page = admin.get("/admin/correo/generales/comunicaciones/").get_data(as_text=True)
    assert "<h1>Comunicaciones</h1>" in page and ">Pedidos<" in page

    response = submit(admin, "/admin/correo/generales/comunicaciones/", {"lang": "en"},
                      action="/admin/correo/idioma")
    assert response.status_code == 302
    page = admin.get("/admin/correo/generales/comunicaciones/").get_data(as_text=True)
    assert "<h1>Communications</h1>" in page and "Save changes" in page
    assert ">Tienda<" in page and ">Pedidos<" in page  # the shop's own nav, in the shop's language
    shop_page = admin.get("/").get_data(as_text=True)
    assert "<h1>Productos</h1>" in shop_page

    # The shop's own selector (?lang=en) and catalog: its words in English, shopmail's still its own.
    shop_page = admin.get("/?lang=en").get_data(as_text=True)
    assert ">Products<" in shop_page and ">Basket<" in shop_page
    page = admin.get("/admin/correo/generales/comunicaciones/").get_data(as_text=True)
    assert "<h1>Communications</h1>" in page and ">Orders<" in page


def test_shopmail_never_limits_a_shop_route(app, admin, sink, runner):
    account_id = use_sink(runner, sink)
    app.config["SHOPMAIL_RATE_LIMIT"] = "1 per minute"
    probe = f"/admin/correo/cuentas/{account_id}"
    codes = [submit(admin, probe, action=f"{probe}/probar").status_code for _ in range(2)]
    assert codes == [200, 429]
    # shopmail's budget is spent; every shop route still answers (the shop's own limit is 300 a minute).
    assert [admin.get(path).status_code for path in ("/", "/contacto", "/admin/", "/", "/contacto")] == [200] * 5


def test_the_shops_own_limiter_still_limits_the_shop(tmp_path, database):
    from tienda import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_DEFAULT": "2 per minute",
                      "SHOPMAIL_CACHE_DIR": str(tmp_path / "cache"), "SHOPMAIL_SEND_INLINE": False,
                      "SHOPMAIL_ENCRYPTION_KEYS": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=", **database})
    client = app.test_client()
    assert [client.get("/entrar").status_code for _ in range(3)] == [200, 200, 429]


def test_the_shops_cache_and_shopmails_cache_are_apart(app, runner):
    with app.app_context():
        cache.set("tienda:portada", "productos")
    flask_cli(runner, "shopmail", "cache", "clear")
    with app.app_context():
        assert cache.get("tienda:portada") == "productos"
        cache.clear()
        from shopmail.core import settings

        assert settings.get().admin_emails == ()
