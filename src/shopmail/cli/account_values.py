"""The options of `account add|edit`, and how they become the values the account form would check."""

from __future__ import annotations

import click

from shopmail.cli.output import fail
from shopmail.cli.output import json_option
from shopmail.cli.output import read_password
from shopmail.cli.output import say
from shopmail.core import addresses
from shopmail.core.config import AUTH_METHODS
from shopmail.core.i18n import gettext as _
from shopmail.services import accounts as service
from shopmail.services.account_checks import check_display_name
from shopmail.services.account_checks import check_host
from shopmail.services.account_checks import check_limit
from shopmail.services.account_checks import check_username
from shopmail.services.account_checks import is_loopback
from shopmail.services.account_checks import suggested_limits
from shopmail.services.autoconfig import discover

SECURITY = click.Choice(["starttls", "ssl", "none"])
AUTH = click.Choice(list(AUTH_METHODS))
PORT = click.IntRange(1, 65535)


def account_options(function):
    """The options `account add` and `account edit` share."""
    options = [
        click.option("--address", help="The e-mail address the shop sends from."),
        click.option("--username", help="Login user name (often the full address)."),
        click.option("--password", help="Login password ('-' reads it from stdin)."),
        click.option("--auth", type=AUTH, help="How it signs in: password (default), or OAuth2 with microsoft, "
                                                "microsoft-app (app-only, no browser) or google."),
        click.option("--display-name", help="Name shown before the address (e.g. the shop's name)."),
        click.option("--host", help="SMTP server name, e.g. smtp.gmail.com."),
        click.option("--port", type=PORT, help="SMTP port: usually 587 (starttls) or 465 (ssl)."),
        click.option("--security", type=SECURITY, help="Connection security."),
        click.option("--autoconfig", is_flag=True, help="Find host, port and security from the address."),
        click.option("--no-verify-cert", is_flag=True,
                     help="Do not verify the server's certificate (only on a trusted network)."),
        click.option("--skip-test", is_flag=True, help="Save without testing the account first."),
        click.option("--limit-per-minute", help="Messages per minute the provider allows ('none': no limit; "
                                                "a new account takes the provider's published limit)."),
        click.option("--limit-per-day", help="Recipients per 24 hours the provider allows ('none': no limit)."),
        json_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def values(opts, account=None) -> service.Values:
    """Merge the options over the stored account; check them as the form does."""
    try:
        address = addresses.normalize(opts["address"] or (account.address if account else ""))
    except addresses.AddressError as exc:
        raise click.UsageError(str(exc)) from None
    found = dict(
        address=address,
        display_name=opts["display_name"] if opts["display_name"] is not None else (account.display_name if account else ""),
        username=opts["username"] if opts["username"] is not None else (account.username if account else ""),
        password=read_password(opts["password"]) or None,
        host=opts["host"] or (account.host if account else ""),
        port=opts["port"] or (account.port if account else 0),
        security=opts["security"] or (account.security if account else "starttls"),
        verify_cert=not opts["no_verify_cert"] if (opts["no_verify_cert"] or not account) else account.verify_cert,
        auth=opts["auth"] or (account.auth if account else "password"),
    )
    if found["auth"] != "password" and found["password"]:
        raise click.UsageError(_("--password no se usa con --auth %(auth)s: la cuenta inicia sesión con OAuth2.",
                                 auth=found["auth"]))
    try:  # the form's own checks, before anything goes on the network
        found["display_name"] = check_display_name(found["display_name"])
        found["username"] = check_username(found["username"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if opts["autoconfig"]:
        found.update(_discover(found, opts["as_json"]))
    if not found["host"] or not found["port"]:
        raise click.UsageError(_("Indique --host, --port y --security, o use --autoconfig."))
    try:
        found["host"] = check_host(found["host"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    found.update(_limits(opts, account, found["host"]))
    has_password = bool(found["password"]) or bool(account and account.password_sealed)
    if found["security"] == "none" and has_password and not is_loopback(found["host"]):
        raise click.UsageError(_("Sin cifrado la contraseña viajaría en claro: use --security starttls o ssl."))
    return service.Values(**found)


def _limits(opts, account, host: str) -> dict:
    """--limit-per-minute/--limit-per-day; when not given: the stored ones, or for a new account the
    provider's published limits."""
    stored = ((account.send_limit_per_minute, account.send_limit_per_day) if account
              else suggested_limits(host))
    found = {}
    for index, name in enumerate(("limit_per_minute", "limit_per_day")):
        try:
            found[name] = check_limit(opts[name]) if opts[name] is not None else stored[index]
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=f"--{name.replace('_', '-')}") from None
    return found


def _discover(found, as_json) -> dict:
    result = discover(found["address"], found["username"] or None, found["password"])
    if not result.found:
        fail(result.message, 1, as_json)
    say(_("Configuración automática (%(source)s): %(host)s:%(port)s %(security)s", source=result.source,
          host=result.host, port=result.port, security=result.security), err=True)
    return {"host": result.host, "port": result.port, "security": result.security,
            "username": found["username"] or result.username or ""}
