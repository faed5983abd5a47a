"""A customer's checkout writes the order and its mails in one transaction; the admin sees the mails."""

from __future__ import annotations

import email
import email.policy
import re

import sqlalchemy as sa
from tienda.models import db
from tienda.models import Order
from tienda_testing import flask_cli
from tienda_testing import submit

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


def buy(client, card=GOOD_CARD, email_address="luis@cliente.example"):
    """Put two t-shirts and a mug in the basket and check out; return the checkout's response."""
    assert submit(client, "/", {"quantity": "2"}, action="/cesta/1").status_code == 302
    assert submit(client, "/", {"quantity": "1"}, action="/cesta/2").status_code == 302
    return submit(client, "/pedido", {"name": "Luis Pérez", "email": email_address,
                                      "address": "Calle Mayor 1\n28013 Madrid", "card_number": card})


def counts(app):
    """(orders, outbox rows) as the database has them."""
    with app.app_context():
        orders = db.session.scalar(sa.select(sa.func.count()).select_from(Order))
        mails = db.session.scalar(sa.text("SELECT count(*) FROM shopmail_outbox"))
        return orders, mails


def outbox(app):
    """Every stored mail as (kind, parsed message), oldest first."""
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT kind, body FROM shopmail_outbox ORDER BY id"))
        return [(kind, email.message_from_bytes(bytes(body), policy=email.policy.default)) for kind, body in rows]


def test_checkout_commits_the_order_and_its_mails_together(app, runner, customer):
    flask_cli(runner, "shopmail", "settings", "set", "--admin-emails", "ana@tienda.example, pedidos@tienda.example",
              "--contact-email", "hola@tienda.example")

    response = buy(customer)

    assert response.status_code == 302
    page = customer.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="order-number">([^<]+)<', page).group(1)
    assert counts(app) == (1, 2)
    (kind1, confirmation), (kind2, notice) = outbox(app)
    assert (kind1, kind2) == ("order_completed", "order_completed_admin")
    assert [a.addr_spec for a in confirmation["To"].addresses] == ["luis@cliente.example"]
    assert [a.addr_spec for a in notice["To"].addresses] == ["ana@tienda.example", "pedidos@tienda.example"]
    # The shop's own wording: templates/shopmail/mail/order_completed.txt shadows shopmail's.
    assert confirmation["Subject"] == f"Su pedido {number} en La Tienda de Ana"
    text = confirmation.get_body(("plain",)).get_content()
    assert "Gracias por comprar en La Tienda de Ana" in text
    assert "Camiseta de algodón" in text and "Taza de cerámica" in text
    assert "48,40" in text  # 2 × 19,95 + 8,50
    assert "hola@tienda.example" in text
    assert number in notice["Subject"]


def test_a_declined_card_leaves_neither_order_nor_mails(app, customer):
    response = buy(customer, card=DECLINED_CARD)

    assert response.status_code == 200
    assert "El banco ha rechazado el pago" in response.get_data(as_text=True)
    assert counts(app) == (0, 0)
    # The basket is still there: paying with another card works, and only that order is mailed.
    response = submit(customer, "/pedido", {"name": "Luis Pérez", "email": "luis@cliente.example",
                                            "address": "Calle Mayor 1", "card_number": GOOD_CARD})
    assert response.status_code == 302
    assert counts(app) == (1, 1)


def test_the_admin_sees_the_mails_in_registro_de_envios(app, runner, customer, admin):
    flask_cli(runner, "shopmail", "settings", "set", "--admin-emails", "ana@tienda.example", "--simulation", "on")
    buy(customer)
    with app.app_context():
        number = db.session.scalar(sa.select(Order.number))

    page = admin.get("/admin/correo/envios/")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Registro de envíos" in html
    assert f"Su pedido {number} en La Tienda de Ana" in html
    assert "luis@cliente.example" in html
    assert html.count("Simulado") >= 2
    # Inside the shop's admin layout, with the shop's navigation and shopmail's stylesheet.
    assert "La Tienda de Ana" in html and 'href="/admin/"' in html
    assert "/admin/correo/static/shopmail/shopmail.css" in html
    assert "/static/tienda.css" in html
