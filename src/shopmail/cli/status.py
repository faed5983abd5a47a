"""`flask shopmail status` and `flask shopmail doctor`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shopmail.cli.output import emit
from shopmail.cli.output import json_option
from shopmail.cli.output import labelled
from shopmail.cli.output import simulation
from shopmail.cli.output import when
from shopmail.core.i18n import gettext as _
from shopmail.services.doctor import run
from shopmail.services.status import status as read
from shopmail.smtp.reason_titles import title

MARKS = {"ok": "✔", "warning": "!", "error": "✘"}


def _limits(account: dict | None) -> str:
    """Use against the sending account's limits, or "sin límites"."""
    if not account or not (account["send_limit_per_minute"] or account["send_limit_per_day"]):
        return _("sin límites")
    parts = []
    if account["send_limit_per_minute"]:
        parts.append(_("%(used)s de %(limit)s mensajes en el último minuto", used=account["sent_last_minute"],
                       limit=account["send_limit_per_minute"]))
    if account["send_limit_per_day"]:
        parts.append(_("%(used)s de %(limit)s destinatarios en 24 horas", used=account["sent_last_day"],
                       limit=account["send_limit_per_day"]))
    return "; ".join(parts)


@click.command("status")
@json_option
@with_appcontext
def status(as_json):
    """Sending account, simulation, queue, failures, workers."""
    found = read()
    data = found.to_dict()
    account = data["sending_account"]
    last = account["last_test"] if account else None
    held = account and account["held_reason"]
    tested = "—"
    if last:
        tested = (_("correcta") if last["ok"] else
                  _("fallida: %(title)s", title=title(last["reason"])) + f" [{last['reason']}]") + f", {when(last['at'])}"
    lines = [labelled([
        (_("Cuenta de envío"), (account["address"] if account else "—")
         + (" (" + _("retenida: %(title)s", title=title(held)) + f" [{held}])" if held else "")),
        (_("Última prueba"), tested),
        (_("Límites de envío"), _limits(account)),
        (_("Modo simulación"), simulation(data["simulation"], data["simulation_locked"])),
    ]),
        _("En cola: %(queued)s (retenidos: %(held)s); más antiguo: %(oldest)s", queued=data["queue_depth"],
          held=data["held"], oldest=when(data["oldest_waiting_at"])),
        _("Últimas 24 h: %(sent)s enviados, %(failed)s fallidos", sent=data["sent_24h"], failed=data["failures_24h"]),
        _("Procesos de envío (worker) activos: %(alive)s; última señal: %(beat)s", alive=data["workers_alive"],
          beat=when(data["last_worker_heartbeat"])),
    ]
    lines += [_("AVISO") + f": {alert['message']}" for alert in data["alerts"]]
    lines += [f"{MARKS[problem['level']]} {problem['message']}" for problem in data["problems"]] or [
        f"{MARKS['ok']} " + _("El correo fluye: cuenta probada, nada retenido, fallido ni atascado.")]
    emit(data, as_json, "\n".join(lines))


@click.command("doctor")
@click.option("--no-test", is_flag=True, help="Do not test the sending account (report its last test only).")
@json_option
@with_appcontext
def doctor(no_test, as_json):
    """Check configuration, the sending account and the From domain's SPF, DMARC and MX."""
    checks = run(test_account=not no_test)
    emit({"ok": all(c.level != "error" for c in checks), "checks": [c.to_dict() for c in checks]}, as_json,
         "\n".join(f"{MARKS[c.level]} {c.name:<16} {c.message}" + (f" [{c.detail}]" if c.detail else "")
                   for c in checks))
    if any(c.level == "error" for c in checks):
        raise SystemExit(1)


COMMANDS = [status, doctor]
