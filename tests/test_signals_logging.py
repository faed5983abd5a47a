"""What a host and ops see of delivery: the public signals in ``shopmail.signals`` and the worker's log lines."""

import json

from shopmail import signals
from tests import test_delivery_support as support
from tests.test_delivery_support import order
from tests.test_delivery_support import PASSWORD
from tests.test_delivery_support import start_worker

shop, mail_server, processes = support.shop, support.mail_server, support.processes  # fixtures


def _rejecting(needle, reply):
    def answer(arg):
        return reply if needle in arg else None

    return answer


def test_message_sent_and_message_failed_reach_a_host_receiver_with_their_arguments(shop):
    shop.save_settings(admin_emails=[])
    shop.server.replies["rcpt"] = _rejecting("nadie@", "550 5.1.1 <nadie@cliente.example>: no such user")
    shop.notify(order("1", customer_email="nadie@cliente.example"), order("2"))
    sent, failed = [], []

    def on_sent(app, **values):
        sent.append(values)

    def on_failed(app, **values):
        failed.append(values)

    with signals.message_sent.connected_to(on_sent), signals.message_failed.connected_to(on_failed):
        report = shop.deliver()
    assert (report.sent, report.failed) == (1, 1)
    failed_row, sent_row = shop.rows()
    assert sent == [{"outbox_id": sent_row.id, "kind": "order_completed", "recipients": ["ana@cliente.example"],
                     "message_id": sent_row.message_id, "account_id": shop.account_id,
                     "sent_from": sent_row.sent_from}]
    assert len(failed) == 1
    assert failed[0]["outbox_id"] == failed_row.id and failed[0]["recipients"] == ["nadie@cliente.example"]
    assert "550 5.1.1" in failed[0]["detail"]


def test_account_held_tells_the_host_which_account_and_why(shop):
    shop.server.users = {"tienda@tienda.example": "otra-clave"}
    shop.notify(order())
    held = []

    def on_held(app, **values):
        held.append(values)

    with signals.account_held.connected_to(on_held):
        shop.deliver()
    assert [(h["account_id"], h["address"], h["reason"]) for h in held] == [
        (shop.account_id, "tienda@tienda.example", "auth_failed")]


def test_a_failing_receiver_never_stops_delivery(shop):
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"), order("2"))

    def broken(app, **values):
        raise RuntimeError("the host's receiver is broken")

    with signals.message_sent.connected_to(broken):
        assert shop.deliver().sent == 2
    assert shop.statuses() == ["sent", "sent"]
    assert len(shop.server.messages) == 2


def test_the_worker_logs_one_line_per_batch_and_per_failure_cleaned_and_without_the_password(shop, processes):
    shop.save_settings(admin_emails=[])
    # A hostile server reply: an escape sequence that would clear the operator's screen.
    shop.server.replies["rcpt"] = _rejecting("nadie@", "550 5.1.1 \x1b[2Jnadie no existe")
    shop.notify(order("1", customer_email="nadie@cliente.example"), order("2"), order("3"))
    worker = start_worker(shop.app, "--once", "--batch", "2", "--log-level", "info", "--json")
    processes.append(worker)
    out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert json.loads(out) == {"ok": True, "sent": 2, "retried": 0, "failed": 1, "held": 0, "simulated": 0,
                               "returned": 0}  # the log lines stay on stderr
    lines = err.splitlines()
    batches = [line for line in lines if "Lote de" in line]
    failures = [line for line in lines if "WARNING shopmail.delivery" in line]
    assert len(batches) == 2 and "Lote de 2 por tienda@tienda.example" in batches[0]
    assert "enviados 1" in batches[0] and "fallidos 1" in batches[0]
    assert "enviados 1" in batches[1] and "fallidos 0" in batches[1]
    assert len(failures) == 1 and "550 5.1.1" in failures[0] and "nadie no existe" in failures[0]
    assert "\x1b" not in err and PASSWORD not in err and PASSWORD not in out


def test_log_level_warning_keeps_only_failures(shop, processes):
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"))
    worker = start_worker(shop.app, "--once", "--log-level", "warning")
    processes.append(worker)
    _out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert "Lote de" not in err and len(shop.server.messages) == 1
