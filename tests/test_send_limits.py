"""Per-account limits: messages per minute and recipients per day, shared by every worker process through the
database; over the daily limit mail waits (queued, with a note) until the window opens."""

import bisect
import collections
import datetime as dt
import json
import re
import time

import sqlalchemy as sa

from shopmail.core.models import Account
from shopmail.core.models import SendLog
from shopmail.core.models import utcnow
from shopmail.core.state import session
from tests import test_delivery_support as support
from tests.test_delivery_support import order
from tests.test_delivery_support import SENDER
from tests.test_delivery_support import start_worker
from tests.test_delivery_support import wait_until

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures


def _limit(shop, per_minute=None, per_day=None):
    with shop.app.app_context():
        session().execute(sa.update(Account).where(Account.id == shop.account_id)
                          .values(send_limit_per_minute=per_minute, send_limit_per_day=per_day))
        session().commit()


def _arrivals(server) -> list[float]:
    """When each message reached the server (its end of DATA), on this machine's monotonic clock."""
    times = []

    def note(_received):
        times.append(time.monotonic())

    server.replies["message"] = note
    return times


def test_three_workers_together_stay_within_the_per_minute_limit_and_all_arrive(shop, processes):
    window, limit = 3.0, 20  # SHOPMAIL_RATE_WINDOW_SECONDS shortens the minute for this test only
    _limit(shop, per_minute=limit)
    shop.queue_many(60)
    every = {row.message_id for row in shop.rows()}
    arrived = _arrivals(shop.server)
    for _ in range(3):
        processes.append(start_worker(shop.app, "--batch", "5", "--poll", "0.2",
                                      SHOPMAIL_RATE_WINDOW_SECONDS=str(window)))
    wait_until(lambda: len(shop.server.messages) >= 60, timeout=90)
    time.sleep(0.5)

    counts = collections.Counter(shop.server.message_ids)
    assert set(counts) == every and set(counts.values()) == {1}  # all arrive, none twice
    arrived.sort()
    busiest = max(bisect.bisect_left(arrived, t + window) - i for i, t in enumerate(arrived))
    assert busiest <= limit
    assert arrived[-1] - arrived[0] >= 2 * window  # 60 messages at 20 per window: at least three windows
    with shop.app.app_context():
        workers = {owner for (owner,) in session().execute(sa.text("SELECT name FROM shopmail_worker"))}
    assert len(workers) == 3


def test_over_the_daily_limit_mail_waits_queued_with_a_note_until_the_window_opens(shop):
    shop.save_settings(admin_emails=[])
    _limit(shop, per_day=2)
    shop.notify(order("1"), order("2"), order("3"))
    report = shop.deliver()
    assert report.sent == 2 and report.returned == 1
    waiting = shop.rows()[-1]
    assert waiting.status == "queued" and waiting.attempts == 0
    assert "Límite diario de envíos de la cuenta alcanzado" in shop.notes()[-1]
    assert waiting.next_attempt_at > waiting.created_at + dt.timedelta(hours=23)
    assert shop.deliver().handled == 0  # not before the window opens
    page = shop.app.test_cli_runner().invoke(args=["shopmail", "account", "show", str(shop.account_id), "--json"])
    shown = json.loads(page.output)
    assert (shown["send_limit_per_day"], shown["sent_last_day"]) == (2, 2)

    with shop.app.app_context():  # a day passes
        session().execute(sa.update(SendLog).values(at=utcnow() - dt.timedelta(hours=25)))
        session().commit()
    shop.make_due()
    assert shop.deliver().sent == 1
    assert len(shop.server.messages) == 3


def test_without_limits_nothing_is_counted(shop):
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"), order("2"))
    assert shop.deliver().sent == 2
    with shop.app.app_context():
        assert session().scalar(sa.select(sa.func.count()).select_from(SendLog)) == 0


def _cli(shop, *args):
    return shop.app.test_cli_runner().invoke(args=["shopmail", *args])


def test_cli_limits_prefilled_from_the_provider_table_and_editable(shop):
    added = _cli(shop, "account", "add", "--address", "ventas@tienda.onmicrosoft.com", "--host", "smtp.office365.com",
                 "--port", "587", "--security", "starttls", "--skip-test", "--json")
    assert added.exit_code == 0, added.output
    account = json.loads(added.output)["account"]
    assert (account["send_limit_per_minute"], account["send_limit_per_day"]) == (30, 10000)  # Microsoft 365

    edited = _cli(shop, "account", "edit", str(account["id"]), "--limit-per-day", "500", "--skip-test", "--json")
    assert json.loads(edited.output)["account"]["send_limit_per_day"] == 500
    assert json.loads(edited.output)["account"]["send_limit_per_minute"] == 30  # kept
    none = _cli(shop, "account", "edit", str(account["id"]), "--limit-per-minute", "none", "--skip-test", "--json")
    assert json.loads(none.output)["account"]["send_limit_per_minute"] is None

    bad = _cli(shop, "account", "edit", str(account["id"]), "--limit-per-day", "-3", "--skip-test", "--json")
    assert bad.exit_code == 2 and "número entero" in json.loads(bad.output)["error"]
    other = _cli(shop, "account", "add", "--address", "x@tienda.example", "--host", "127.0.0.1", "--port", "2525",
                 "--security", "none", "--skip-test", "--json")
    plain = json.loads(other.output)["account"]
    assert (plain["send_limit_per_minute"], plain["send_limit_per_day"]) == (None, None)  # unknown provider


def test_the_account_form_and_the_status_page_show_the_limits(shop, admin):
    url = f"/ajustes/cuentas/{shop.account_id}/editar"
    edit = admin.get(url).get_data(as_text=True)
    assert 'for="send_limit_per_minute"' in edit and "Mensajes por minuto" in edit
    assert 'for="send_limit_per_day"' in edit and "Destinatarios por día" in edit
    version = re.search(r'name="version" type="hidden" value="(\d+)"', edit).group(1)
    data = {"address": SENDER, "display_name": "Tienda", "username": SENDER, "password": "",
            "host": shop.server.host, "port": str(shop.server.port), "security": "starttls", "verify_cert": "y",
            "version": version, "action": "save"}
    refused = admin.post(url, data={**data, "send_limit_per_minute": "treinta"}).get_data(as_text=True)
    assert "número entero" in refused
    saved = admin.post(url, data={**data, "send_limit_per_minute": "30", "send_limit_per_day": "1000"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"))
    assert shop.deliver().sent == 1
    status = admin.get("/ajustes/estado/").get_data(as_text=True)
    assert "1 de 30 mensajes en el último minuto" in status and "1 de 1000 destinatarios en 24 horas" in status


def test_retention_forgets_counter_rows_older_than_two_days(shop):
    _limit(shop, per_minute=100)
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"))
    shop.deliver()
    with shop.app.app_context():
        session().execute(sa.update(SendLog).values(at=utcnow() - dt.timedelta(days=3)))
        session().commit()
    assert _cli(shop, "purge", "--yes").exit_code == 0
    with shop.app.app_context():
        assert session().scalar(sa.select(sa.func.count()).select_from(SendLog)) == 0
