"""Delivery notes are data, worded for each reader (issue 19, item 4): a message retried, failed, held or
kept by the real worker (which speaks the shop's default language, Spanish) reads in English in the panel,
the CLI and the JSON of an English-speaking admin. A note written before notes were data is shown as stored.
"""

import html
import json

import sqlalchemy as sa

from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.delivery import notes
from tests import test_delivery_support as support
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures

URL = "/ajustes/envios/"
EN = {"Accept-Language": "en"}


def _page(admin, url, headers=None) -> str:
    return html.unescape(admin.get(url, headers=headers or {}).get_data(as_text=True))


def _json(shop, message_id, locale="en") -> dict:
    shop.app.config["SHOPMAIL_DEFAULT_LOCALE"] = locale
    try:
        result = shop.app.test_cli_runner().invoke(args=["shopmail", "outbox", "show", str(message_id), "--json"])
    finally:
        shop.app.config["SHOPMAIL_DEFAULT_LOCALE"] = "es"
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_retried_message_reads_in_english_with_the_servers_own_reply(shop, admin):
    shop.save_settings(admin_emails=[])
    shop.server.replies["message"] = "451 4.3.0 Temporary local problem, try later"
    shop.notify(order())
    assert shop.deliver().retried == 1
    (row,) = shop.rows()
    assert row.note_code == "smtp" and row.last_error == "451 4.3.0 Temporary local problem, try later"

    english = _page(admin, f"{URL}{row.id}", EN)
    assert "The server is temporarily limiting connections or sending." in english
    assert "Server's reply: “451 4.3.0 Temporary local problem, try later”." in english
    assert "El servidor limita" not in english and "Respuesta del servidor" not in english
    spanish = _page(admin, f"{URL}{row.id}")
    assert "El servidor limita temporalmente las conexiones o los envíos." in spanish

    item = _json(shop, row.id)
    assert item["last_error_code"] == "smtp"
    assert item["last_error"].startswith("The server is temporarily limiting")
    assert "451 4.3.0" in item["last_error"]


def test_mail_held_by_a_refused_login_reads_in_english_and_the_account_keeps_only_the_reply(shop, admin):
    shop.server.users = {"tienda@tienda.example": "otra-clave"}
    shop.notify(order())
    assert shop.deliver().held == 2
    first = shop.rows()[0]
    english = _page(admin, f"{URL}{first.id}", EN)
    assert "The server rejected the user or the password." in english
    assert "El servidor rechazó" not in english
    shop.notify(order("1002"))  # held by the gate, from the account's flag
    shop.deliver()
    later = shop.rows()[-1]
    assert later.status == "held" and later.note_code == "account_held"
    english = _page(admin, f"{URL}{later.id}", EN)
    assert "The sending account needs attention: user name or password rejected." in english
    assert "necesita atención" not in english
    account_page = _page(admin, f"/ajustes/cuentas/{shop.account_id}", EN)
    assert "El servidor rechazó" not in account_page  # held_detail: the server's words only
    assert _json(shop, later.id)["last_error"].startswith("The sending account needs attention")


def test_over_the_daily_limit_no_account_and_the_lock_read_in_english(shop, admin):
    from shopmail.core.models import Account

    shop.save_settings(admin_emails=[])
    with shop.app.app_context():
        session().get(Account, shop.account_id).send_limit_per_day = 1
        session().commit()
    shop.notify(order("1"), order("2"))
    shop.deliver()
    waiting = shop.rows()[-1]
    assert waiting.note_code == "daily_limit"
    item = _json(shop, waiting.id)
    assert item["last_error"].startswith("The account's daily sending limit is reached: it goes out from ")
    assert _json(shop, waiting.id, "es")["last_error"].startswith("Límite diario de envíos de la cuenta alcanzado")

    shop.save_settings(sending_account_id=None)
    shop.notify(order("3"))
    held = shop.rows()[-1]
    assert held.status == "held" and held.note_code == "no_account"
    assert "No sending account is chosen in General settings → Communications." in _page(
        admin, f"{URL}{held.id}", EN)

    shop.app.config["SHOPMAIL_SIMULATION_LOCK"] = True
    shop.deliver()
    kept = shop.rows()[-1]
    assert kept.status == "simulated" and kept.note_code == "simulation_lock"
    assert _json(shop, kept.id)["last_error"] == "Held by SHOPMAIL_SIMULATION_LOCK: not sent."


def test_a_message_given_up_after_three_days_and_its_alert_read_in_english(shop, admin):
    shop.save_settings(admin_emails=["jefa@tienda.example"])
    shop.server.replies["message"] = "451 4.3.0 Try again later"
    shop.notify(order())
    shop.age(days=4)
    assert shop.deliver().failed >= 1
    row = shop.rows()[0]
    assert row.status == "failed" and row.note_code == "gave_up"
    english = _page(admin, f"{URL}{row.id}", EN)
    assert "Not delivered after three days of retries: The server is temporarily limiting" in english
    home = _page(admin, "/ajustes/", EN)
    assert "could not be delivered: Not delivered after three days of retries" in home
    assert "Sin entregar" not in home


def test_a_partly_refused_message_names_the_refused_recipients_in_the_readers_language(shop, admin):
    shop.save_settings(admin_emails=["jefa@tienda.example", "nadie@tienda.example"])
    shop.server.replies["rcpt"] = lambda arg: "550 5.1.1 No such user" if "nadie@" in arg else None
    shop.notify(order())
    shop.deliver()
    (row,) = [row for row in shop.rows() if row.kind == "order_completed_admin"]
    assert row.status == "sent" and row.note_code == "partly_refused"
    assert _json(shop, row.id)["last_error"] == "Delivered, but the server refused: nadie@tienda.example: 550 5.1.1 No such user"


def test_a_note_written_before_notes_were_data_is_shown_as_stored(shop, admin):
    shop.save_settings(admin_emails=[])
    shop.notify(order())
    (row,) = shop.rows()
    with shop.app.app_context():
        session().execute(sa.update(OutboxMessage).values(status="failed", last_error="Texto antiguo: 550 5.1.1"))
        session().commit()
    assert "Texto antiguo: 550 5.1.1" in _page(admin, f"{URL}{row.id}", EN)
    item = _json(shop, row.id)
    assert (item["last_error"], item["last_error_code"]) == ("Texto antiguo: 550 5.1.1", None)


def test_every_note_code_is_worded_in_both_languages(app):
    from shopmail.core.i18n import use_locale

    samples = [notes.Note(code, {"at": "2026-11-30T10:00:00+00:00", "address": "x@y", "reason": "timeout"}, "r")
               for code in (notes.SMTP, notes.GAVE_UP, notes.ACCOUNT_HELD, notes.NO_ACCOUNT, notes.SIMULATION,
                            notes.SIMULATION_LOCK, notes.DAILY_LIMIT, notes.PARTLY_REFUSED, notes.UNDELIVERABLE)]
    with app.test_request_context():
        for locale in ("es", "en"):
            with use_locale(locale):
                worded = [note.text() for note in samples]
            assert all(worded) and len(set(worded)) == len(worded)
        with use_locale("en"):
            assert notes.from_data(notes.as_data(samples[6])) == \
                "The account's daily sending limit is reached: it goes out from 30/11/2026 10:00 UTC."
