"""What every command prints: JSON or text, never a terminal escape sequence; exit codes."""

from __future__ import annotations

import json
import sys

import click

from shopmail.core import text as safe


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


def fail(message: str, code: int = 1):
    """Say what went wrong on stderr and exit with ``code``."""
    say(message, err=True)
    sys.exit(code)


def read_password(value: str | None) -> str | None:
    """``--password -`` reads the password from stdin, so it never lands in the shell history."""
    if value == "-":
        return sys.stdin.readline().rstrip("\r\n")
    return value
