"""The CLI's help is one language (English) everywhere: every command and option found by walking the click
group, so a command added on another branch is checked too. The panel's screens are named as the admin sees
them (e.g. "Registro de envíos"); nothing else in the help is Spanish."""

import click

from shopmail.cli import shopmail_cli
from tests.language import catalog_messages
from tests.language import SPANISH

#: Names of the panel's screens and fields, quoted in help so an admin can find them.
SCREEN_NAMES = ("Registro de envíos", "Cuentas de correo", "Comunicaciones", "Modo simulación", "Probar SMTP",
                "Plantillas de correo", "Cuenta de respaldo")


def _everything(group=shopmail_cli, words=("shopmail",)):
    """(command words, what, text) for every command, group and option below ``group``."""
    yield words, "help", group.help or ""
    for param in group.params:
        if isinstance(param, click.Option):
            yield words, param.opts[0], param.help or ""
    if isinstance(group, click.Group):
        for name, command in sorted(group.commands.items()):
            yield from _everything(command, (*words, name))


def test_cli_help_is_english_everywhere():
    catalog = catalog_messages()
    found = list(_everything())
    assert len(found) > 40  # every command and option was walked
    mixed = []
    for words, what, text in found:
        plain = text
        for name in SCREEN_NAMES:
            plain = plain.replace(name, "")
        if SPANISH.search(plain) or text in catalog:
            mixed.append(f"{' '.join(words)} {what}: {text!r}")
    assert mixed == [], "Spanish in the CLI's help:\n" + "\n".join(mixed)


def test_the_check_finds_spanish_help():
    """The check itself: a Spanish option help is caught (a check that cannot fail checks nothing)."""
    command = click.Command("x", params=[click.Option(["--cuenta"], help="La cuenta de envío")])
    texts = [text for _w, _what, text in _everything(command, ("x",))]
    assert any(SPANISH.search(text) for text in texts)
