"""The operator's terminal and the CLI's input (issue 14, finding 9): nothing a server says can drive the
terminal, and `account add|edit` refuses what the form refuses."""

import json

import pytest

from shopmail.core.models import Account
from shopmail.core.state import session

pytestmark = pytest.mark.sqlite_only

# Clear the screen, set the window title (OSC), ring the bell, a C1 CSI, a right-to-left override.
HOSTILE = "\x1b[2J\x1b]0;propiedad de otro\x07\u009b31m\u202e"


@pytest.fixture
def hostile_greeting(raw_listener):
    server = raw_listener()
    server.banner = f"554-{HOSTILE} no\r\n554 5.3.2 {HOSTILE}servicio no disponible\r\n".encode()
    return server


def smtp_test(runner, server, *extra):
    return runner.invoke(args=["shopmail", "smtp-test", "--host", "127.0.0.1", "--port", str(server.port),
                               "--security", "none", *extra])


def assert_terminal_safe(output):
    for char in ("\x1b", "\x07", "\u009b", "\u202e", "\r"):
        assert char not in output, repr(char)


def test_smtp_test_prints_no_escape_sequence(runner, hostile_greeting):
    result = smtp_test(runner, hostile_greeting)
    assert result.exit_code == 1
    assert "servicio no disponible" in result.output  # the server's words are still shown
    assert_terminal_safe(result.output)


def test_smtp_test_json_escapes_what_it_cannot_drop(runner, hostile_greeting):
    result = smtp_test(runner, hostile_greeting, "--json")
    assert result.exit_code == 1
    assert_terminal_safe(result.stdout)
    data = json.loads(result.stdout)  # still the same JSON document, every character kept escaped
    assert "servicio no disponible" in data["message"]


def test_smtp_test_reply_from_aiosmtpd_with_escapes(runner, smtp_server):
    server = smtp_server(security="none", replies={"mail": "550 5.7.1 \x1b[2J\x1b]0;titulo\x07 rechazado"})
    result = runner.invoke(args=["shopmail", "smtp-test", "--host", "127.0.0.1", "--port", str(server.port),
                                 "--security", "none", "--from", "tienda@example.com"])
    assert result.exit_code == 1 and "rechazado" in result.output
    assert_terminal_safe(result.output)


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--display-name", "Tienda\r\nBcc: x@evil.example", "El nombre no puede contener saltos de línea"),
    ("--username", "tienda\r\nRCPT TO:<x@evil.example>", "El usuario no puede contener saltos de línea"),
    ("--display-name", "Tienda\x1b[2J", "caracteres de control"),
    ("--display-name", "x" * 201, "como mucho 200 caracteres"),
])
def test_account_add_refuses_what_the_form_refuses(runner, app, option, value, words):
    result = runner.invoke(args=["shopmail", "account", "add", "--address", "tienda@example.com", "--host",
                                 "smtp.example.com", "--port", "587", "--security", "starttls", "--skip-test",
                                 option, value])
    assert result.exit_code == 2 and words in result.output
    with app.app_context():
        assert session().query(Account).count() == 0


def test_account_form_gives_the_same_message(admin):
    from tests.helpers import field_error
    from tests.helpers import page

    body = page(admin.post("/ajustes/cuentas/nueva", data={
        "address": "tienda@example.com", "display_name": "Tienda\x1b[2J", "host": "smtp.example.com",
        "port": "587", "security": "starttls", "action": "save"}))
    assert "caracteres de control" in (field_error(body, "display_name") or "")
