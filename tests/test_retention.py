"""Retention: old sent/cancelled mail loses its content (headers, status, Message-ID stay), old audit lines go;
`flask shopmail purge`, the workers' daily run, and what the Registro de envíos shows."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from shopmail.core.models import AuditEvent
from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.state import session
from tests import test_delivery_support as support
from tests.test_delivery_support import order
from tests.test_delivery_support import start_worker

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures

URL = "/ajustes/envios/"
LONG_AGO = utcnow() - dt.timedelta(days=120)


def _cli(shop, *args, **kwargs):
    return shop.app.test_cli_runner().invoke(args=["shopmail", *args], **kwargs)


def _age(shop, ids, when=LONG_AGO):
    """Time passes for these messages: they reached their status ``when``."""
    with shop.app.app_context():
        session().execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                          .values(updated_at=when, created_at=when))
        session().commit()


def _old_audit_line(shop, days_ago):
    with shop.app.app_context():
        session().add(AuditEvent(at=utcnow() - dt.timedelta(days=days_ago), actor="cli:ops",
                                 action="settings.changed", target="ajustes", summary=f"hace {days_ago} días"))
        session().commit()


@pytest.fixture
def outbox(shop):
    """Five messages: old sent, recent sent, old failed, old cancelled, old queued. Returns their ids."""
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"), order("2"))
    shop.deliver()
    shop.notify(order("3"), order("4"), order("5"))
    old_sent, recent_sent, failed, cancelled, queued = (row.id for row in shop.rows())
    with shop.app.app_context():
        table = OutboxMessage.__table__
        session().execute(sa.update(table).where(table.c.id == failed).values(status="failed"))
        session().execute(sa.update(table).where(table.c.id == cancelled).values(status="cancelled"))
        session().commit()
    _age(shop, [old_sent, failed, cancelled, queued])
    return {"old_sent": old_sent, "recent_sent": recent_sent, "failed": failed, "cancelled": cancelled,
            "queued": queued}


def test_purge_removes_old_bodies_and_keeps_headers_status_and_message_id(shop, outbox):
    before = {row.id: row for row in shop.rows()}
    result = _cli(shop, "purge", "--yes", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["dry_run"] is False
    assert (report["bodies_purged"], report["retention_days"]) == (2, 90)

    after = {row.id: row for row in shop.rows()}
    for name in ("old_sent", "cancelled"):
        old, new = before[outbox[name]], after[outbox[name]]
        assert b"Taza de cer" not in new.body and b"Gracias" not in new.body  # the order is gone
        assert new.body_purged_at is not None
        assert f"Message-ID: {old.message_id}".encode() in new.body and b"Subject:" in new.body
        assert b"Content-Type" not in new.body
        assert (new.status, new.message_id, new.recipients, new.subject, new.sent_at, new.updated_at) == (
            old.status, old.message_id, old.recipients, old.subject, old.sent_at, old.updated_at)
    for name in ("recent_sent", "failed", "queued"):
        assert after[outbox[name]].body == before[outbox[name]].body  # too recent, or may still be sent
        assert after[outbox[name]].body_purged_at is None

    shown = json.loads(_cli(shop, "outbox", "show", str(outbox["old_sent"]), "--json").output)
    assert shown["body_purged"] is True and shown["account_id"] == shop.account_id
    kept = json.loads(_cli(shop, "outbox", "show", str(outbox["recent_sent"]), "--json").output)
    assert kept["body_purged"] is False
    again = json.loads(_cli(shop, "purge", "--yes", "--json").output)
    assert again["bodies_purged"] == 0  # nothing twice


def test_dry_run_counts_and_changes_nothing(shop, outbox):
    _old_audit_line(shop, 400)
    before = [(row.id, row.body) for row in shop.rows()]
    result = _cli(shop, "purge", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Se borraría el contenido de 2 correos" in result.output
    assert "Se borrarían 1 líneas de auditoría" in result.output
    assert [(row.id, row.body) for row in shop.rows()] == before


def test_audit_lines_go_after_their_own_period(shop):
    _old_audit_line(shop, 400)
    _old_audit_line(shop, 200)
    shop.app.config["SHOPMAIL_AUDIT_RETENTION_DAYS"] = 300
    report = json.loads(_cli(shop, "purge", "--yes", "--json").output)
    assert (report["audit_purged"], report["audit_retention_days"]) == (1, 300)
    with shop.app.app_context():
        summaries = [e.summary for e in session().scalars(sa.select(AuditEvent))]
    assert "hace 200 días" in summaries and "hace 400 días" not in summaries


def test_zero_days_keeps_everything(shop, outbox):
    _old_audit_line(shop, 4000)
    shop.app.config.update(SHOPMAIL_RETENTION_DAYS="0", SHOPMAIL_AUDIT_RETENTION_DAYS=0)
    report = json.loads(_cli(shop, "purge", "--yes", "--json").output)
    assert (report["bodies_purged"], report["audit_purged"]) == (0, 0)
    assert report["bodies_before"] is None and report["audit_before"] is None


def test_purge_without_a_terminal_asks_for_yes(shop, outbox):
    result = _cli(shop, "purge", "--json")
    assert result.exit_code == 2 and "--yes" in json.loads(result.output)["error"]
    assert all(row.body_purged_at is None for row in shop.rows())


def test_the_registro_says_when_a_body_was_purged(shop, outbox, admin):
    assert _cli(shop, "purge", "--yes").exit_code == 0
    listing = admin.get(URL).get_data(as_text=True)
    assert listing.count("Contenido borrado") == 2
    page = admin.get(f"{URL}{outbox['old_sent']}").get_data(as_text=True)
    assert "se borró al cumplirse el plazo de conservación" in page and "Borrado el" in page
    assert "Message-ID" in page and "Versión de texto" not in page and "Taza de cer" not in page
    assert admin.get(f"{URL}{outbox['old_sent']}/html").status_code == 404
    recent = admin.get(f"{URL}{outbox['recent_sent']}").get_data(as_text=True)
    assert "Versión de texto" in recent and "plazo de conservación" not in recent


def test_a_worker_purges_on_its_daily_run(shop, outbox, processes):
    worker = start_worker(shop.app, "--once", "--log-level", "info")
    processes.append(worker)
    _out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    purged = {row.id for row in shop.rows() if row.body_purged_at is not None}
    assert purged == {outbox["old_sent"], outbox["cancelled"]}
    assert "contenido de 2 correos borrado" in err
