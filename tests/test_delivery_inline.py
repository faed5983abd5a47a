"""SHOPMAIL_SEND_INLINE: no worker needed; delivery starts after the response, never inside it."""

import sys
import threading

import pytest
import sqlalchemy as sa

from shopmail.core.state import session
from shopmail.delivery import inline
from tests import test_delivery_support as support
from tests.test_delivery_support import order
from tests.test_delivery_support import wait_until

shop, mail_server = support.shop, support.mail_server  # fixtures

pytestmark = pytest.mark.app_config(SHOPMAIL_SEND_INLINE=True)

_connections: list = []
_hooked = False


def _audit(event, args):
    if event == "socket.connect":
        _connections.append((threading.get_ident(), args[1]))


@pytest.fixture
def checkout(shop):
    """A host shop's checkout view: saves the order, notifies, commits, answers."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    app = shop.app
    seen = {}
    # The database's own socket (a pool may open one on MariaDB) is not the network I/O this is about.
    database = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    default_port = {"postgresql": 5432}.get(database.get_backend_name(), 3306)
    database_address = (database.host, database.port or default_port) if database.host else None

    @app.post("/checkout/<number>")
    def complete(number):
        seen["thread"] = threading.get_ident()
        app.extensions["shopmail"].extension.notify_order_completed(order(number))
        session().commit()
        seen["connections"] = [c for c in _connections if c[0] == seen["thread"] and c[1] != database_address]
        return "ok"

    yield app.test_client(), seen
    inline.delivery_for(app).stop()


def test_mail_goes_out_after_the_response_with_no_network_io_in_the_request(shop, checkout):
    client, seen = checkout
    _connections.clear()
    assert client.post("/checkout/1001").status_code == 200
    assert seen["connections"] == []
    messages = shop.server.wait_for_messages(2)
    assert len(messages) == 2
    # Every connection to the SMTP server came from the delivery thread, none from the request.
    smtp = [c for c in _connections if c[1][1] == shop.server.port]
    assert smtp and all(thread != seen["thread"] for thread, _ in smtp)
    wait_until(lambda: shop.statuses() == ["sent", "sent"])


def test_a_rolled_back_request_sends_nothing(shop, checkout):
    client, _seen = checkout
    app = shop.app

    @app.post("/checkout-fails")
    def fails():
        app.extensions["shopmail"].extension.notify_order_completed(order("9"))
        session().rollback()
        return "payment refused", 402

    assert client.post("/checkout-fails").status_code == 402
    assert client.post("/checkout/2").status_code == 200
    wait_until(lambda: shop.statuses() == ["sent", "sent"])
    assert len(shop.server.messages) == 2


def test_simulated_mail_never_reaches_the_server_inline(shop, checkout):
    client, _seen = checkout
    shop.save_settings(simulation=True)
    assert client.post("/checkout/3").status_code == 200
    delivery = inline.delivery_for(shop.app)
    delivery.kick()
    passes = delivery.passes
    wait_until(lambda: delivery.passes > passes)
    assert shop.statuses() == ["simulated", "simulated"]
    assert shop.server.commands == []


def test_the_first_request_after_a_start_sends_what_an_earlier_process_left(shop, checkout):
    client, _seen = checkout
    shop.app.config["SHOPMAIL_SEND_INLINE"] = False  # queued by a process that stopped before sending
    shop.notify(order("4"))
    shop.app.config["SHOPMAIL_SEND_INLINE"] = True
    assert shop.statuses() == ["queued", "queued"]
    client.get("/ajustes/login")
    assert len(shop.server.wait_for_messages(2)) == 2
