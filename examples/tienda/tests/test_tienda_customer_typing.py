"""A customer's typing never breaks checkout (issue 12, case 7): the order is kept, its mails are queued
or, for an address that cannot receive mail, kept as failed with the reason."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from tienda.models import db
from tienda_testing import submit

GOOD_CARD = "4242 4242 4242 4242"


def checkout(client, name, email_address):
    assert submit(client, "/", {"quantity": "1"}, action="/cesta/1").status_code == 302
    return submit(client, "/pedido", {"name": name, "email": email_address, "address": "Calle Mayor 1",
                                      "card_number": GOOD_CARD})


def mails(app):
    with app.app_context():
        return db.session.execute(sa.text(
            "SELECT kind, status, recipients, last_error FROM shopmail_outbox ORDER BY id")).all()


@pytest.mark.parametrize("name", ["Luis\r\nBcc: otro@ejemplo.example", "Luis\x00Pérez"])
def test_line_breaks_or_a_nul_in_the_customers_name(app, customer, name):
    response = checkout(customer, name, "luis@cliente.example")
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # the shop's own form refused it: nothing was half-written
        assert mails(app) == []
        return
    (kind, status, recipients, _error), = mails(app)
    assert kind == "order_completed" and status in ("queued", "held")  # waits to go out, not failed


def test_a_customer_address_with_a_non_ascii_local_part(app, customer):
    response = checkout(customer, "José", "josé@cliente.example")
    assert response.status_code == 302, response.get_data(as_text=True)  # the order is kept
    (kind, status, recipients, _error), = mails(app)
    assert kind == "order_completed" and status in ("queued", "held")
    stored = json.loads(recipients) if isinstance(recipients, str) else recipients  # JSON text on SQLite
    assert stored == ["josé@cliente.example"]
