"""What every command prints: JSON or text, never a terminal escape sequence; exit codes and confirmations."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sys

import click

from shopmail.core import text as safe
from shopmail.core.i18n import gettext as _

#: ``--json`` as every command spells it.
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")


def emit(data, as_json: bool, text: str | None = None) -> None:
    """Print one JSON document, or the human text; neither can carry a terminal escape sequence (server
    replies and auto-configuration findings end up in both)."""
    if as_json:
        click.echo(safe.json_for_terminal(json.dumps(data, ensure_ascii=False, default=str, indent=2)))
    elif text is not None:
        click.echo(safe.for_terminal(text))


def say(text: str, err: bool = False) -> None:
    """Print a line that may hold remote text (see ``emit``)."""
    click.echo(safe.for_terminal(text), err=err)


def fail(message: str, code: int = 1, as_json: bool = False):
    """Say what went wrong (stderr, or ``{"ok": false, "error": …}`` on stdout with --json); exit ``code``."""
    if as_json:
        emit({"ok": False, "error": message}, True)
    else:
        say(message, err=True)
    sys.exit(code)


def confirm(question: str, yes: bool, as_json: bool = False) -> None:
    """Ask "question [y/N]" unless ``--yes``; with no terminal to ask on, refuse (exit 2) and name ``--yes``."""
    if yes:
        return
    if not sys.stdin.isatty():
        fail(_("Sin terminal no se puede confirmar: repita la orden con --yes."), 2, as_json)
    if not click.confirm(question, default=False):
        fail(_("Cancelado: no se ha cambiado nada."), 1, as_json)


def when(iso: str | None) -> str:
    """An ISO 8601 instant as people read it: "29/11/2026 15:04 UTC" (the panel's format); naive means UTC."""
    if not iso:
        return "—"
    moment = dt.datetime.fromisoformat(iso)
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return moment.strftime("%d/%m/%Y %H:%M UTC")


def labelled(pairs) -> str:
    """"Label: value" lines, one a pair (the labels already in the operator's language)."""
    return "\n".join(f"{label}: {value}" for label, value in pairs)


def yes_no(value) -> str:
    """"sí" or "no", in the operator's language."""
    return _("sí") if value else _("no")


def simulation(on: bool, locked: bool) -> str:
    """Modo simulación in words: "sí", "no", "sí (bloqueado)"."""
    return yes_no(on) + (" (" + _("bloqueado") + ")" if locked else "")


def read_password(value: str | None) -> str | None:
    """``--password -`` reads the password from stdin, so it never lands in the shell history."""
    if value == "-":
        return sys.stdin.readline().rstrip("\r\n")
    return value


#: ``--log-level`` as the long-running commands spell it.
LOG_LEVELS = ("debug", "info", "warning", "error")


@contextlib.contextmanager
def log_to_stderr(level: str):
    """While the command runs, shopmail's own log lines (logger ``shopmail``) at ``level`` and above go to
    stderr, one line each (stdout stays for the command's output and its JSON); afterwards the logger is as
    it was (a host's own logging set-up, or a test runner's, is left alone)."""
    logger = logging.getLogger("shopmail")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, level.upper()))
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
