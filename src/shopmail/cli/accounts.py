"""`flask shopmail account …`, `smtp-test` and `autoconfig`: the same services as the screens."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from shopmail.cli.account_values import account_options
from shopmail.cli.account_values import PORT
from shopmail.cli.account_values import SECURITY
from shopmail.cli.account_values import values
from shopmail.cli.output import confirm
from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.cli.output import json_option
from shopmail.cli.output import labelled
from shopmail.cli.output import read_password
from shopmail.cli.output import say
from shopmail.cli.output import when
from shopmail.cli.output import yes_no
from shopmail.core import addresses
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import lazy_gettext as _l
from shopmail.delivery.oauth import OAuthFailure
from shopmail.services import account_describe as describe
from shopmail.services import accounts as service
from shopmail.services import oauth_accounts
from shopmail.services.autoconfig import discover
from shopmail.smtp import probe
from shopmail.smtp import reasons

SECURITY_WORDS = {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": _l("Ninguna")}



@click.group("account", cls=AppGroup)
def account_group():
    """The library of e-mail accounts."""


def _last_test(data: dict, held_reason: str | None = None) -> str:
    """The account's state in words: held, untested, or its last test and when."""
    if held_reason:
        return _("retenida (%(reason)s)", reason=held_reason)
    last = data["last_test"]
    if last is None:
        return _("sin probar")
    outcome = _("correcta") if last["ok"] else _("fallida (%(reason)s)", reason=last["reason"])
    return f"{outcome}, {when(last['at'])}"


def _line(account) -> str:
    data = describe.to_dict(account)
    in_use = " [" + _("en uso") + "]" if data["in_use"] else ""
    return (f"{data['id']:>4}  {data['address']}  {data['host']}:{data['port']} "
            f"{_security(data['security'])}  "
            f"{_last_test(data, account.held_reason)}{in_use}")


@account_group.command("list")
@json_option
def list_accounts(as_json):
    """List the accounts."""
    accounts = service.all_accounts()
    header = "  ".join([f"{'Id':>4}", _("Dirección"), _("Servidor") + " " + _("Seguridad"), _("Última prueba")])
    emit([describe.to_dict(a) for a in accounts], as_json,
         "\n".join([header, *map(_line, accounts)]) if accounts else _("No hay cuentas."))


@account_group.command("show")
@click.argument("account_id", type=int)
@json_option
def show(account_id, as_json):
    """Show one account (never its password)."""
    account = _get(account_id, as_json)
    data = describe.to_dict(account)
    lines = [
        (_("Cuenta"), data["id"]),
        (_("Dirección"), data["address"]),
        (_("Nombre visible"), data["display_name"] or "—"),
        (_("Usuario"), data["username"] or "—"),
        (_("Servidor"), f"{data['host']}:{data['port']}"),
        (_("Seguridad"), _security(data["security"])),
    ]
    if data["security"] != "none":
        lines.append((_("Verificar certificado"), yes_no(data["verify_cert"])))
    if data["auth"] != "password":
        lines += [(_("Inicio de sesión"), f"OAuth2 ({data['auth']})"),
                  (_("Conectado como"), oauth_accounts.connected_as(account) or _("sin conectar"))]
    per_minute = data["send_limit_per_minute"]
    per_day = data["send_limit_per_day"]
    lines += [(_("Cuenta de envío"), yes_no(data["in_use"])),
              (_("Última prueba"), _last_test(data, account.held_reason)),
              (_("Límite por minuto"), _("%(used)s de %(limit)s mensajes", used=data["sent_last_minute"] or 0,
                                         limit=per_minute) if per_minute else _("sin límite")),
              (_("Límite diario"), _("%(used)s de %(limit)s destinatarios", used=data["sent_last_day"] or 0,
                                     limit=per_day) if per_day else _("sin límite"))]
    emit(data, as_json, labelled(lines))


