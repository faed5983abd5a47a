"""Order notifications: what customers and admins receive, queued in the caller's transaction."""

import logging
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.services import notifications
from shopmail.services import wording
from tests import test_delivery_support as support
from tests.helpers import QueryCounter
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures


def test_completed_order_mails_customer_and_admins(shop):
    shop.notify(order())
    assert shop.deliver().sent == 2
    customer, admin = sorted(shop.server.messages, key=lambda m: m.rcpt_tos != ["ana@cliente.example"])

    mail = customer.message
    assert customer.rcpt_tos == ["ana@cliente.example"]
    assert customer.mail_from == "tienda@tienda.example"
    assert mail["From"].addresses[0].display_name == "Tienda Ñandú"
    assert mail["From"].addresses[0].addr_spec == "tienda@tienda.example"
    assert mail["Reply-To"] == "hola@tienda.example"
    assert mail["To"].addresses[0].display_name == "Ana Pérez"
    assert mail["Subject"] == "Confirmación de su pedido 1001"
    assert mail["Date"] is not None
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "1.234,50\xa0€" in text and "617,25\xa0€" in text
    assert "Taza de cerámica" in html and "1.234,50\xa0€" in html
    assert "Calle Mayor 1" in text

    rows = {row.kind: row for row in shop.rows()}
    assert mail["Message-ID"] == rows["order_completed"].message_id
    assert rows["order_completed"].status == "sent"
    assert rows["order_completed"].sent_from == "Tienda Ñandú <tienda@tienda.example>"

    assert sorted(admin.rcpt_tos) == ["almacen@tienda.example", "jefa@tienda.example"]
    assert admin.message["Subject"] == "Nuevo pedido 1001: 1.234,50\xa0€"
    # An admin's reply goes to the customer.
    assert admin.message["Reply-To"].addresses[0].addr_spec == "ana@cliente.example"


def test_notifying_an_order_twice_sends_once_and_keeps_the_callers_transaction(shop):
    with shop.app.app_context():
        first = notifications.order_completed(order())
        session().flush()
        again = notifications.order_completed(order())
        # The caller's transaction is still usable after the duplicate.
        session().execute(sa.text("SELECT 1"))
        session().commit()
    assert [q.created for q in first] == [True, True]
    assert [q.created for q in again] == [False, False]
    assert len(shop.rows()) == 2
    shop.notify(order())  # and in a later transaction
    assert shop.deliver().sent == 2
    assert len(shop.server.messages) == 2


def test_a_rolled_back_order_leaves_no_outbox_rows(shop):
    with shop.app.app_context():
        notifications.order_completed(order("2001"))
        session().rollback()
    assert shop.rows() == []
    assert shop.deliver().sent == 0
    assert shop.server.messages == []


def test_without_admin_addresses_the_admin_notice_is_skipped_and_logged(shop, caplog):
    shop.save_settings(admin_emails=[])
    with caplog.at_level(logging.WARNING, logger="shopmail.notifications"):
        shop.notify(order("3001"))
    assert [row.kind for row in shop.rows()] == ["order_completed"]
    assert "3001" in caplog.text and "administrador" in caplog.text


def test_without_a_sending_account_mail_waits_held_and_the_home_page_says_why(shop, admin):
    shop.save_settings(sending_account_id=None)
    shop.notify(order("4001"))
    assert shop.statuses() == ["held", "held"]
    assert shop.deliver().sent == 0
    page = admin.get("/ajustes/").get_data(as_text=True)
    assert "No hay cuenta de envío" in page
    assert "2 correos retenidos" in page
    # Choosing an account lets them go.
    shop.save_settings(sending_account_id=shop.account_id)
    assert shop.deliver().sent == 2
    assert shop.statuses() == ["sent", "sent"]


@pytest.mark.parametrize("changes", [
    {"customer_name": "Ana\r\nBcc: victima@otro.example"},
    {"customer_name": "Ana\x00Bcc: victima@otro.example"},
    {"number": "1001\nBcc: victima@otro.example"},
    {"currency": "EUR\r\nBcc: victima@otro.example"},
])
def test_header_injection_in_order_data_is_cleaned_and_the_order_mail_still_goes(shop, changes):
    """A customer's typing (or a shop's odd data) never fails checkout: line breaks become spaces."""
    shop.notify(order(**changes))
    assert shop.deliver().sent == 2
    for received in shop.server.messages:
        assert "Bcc" not in received.message and received.rcpt_tos != ["victima@otro.example"]
        assert "victima@otro.example" not in [a.addr_spec for a in received.message["To"].addresses]
    customer_mail = shop.server.messages[0]
    assert customer_mail.rcpt_tos == ["ana@cliente.example"]
    assert set(customer_mail.message.keys()) >= {"To", "Subject", "Message-ID"}


