"""`flask shopmail account …`, `smtp-test` and `autoconfig`: the same services as the screens."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.cli.output import read_password
from shopmail.cli.output import say
from shopmail.core import addresses
from shopmail.services import account_describe as describe
from shopmail.services import accounts as service
from shopmail.services.account_checks import check_display_name
from shopmail.services.account_checks import check_host
from shopmail.services.account_checks import check_username
from shopmail.services.account_checks import is_loopback
from shopmail.services.autoconfig import discover
from shopmail.smtp import probe

SECURITY = click.Choice(["starttls", "ssl", "none"])


@click.group("account", cls=AppGroup)
def account_group():
    """The library of e-mail accounts."""


def _line(account) -> str:
    level, words = describe.status(account)
    in_use = " [en uso]" if service.in_use(account) else ""
    return f"{account.id:>4}  {account.address}  {account.host}:{account.port} {account.security}  {words}{in_use}"


@account_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_accounts(as_json):
    """List the accounts."""
    accounts = service.all_accounts()
    emit([describe.to_dict(a) for a in accounts], as_json,
         "\n".join(_line(a) for a in accounts) or "No hay cuentas.")


@account_group.command("show")
@click.argument("account_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def show(account_id, as_json):
    """Show one account (never its password)."""
    account = _get(account_id)
    data = describe.to_dict(account)
    emit(data, as_json, "\n".join(f"{k}: {v}" for k, v in data.items()))


def _get(account_id):
    try:
        return service.get(account_id)
    except service.NotFound as exc:
        fail(str(exc))


def _account_options(function):
    options = [
        click.option("--address"), click.option("--username"), click.option("--password"),
        click.option("--display-name"), click.option("--host"), click.option("--port", type=click.IntRange(1, 65535)),
        click.option("--security", type=SECURITY), click.option("--autoconfig", is_flag=True),
        click.option("--no-verify-cert", is_flag=True), click.option("--skip-test", is_flag=True),
        click.option("--json", "as_json", is_flag=True),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _values(opts, account=None) -> service.Values:
    """Merge the options over the stored account; check them as the form does."""
    try:
        address = addresses.normalize(opts["address"] or (account.address if account else ""))
    except addresses.AddressError as exc:
        raise click.UsageError(str(exc)) from None
    values = dict(
        address=address,
        display_name=opts["display_name"] if opts["display_name"] is not None else (account.display_name if account else ""),
        username=opts["username"] if opts["username"] is not None else (account.username if account else ""),
        password=read_password(opts["password"]) or None,
        host=opts["host"] or (account.host if account else ""),
        port=opts["port"] or (account.port if account else 0),
        security=opts["security"] or (account.security if account else "starttls"),
        verify_cert=not opts["no_verify_cert"] if (opts["no_verify_cert"] or not account) else account.verify_cert,
    )
    try:  # the form's own checks, before anything goes on the network
        values["display_name"] = check_display_name(values["display_name"])
        values["username"] = check_username(values["username"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if opts["autoconfig"]:
        values.update(_discover(values))
    if not values["host"] or not values["port"]:
        raise click.UsageError("Indique --host, --port y --security, o use --autoconfig.")
    try:
        values["host"] = check_host(values["host"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    has_password = bool(values["password"]) or bool(account and account.password_sealed)
    if values["security"] == "none" and has_password and not is_loopback(values["host"]):
        raise click.UsageError("Sin cifrado la contraseña viajaría en claro: use --security starttls o ssl.")
    return service.Values(**values)


def _discover(values) -> dict:
    found = discover(values["address"], values["username"] or None, values["password"])
    if not found.found:
        fail(found.message)
    say(f"Configuración automática ({found.source}): {found.host}:{found.port} {found.security}", err=True)
    return {"host": found.host, "port": found.port, "security": found.security,
            "username": values["username"] or found.username or ""}


def _save(values, account_id, skip_test, as_json):
    ticket = result = None
    if not skip_test:
        try:
            result, ticket = service.test_values(values, account_id)
        except service.AccountError as exc:
            fail(str(exc))
        if not result.ok:
            emit({"saved": False, "test": result.to_dict()}, as_json,
                 f"Prueba SMTP fallida ({result.reason}): {result.message}\n{result.hint or ''}".rstrip())
            raise SystemExit(1)
    try:
        account = service.save(values, account_id=account_id, ticket=ticket, skip_test=skip_test, result=result)
    except service.AccountError as exc:
        fail(str(exc))
    emit({"saved": True, "account": describe.to_dict(account), "test": result.to_dict() if result else None},
         as_json, f"Cuenta guardada: {account.id} {account.address}")


@account_group.command("add")
@_account_options
def add(**opts):
    """Add an account; saved only if the SMTP test passes (unless --skip-test)."""
    if not opts["address"]:
        raise click.UsageError("Falta --address.")
    _save(_values(opts), None, opts["skip_test"], opts["as_json"])


@account_group.command("edit")
@click.argument("account_id", type=int)
@_account_options
def edit(account_id, **opts):
    """Change an account; saved only if the SMTP test passes (unless --skip-test)."""
    account = _get(account_id)
    _save(_values(opts, account), account_id, opts["skip_test"], opts["as_json"])


@account_group.command("delete")
@click.argument("account_id", type=int)
def delete(account_id):
    """Delete an account (refused for the sending account)."""
    try:
        service.delete(account_id)
    except service.AccountError as exc:
        fail(str(exc))
    click.echo(f"Cuenta {account_id} eliminada.")


def print_probe(result, as_json):
    """The probe's outcome as JSON or as readable lines; exit 1 when it failed."""
    lines = [f"{'✔' if s.ok else '✘'} {s.step:<10} {s.ms:>6} ms  {s.detail or ''}".rstrip() for s in result.steps]
    lines += [f"- {step:<10}      no se ha probado" for step in result.skipped]
    if result.ok:
        lines.append(("Prueba parcial: " if result.skipped else "Prueba correcta: ") + result.message)
    else:
        lines.append(f"Prueba fallida ({result.reason}): " + result.message)
    if result.hint and (not result.ok or result.skipped):
        lines.append(result.hint)
    emit(result.to_dict(), as_json, "\n".join(lines))
    if not result.ok:
        raise SystemExit(1)


@account_group.command("test")
@click.argument("account_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def test(account_id, as_json):
    """Probar SMTP on a saved account."""
    _get(account_id)
    print_probe(service.test_saved(account_id), as_json)


@click.command("smtp-test")
@with_appcontext
@click.option("--host", required=True)
@click.option("--port", required=True, type=click.IntRange(1, 65535))
@click.option("--security", required=True, type=SECURITY)
@click.option("--username", default="")
@click.option("--password")
@click.option("--from", "from_address", default="")
@click.option("--to", "rcpt_to")
@click.option("--no-verify-cert", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
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
@click.option("--username")
@click.option("--password")
@click.option("--json", "as_json", is_flag=True)
def autoconfig(address, username, password, as_json):
    """Find the SMTP settings for an address."""
    found = discover(address, username, read_password(password))
    text = (f"{found.host}:{found.port} {found.security} usuario={found.username} origen={found.source} "
            f"verificada={'sí' if found.verified else 'no'}" if found.found else found.message)
    emit(found.to_dict(), as_json, text)
    if not found.found:
        raise SystemExit(1)


COMMANDS = [account_group, smtp_test, autoconfig]
