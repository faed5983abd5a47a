"""The CLI's contract (docs/reference.md): `--json` on every command, exit codes 0/1/2, `--yes`, help on every option."""

import json

import click
import pytest

from shopmail.cli import shopmail_cli
from tests import test_delivery_support as support
from tests.helpers import make_account

shop, mail_server = support.shop, support.mail_server  # fixtures

#: Run elsewhere: dev-smtp serves until stopped (tests/test_devsmtp.py runs it in its own process), db-upgrade
#: needs a database the test app has not already created (tests/test_migrations.py).
ELSEWHERE = {("dev-smtp",), ("db-upgrade",)}


def _commands(group=shopmail_cli, prefix=()):
    """Every leaf command below ``group``, as its words (("outbox", "show"), …)."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["shopmail", *args])


@pytest.fixture
def dns(app, dns_server):
    """Auto-configuration and the doctor ask the local DNS server only."""
    app.config.update(SHOPMAIL_DNS_NAMESERVERS=[dns_server.address], SHOPMAIL_ISPDB_URL="",
                      SHOPMAIL_AUTOCONFIG_DEADLINE=4.0, SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[])
    return dns_server


def _minimal_args(shop) -> dict:
    """Valid arguments for each command, against ``shop`` (a sending account on a real local server)."""
    spare = make_account(shop.app, "otra@tienda.example")
    shop.save_settings(simulation=True, admin_emails=[])
    shop.notify(support.order("7"))
    shop.save_settings(simulation=False)  # the simulated message can be released
    message = shop.rows()[0].id
    server = ["--host", shop.server.host, "--port", str(shop.server.port), "--security", "starttls"]
    return {
        ("account", "add"): ["--address", "nueva@tienda.example", *server, "--skip-test"],
        ("account", "connect"): [str(shop.account_id)],
        ("account", "delete"): [str(spare), "--yes"],
        ("account", "edit"): [str(shop.account_id), "--display-name", "Tienda", "--skip-test"],
        ("account", "show"): [str(shop.account_id)],
        ("account", "test"): [str(shop.account_id)],
        ("autoconfig",): ["alguien@nada.example"],
        ("create-admin",): ["jefa@tienda.example", "--password", "una-clave-larga"],
        ("outbox", "cancel"): [str(message), "--yes"],
        ("outbox", "release"): [str(message)],
        ("outbox", "retry"): [str(message)],
        ("outbox", "show"): [str(message)],
        ("purge",): ["--yes"],
        ("send-test",): ["prueba@cliente.example"],
        ("settings", "set"): ["--simulation", "off"],
        ("smtp-test",): server,
        ("wording", "restore"): ["order_completed", "--yes"],
        ("wording", "set"): ["order_completed", "--subject", "Pedido {order_number}"],
        ("wording", "show"): ["order_completed"],
        ("worker",): ["--once"],
    }


#: Commands whose minimal run is refused or finds a problem: exit 1, and still one JSON document (a simulated
#: message can be neither cancelled nor retried; nada.example publishes nothing; its SPF/DMARC are missing; no Redis
#: is configured for rq-worker, which tests/test_dispatch_rq.py runs for real; a password account has nothing to
#: connect).
REFUSED = {("autoconfig",), ("doctor",), ("outbox", "retry"), ("outbox", "cancel"), ("rq-worker",),
           ("account", "connect")}


def test_every_command_accepts_json_and_prints_one_json_document(shop, dns):
    args = _minimal_args(shop)
    ran = []
    for words, command in _commands():
        assert any(p.name == "as_json" for p in command.params), f"{' '.join(words)} has no --json"
        if words in ELSEWHERE:
            continue
        result = _cli(shop.app, *words, *args.get(words, []), "--json")
        assert result.exit_code == (1 if words in REFUSED else 0), (words, result.output)
        json.loads(result.stdout)  # one valid document, nothing else on stdout
        ran.append(words)
    assert ("outbox", "show") in ran and ("cache", "clear") in ran and ("account", "delete") in ran


def test_every_option_has_help():
    missing = [f"{' '.join(words)} {p.opts[0]}" for words, command in _commands()
               for p in command.params if isinstance(p, click.Option) and not p.help]
    assert missing == []


def test_actions_say_what_was_done_in_json(shop):
    shop.save_settings(simulation=True, admin_emails=[])
    shop.notify(support.order("1"))
    (row,) = shop.rows()
    shop.save_settings(simulation=False)
    released = _cli(shop.app, "outbox", "release", str(row.id), "--json")
    assert released.exit_code == 0 and json.loads(released.stdout) == {"ok": True, "id": row.id, "status": "queued"}
    refused = _cli(shop.app, "outbox", "retry", str(row.id), "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["ok"] is False and json.loads(refused.stdout)["error"]
    cleared = _cli(shop.app, "cache", "clear", "--json")
    assert json.loads(cleared.stdout) == {"ok": True}


@pytest.mark.parametrize("args", [["autoconfig", "notanemail"], ["outbox", "show", "0"],
                                  ["settings", "set"], ["account", "add", "--address", "x@y.example"]])
def test_usage_errors_exit_2_also_as_json(app, args):
    assert _cli(app, *args).exit_code == 2
    result = _cli(app, *args, "--json")
    assert result.exit_code == 2 and json.loads(result.stdout)["ok"] is False


def test_delete_asks_unless_yes_and_refuses_without_a_terminal(app):
    account_id = make_account(app, "borrar@tienda.example")
    no_tty = _cli(app, "account", "delete", str(account_id))
    assert no_tty.exit_code == 2 and "--yes" in no_tty.output
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shopmail", "account", "show", str(account_id)]).exit_code == 0
    deleted = _cli(app, "account", "delete", str(account_id), "--yes", "--json")
    assert deleted.exit_code == 0 and json.loads(deleted.stdout) == {"ok": True, "id": account_id, "deleted": True}
    assert _cli(app, "account", "show", str(account_id)).exit_code == 1