@pytest.mark.parametrize("address", ["ana@cliente.example\r\nBcc: victima@otro.example", "no-es-una-direccion"])
def test_a_customer_address_that_cannot_receive_mail_fails_that_mail_only(shop, address):
    shop.notify(order(customer_email=address))  # the host's transaction commits: the order is kept
    customer, admins = shop.rows()
    assert customer.status == "failed" and customer.note_code == "undeliverable"
    assert "nombre del cliente no se pueden usar" in shop.notes()[0]
    assert "\r" not in customer.recipients[0] and "\n" not in customer.recipients[0]
    assert admins.status == "queued"
    assert shop.deliver().sent == 1
    (received,) = shop.server.messages
    assert sorted(received.rcpt_tos) == ["almacen@tienda.example", "jefa@tienda.example"]


def test_a_display_name_with_a_line_break_holds_the_accounts_mail(shop):
    with shop.app.app_context():
        from shopmail.core.models import Account

        session().execute(sa.update(Account).values(display_name="Tienda\r\nBcc: victima@otro.example"))
        session().commit()
    shop.notify(order())
    report = shop.deliver()
    assert report.sent == 0 and report.held == 2
    assert shop.server.messages == []
    assert set(shop.statuses()) == {"held"}


def test_shipped_and_cancelled_notices(shop):
    with shop.app.app_context():
        mail = shop.app.extensions["shopmail"].extension
        mail.notify_customer("order_shipped", order(), tracking_number="ES123", carrier="Correos",
                             tracking_url="https://seguimiento.example/ES123")
        mail.notify_customer("order_cancelled", order(), reason="Sin existencias")
        mail.notify_customer("order_shipped", order())  # once per order and kind
        session().commit()
    assert shop.deliver().sent == 2
    by_subject = {m.message["Subject"]: m.message for m in shop.server.messages}
    shipped = by_subject["Su pedido 1001 está en camino"]
    assert "ES123" in shipped.get_body(("plain",)).get_content()
    assert 'href="https://seguimiento.example/ES123"' in shipped.get_body(("html",)).get_content()
    cancelled = by_subject["Su pedido 1001 ha sido cancelado"]
    assert "Sin existencias" in cancelled.get_body(("plain",)).get_content()


@pytest.mark.parametrize("kind", ["order_unknown", "../order_completed", "order_completed_admin", ""])
def test_unknown_notice_kinds_are_refused(shop, kind):
    with shop.app.app_context(), pytest.raises(ValueError):
        notifications.customer_notice(kind, order())


def test_the_order_completed_signal_queues_the_notifications(shop):
    from shopmail.signals import order_completed

    with shop.app.app_context():
        order_completed.send(shop.app, order=order("5001"))
        session().commit()
    assert [row.kind for row in shop.rows()] == ["order_completed", "order_completed_admin"]


def test_an_order_object_works_like_a_mapping(shop):
    class Item:
        name, quantity, unit_price = "Libro", 1, Decimal("12.00")

    class Order:
        number, customer_email, customer_name = "6001", "luis@cliente.example", "Luis"
        items, total, currency = [Item()], Decimal("12.00"), "EUR"

    shop.notify(Order())
    shop.deliver()
    customer = next(m for m in shop.server.messages if m.rcpt_tos == ["luis@cliente.example"])
    assert "12,00\xa0€" in customer.message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("amount, currency, expected", [
    ("1234.5", "EUR", "1.234,50\xa0€"),
    ("0.5", "EUR", "0,50\xa0€"),
    ("1234567.891", "USD", "1.234.567,89\xa0US$"),
])
def test_amounts_are_formatted_for_the_currency_and_locale(app, amount, currency, expected):
    with app.app_context():
        assert notifications.format_money(amount, currency) == expected


def test_notify_adds_at_most_two_round_trips_and_no_network_io(shop, network_watch):
    with shop.app.app_context():  # an earlier request read the mail wording (cached like the settings)
        wording.texts("order_completed", "es")
    with shop.app.app_context():
        engine = shop.app.extensions["shopmail"].db.engine
        session().execute(sa.text("SELECT 1"))  # the caller's transaction is already open
        with QueryCounter(engine) as counter, network_watch() as connections:
            notifications.order_completed(order("7001"))
        session().commit()
    assert counter.count <= 2
    assert connections == []
    assert len(shop.rows()) == 2


@pytest.fixture
def network_watch():
    """Records every outgoing socket connection made while active (a Python audit hook)."""
    import contextlib
    import sys

    state = {"active": None}

    def hook(event, args):
        if event == "socket.connect" and state["active"] is not None:
            state["active"].append(args[1])

    sys.addaudithook(hook)

    @contextlib.contextmanager
    def watch():
        state["active"] = []
        try:
            yield state["active"]
        finally:
            state["active"] = None

    return watch


def test_outbox_rows_hold_the_message_without_from(shop):
    shop.notify(order())
    row = shop.rows(kind="order_completed")[0]
    assert b"\r\nFrom:" not in row.body and not row.body.startswith(b"From:")
    assert row.message_id.encode() in row.body
    assert row.recipients == ["ana@cliente.example"]
    with shop.app.app_context():
        assert session().scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2