def _security(code: str) -> str:
    """STARTTLS, SSL/TLS or "Ninguna" (as the account form says it)."""
    return str(SECURITY_WORDS.get(code, code))


def _get(account_id, as_json=False):
    try:
        return service.get(account_id)
    except service.NotFound as exc:
        fail(str(exc), 1, as_json)


def _save(found, account_id, skip_test, as_json):
    ticket = result = None
    # A Microsoft or Google account cannot pass a test before it is connected: saved untested first.
    existing = service.get(account_id) if account_id else None
    unconnected = found.auth in ("microsoft", "google") and not (
        existing is not None and existing.auth == found.auth and oauth_accounts.connected_as(existing))
    skip_test = skip_test or unconnected
    if not skip_test:
        try:
            result, ticket = service.test_values(found, account_id)
        except service.AccountError as exc:
            fail(str(exc), 1, as_json)
        if not result.ok:
            emit({"saved": False, "test": _probe_dict(result)}, as_json,
                 (_("Prueba SMTP fallida (%(reason)s): %(message)s", reason=result.reason, message=result.message)
                  + f"\n{_hint(result) or ''}").rstrip())
            raise SystemExit(1)
    try:
        account = service.save(found, account_id=account_id, ticket=ticket, skip_test=skip_test, result=result)
    except service.AccountError as exc:
        fail(str(exc), 1, as_json)
    text = _("Cuenta guardada: %(id)s %(address)s", id=account.id, address=account.address)
    if unconnected:
        text += "\n" + _("Sin conectar: conéctela en el panel (Cuentas de correo → %(address)s → Conectar) y "
                         "pruébela con «flask shopmail account test %(id)s».", address=account.address, id=account.id)
    emit({"saved": True, "account": describe.to_dict(account), "test": _probe_dict(result) if result else None},
         as_json, text)


@account_group.command("add")
@account_options
def add(**opts):
    """Add an account; saved only if the SMTP test passes (unless --skip-test)."""
    if not opts["address"]:
        raise click.UsageError(_("Falta --address."))
    _save(values(opts), None, opts["skip_test"], opts["as_json"])


@account_group.command("edit")
@click.argument("account_id", type=int)
@account_options
def edit(account_id, **opts):
    """Change an account; saved only if the SMTP test passes (unless --skip-test)."""
    account = _get(account_id, opts["as_json"])
    _save(values(opts, account), account_id, opts["skip_test"], opts["as_json"])


@account_group.command("connect")
@click.argument("account_id", type=int)
@json_option
def connect(account_id, as_json):
    """Sign an OAuth2 account in, then test it: microsoft prints a URL and a code and waits (device code);
    microsoft-app needs no browser (client credentials). Google accounts connect in the panel."""
    account = _get(account_id, as_json)
    if account.auth not in ("microsoft", "microsoft-app"):
        fail(_("account connect es para cuentas --auth microsoft o microsoft-app; conecte las de Google en el "
               "panel: Cuentas de correo → la cuenta → Conectar con Google."), 1, as_json)
    try:
        if account.auth == "microsoft":
            mailbox = oauth_accounts.connect_device(account, lambda text: say(text, err=True))
        else:
            mailbox = oauth_accounts.connect_app(account)
    except OAuthFailure as failure:
        emit({"ok": False, "reason": failure.reason, "message": failure.message, "hint": failure.hint}, as_json,
             _("No se pudo conectar (%(reason)s): %(message)s", reason=failure.reason, message=failure.message)
             + f"\n{failure.hint}")
        raise SystemExit(1) from None
    say(_("Conectado como %(mailbox)s.", mailbox=mailbox), err=True)
    mismatch = oauth_accounts.identity_problem(account.username or account.address, mailbox)
    if mismatch:
        say(mismatch, err=True)
    print_probe(service.test_saved(account_id), as_json)


