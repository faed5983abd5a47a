"""What the database must keep exactly, on SQLite, PostgreSQL and MariaDB/MySQL alike: order numbers that
differ only in case or accents are different orders, a long order's message is stored and sent whole,
"ñ" and "€" survive, and the migrations give MariaDB the column types that make this so."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shopmail.core import migrate
from shopmail.core.models import Base
from shopmail.core.state import session
from tests import test_delivery_support as support
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures

NEAR_TWINS = ["REF-x7Qk", "REF-X7qK", "AÑO-1", "ANO-1"]


def test_order_numbers_differing_only_in_case_or_accents_each_get_their_confirmation(shop):
    shop.save_settings(admin_emails=[])
    shop.notify(*(order(number, customer_email=f"c{n}@cliente.example") for n, number in enumerate(NEAR_TWINS)))
    assert len(shop.rows()) == 4

    assert shop.deliver().sent == 4
    subjects = sorted(received.message["Subject"] for received in shop.server.messages)
    assert subjects == sorted(f"Confirmación de su pedido {number}" for number in NEAR_TWINS)


def test_notifying_the_same_order_twice_still_sends_once(shop):
    shop.save_settings(admin_emails=[])
    shop.notify(order("REF-x7Qk"))
    shop.notify(order("REF-x7Qk"))
    assert len(shop.rows()) == 1


def test_a_250_line_order_is_stored_and_delivered_whole(shop):
    shop.save_settings(admin_emails=[])
    items = [{"name": f"Artículo {n:03d} — cerámica esmaltada a mano, 35 cl, azul añil €", "quantity": 1,
              "unit_price": "2.50"} for n in range(250)]
    shop.notify(order("2500", items=items, total="625.00"))
    (row,) = shop.rows()
    assert len(row.body) > 100_000

    assert shop.deliver().sent == 1
    (received,) = shop.server.messages
    text = received.message.get_body(("plain",)).get_content()
    assert "Artículo 249 — cerámica esmaltada a mano, 35 cl, azul añil €" in text
    assert "625,00\xa0€" in text


def test_mariadb_columns_after_the_migrations(app, db_backend):
    if db_backend != "mariadb":
        pytest.skip("MariaDB/MySQL column types")
    with app.app_context():
        engine = app.extensions["shopmail"].db.engine
        Base.metadata.drop_all(engine)
        migrate.upgrade()
        query = sa.text("SELECT column_name, column_type, collation_name FROM information_schema.columns "
                        "WHERE table_schema = DATABASE() AND table_name = 'shopmail_outbox'")
        columns = {name: (kind, collation) for name, kind, collation in session().execute(query)}
    assert columns["body"][0] == "longblob"
    assert columns["last_error"][0] == "longtext"
    assert columns["dedupe_key"][1] == columns["message_id"][1] == "utf8mb4_bin"
    assert columns["subject"][1].startswith("utf8mb4_")
    assert columns["created_at"][0] == "datetime(6)"


def test_mariadb_upgrade_from_0003_keeps_the_mail_and_widens_the_columns(app, db_backend):
    if db_backend != "mariadb":
        pytest.skip("MariaDB/MySQL column types")
    with app.app_context():
        engine = app.extensions["shopmail"].db.engine
        Base.metadata.drop_all(engine)
        migrate.upgrade("0003")
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO shopmail_outbox (kind, status, dedupe_key, recipients, subject, message_id, body,"
                " attempts, next_attempt_at, created_at, updated_at) VALUES ('order_completed', 'queued',"
                " 'order_completed:AÑO-1', '[]', 'Pedido AÑO-1 · 12,50 €', '<a@tienda.example>', 'cuerpo', 0,"
                " NOW(), NOW(), NOW())"))
        migrate.upgrade()
        with engine.connect() as conn:
            subject, key = conn.execute(sa.text("SELECT subject, dedupe_key FROM shopmail_outbox")).one()
            kind = conn.execute(sa.text(
                "SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE()"
                " AND table_name = 'shopmail_outbox' AND column_name = 'body'")).scalar_one()
    assert (subject, key) == ("Pedido AÑO-1 · 12,50 €", "order_completed:AÑO-1")
    assert kind == "longblob"
