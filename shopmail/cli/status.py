"""`flask shopmail status` and `flask shopmail doctor`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shopmail.cli.output import emit
from shopmail.cli.output import json_option
from shopmail.cli.output import when
from shopmail.services.doctor import run
from shopmail.services.status import status as read
from shopmail.smtp.reason_titles import title

MARKS = {"ok": "✔", "warning": "!", "error": "✘"}


def _limits(account: dict | None) -> str:
    """Use against the sending account's limits, or "sin límites"."""
    if not account or not (account["send_limit_per_minute"] or account["send_limit_per_day"]):
        return "sin límites"
    parts = []
    if account["send_limit_per_minute"]:
        parts.append(f"{account['sent_last_minute']} de {account['send_limit_per_minute']} mensajes en el último minuto")
    if account["send_limit_per_day"]:
        parts.append(f"{account['sent_last_day']} de {account['send_limit_per_day']} destinatarios en 24 horas")
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
    lines = [
        f"Cuenta de envío: {account['address'] if account else '—'}"
        + (f" (retenida: {title(account['held_reason'])} [{account['held_reason']}])"
           if account and account["held_reason"] else ""),
        "Última prueba: " + ("—" if not last else
                             f"{'correcta' if last['ok'] else 'fallida: ' + title(last['reason'])}"
                             f"{'' if last['ok'] else ' [' + str(last['reason']) + ']'}, {when(last['at'])}"),
        "Límites de envío: " + _limits(account),
        f"Modo simulación: {'sí' if data['simulation'] else 'no'}{' (bloqueado)' if data['simulation_locked'] else ''}",
        f"En cola: {data['queue_depth']} (retenidos: {data['held']}); más antiguo: {when(data['oldest_waiting_at'])}",
        f"Últimas 24 h: {data['sent_24h']} enviados, {data['failures_24h']} fallidos",
        f"Procesos de envío (worker) activos: {data['workers_alive']}; última señal: "
        f"{when(data['last_worker_heartbeat'])}",
    ]
    lines += [f"AVISO: {alert['message']}" for alert in data["alerts"]]
    lines += [f"{MARKS[problem['level']]} {problem['message']}" for problem in data["problems"]] or [
        f"{MARKS['ok']} El correo fluye: cuenta probada, nada retenido, fallido ni atascado."]
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