@account_group.command("delete")
@click.argument("account_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def delete(account_id, yes, as_json):
    """Delete an account (refused for the sending account)."""
    account = _get(account_id, as_json)
    confirm(_("¿Eliminar la cuenta %(id)s (%(address)s)?", id=account_id, address=account.address), yes, as_json)
    try:
        service.delete(account_id)
    except service.AccountError as exc:
        fail(str(exc), 1, as_json)
    emit({"ok": True, "id": account_id, "deleted": True}, as_json, _("Cuenta %(id)s eliminada.", id=account_id))


def _hint(result) -> str | None:
    """The probe's hint, naming the CLI's options instead of the panel's controls where they differ."""
    return reasons.cli_hint(result.reason) or result.hint


def _probe_dict(result) -> dict:
    return {**result.to_dict(), "hint": _hint(result)}


def print_probe(result, as_json):
    """The probe's outcome as JSON or as readable lines; exit 1 when it failed."""
    lines = [f"{'✔' if s.ok else '✘'} {s.step:<10} {s.ms:>6} ms  {s.detail or ''}".rstrip() for s in result.steps]
    lines += [f"- {step:<10}      " + _("no se ha probado") for step in result.skipped]
    if result.ok:
        lines.append((_("Prueba parcial: %(message)s") if result.skipped else _("Prueba correcta: %(message)s"))
                     % {"message": result.message})
    else:
        lines.append(_("Prueba fallida (%(reason)s): %(message)s", reason=result.reason, message=result.message))
    if result.hint and (not result.ok or result.skipped):
        lines.append(_hint(result))
    emit(_probe_dict(result), as_json, "\n".join(lines))
    if not result.ok:
        raise SystemExit(1)


@account_group.command("test")
@click.argument("account_id", type=int)
@json_option
def test(account_id, as_json):
    """Test a saved account (Probar SMTP)."""
    _get(account_id, as_json)
    print_probe(service.test_saved(account_id), as_json)


@click.command("smtp-test")
@with_appcontext
@click.option("--host", required=True, help="SMTP server name.")
@click.option("--port", required=True, type=PORT, help="SMTP port.")
@click.option("--security", required=True, type=SECURITY, help="Connection security.")
@click.option("--username", default="", help="Login user name; none: no login.")
@click.option("--password", help="Login password ('-' reads it from stdin).")
@click.option("--from", "from_address", default="",
              help="Envelope sender, to test MAIL FROM, RCPT TO and DATA too (nothing is sent).")
@click.option("--to", "rcpt_to", help="Recipient for RCPT TO (default: the sender).")
@click.option("--no-verify-cert", is_flag=True, help="Do not verify the server's certificate.")
@json_option
def smtp_test(host, port, security, username, password, from_address, rcpt_to, no_verify_cert, as_json):
    """Test an SMTP server without saving anything."""
    target = probe.target_from_config(
        current_app.config, host=host, port=port, security=security, username=username,
        password=read_password(password), verify_cert=not no_verify_cert,
        # A user name is the envelope sender only when it is an address (as the probe itself decides).
        from_address=from_address or (username if "@" in username else ""), rcpt_to=rcpt_to)
    print_probe(probe.probe(target), as_json)


@click.command("autoconfig")
@with_appcontext
@click.argument("address")
@click.option("--username", help="Login user name, if not the address.")
@click.option("--password", help="Password, to verify the settings found ('-' reads it from stdin).")
@json_option
def autoconfig(address, username, password, as_json):
    """Find the SMTP settings for an address."""
    try:
        address = addresses.normalize(address)
    except addresses.AddressError as exc:
        raise click.BadParameter(str(exc), param_hint="ADDRESS") from None
    found = discover(address, username, read_password(password))
    text = (f"{found.host}:{found.port} {_security(found.security)} "
            + _("usuario=%(username)s origen=%(source)s verificada=%(verified)s", username=found.username,
                source=found.source, verified=yes_no(found.verified)) if found.found else found.message)
    emit(found.to_dict(), as_json, text)
    if not found.found:
        raise SystemExit(1)


COMMANDS = [account_group, smtp_test, autoconfig]
