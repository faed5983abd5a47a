"""The CLI speaks the operator's language, the Unix way: LC_ALL, then LC_MESSAGES, then LANG (as GNU gettext reads
them), else SHOPMAIL_DEFAULT_LOCALE. Its help is English whatever the language (tests/test_cli_help_language.py);
e-mails keep their own language (the order's, or the shop's default), whoever runs the command."""

import re

import pytest

from shopmail.core.i18n import environment_locale
from tests import test_delivery_support as support
from tests.language import english_leftovers
from tests.language import SPANISH
from tests.language import untranslated

shop, mail_server = support.shop, support.mail_server  # fixtures

ENGLISH = {"LANG": "en_US.UTF-8"}
#: The shop's data in the output (addresses, the sending account's display name): not the CLI's words.
DATA = re.compile(r"\S+@\S+|Tienda Ñandú")


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "es_ES.UTF-8"}, "es"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "en"}, "en"),
    ({"LANG": "es_ES.UTF-8@euro"}, "es"),
    ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "es_ES.UTF-8", "LANG": "es_ES.UTF-8"}, "en"),
    ({"LC_MESSAGES": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
    ({"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}, "en"),  # C and POSIX name no language: the next one decides
    ({"LC_ALL": "POSIX", "LC_MESSAGES": "", "LANG": "es_MX.UTF-8"}, "es"),
    ({"LANG": "de_DE.UTF-8"}, None),  # a language shopmail does not speak: the default
    ({"LANG": "C.UTF-8"}, None),
    ({}, None),
])
def test_the_environment_names_the_language_as_gettext_reads_it(environ, expected):
    assert environment_locale(environ) == expected


def _outputs(shop, env) -> dict[str, str]:
    """What a representative set of commands prints for people, run with ``env``."""
    shop.save_settings(simulation=True, admin_emails=[])
    shop.notify(support.order("1001", locale="en"))
    (row,) = shop.rows()
    cli = shop.app.test_cli_runner()
    server = shop.server
    commands = {
        "status": ["status"],
        "account list": ["account", "list"],
        "account show": ["account", "show", str(shop.account_id)],
        "settings show": ["settings", "show"],
        "outbox list": ["outbox", "list"],
        "outbox show": ["outbox", "show", str(row.id)],
        "smtp-test": ["smtp-test", "--host", server.host, "--port", str(server.port), "--security", "starttls",
                      "--username", support.SENDER, "--password", "not-the-password"],
        "autoconfig": ["autoconfig", "not-an-address"],
        "doctor": ["doctor", "--no-test"],
    }
    found = {}
    for name, args in commands.items():
        result = cli.invoke(args=["shopmail", *args], env=env)
        assert result.exit_code in (0, 1, 2) and isinstance(result.exception, (SystemExit, type(None))), \
            (name, result.output, result.exception)
        found[name] = result.output  # stdout and stderr, as the operator's terminal shows them
    return found


@pytest.mark.sqlite_only
def test_an_english_operator_reads_english(shop):
    whole, pieces = english_leftovers()
    problems = []
    for name, text in _outputs(shop, ENGLISH).items():
        plain = DATA.sub("", text)
        found = untranslated(plain, whole, pieces) + [m.group(0) for m in SPANISH.finditer(plain)]
        if found:
            problems.append(f"{name}: {found}\n{text}")
    assert not problems, "\n".join(problems)


@pytest.mark.sqlite_only
def test_a_spanish_operator_reads_spanish_whatever_the_default(shop):
    shop.app.config["SHOPMAIL_DEFAULT_LOCALE"] = "en"
    found = _outputs(shop, {"LANG": "es_ES.UTF-8"})
    assert "Cuenta de envío: tienda@tienda.example" in found["settings show"]
    assert "Modo simulación: sí" in found["status"]
    assert "Prueba fallida (auth_failed)" in found["smtp-test"]
    assert "Estado: Simulado" in found["outbox show"]


@pytest.mark.sqlite_only
def test_without_a_language_in_the_environment_the_default_speaks(shop):
    shop.app.config["SHOPMAIL_DEFAULT_LOCALE"] = "en"
    found = _outputs(shop, {"LC_ALL": "C", "LANG": "C.UTF-8"})
    assert "Sending account: tienda@tienda.example" in found["settings show"]


@pytest.mark.sqlite_only
def test_an_english_operator_leaves_the_mails_in_the_shops_language(shop):
    """send-test and the worker run for an English operator: they print English, and the mails are written in
    SHOPMAIL_DEFAULT_LOCALE (Spanish)."""
    cli = shop.app.test_cli_runner()
    sent = cli.invoke(args=["shopmail", "send-test", "cliente@example.org"], env=ENGLISH)
    assert sent.exit_code == 0 and "E-mail sent to cliente@example.org" in sent.output, sent.output
    shop.app.config["SHOPMAIL_DISPATCH"] = "worker"  # the order's mail waits for the worker command
    shop.save_settings(admin_emails=[])
    shop.notify(support.order("1002"))
    worker = cli.invoke(args=["shopmail", "worker", "--once"], env=ENGLISH)
    assert worker.exit_code == 0 and "sent 1, retries 0, failed 0" in worker.output, worker.output
    assert [row.status for row in shop.rows()] == ["sent", "sent"]
    for message in shop.server.wait_for_messages(2):
        assert SPANISH.search(message.message["Subject"]), message.message["Subject"]


def test_a_sample_mail_asked_for_in_english_is_written_wholly_in_the_shops_language(shop):
    """The "[Prueba]" mark and the sample order's names follow the mail, not the operator who asked for it."""
    sent = shop.app.test_cli_runner().invoke(
        args=["shopmail", "send-test", "cliente@example.org", "--kind", "order_cancelled"], env=ENGLISH)
    assert sent.exit_code == 0, sent.output
    (message,) = shop.server.wait_for_messages(1)
    assert message.message["Subject"].startswith("[Prueba] "), message.message["Subject"]
    text = message.message.get_body(("plain",)).get_content()
    assert "Cliente de prueba" in text and "Sin existencias" in text and "Camiseta de algodón" in text, text
    assert not re.search(r"Test customer|Out of stock|Cotton T-shirt|Ceramic mug", text), text
