"""`flask shopmail dev-smtp`: a local capture SMTP server (the `dev` extra)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shopmail.cli.output import json_option
from shopmail.core.extras import require


@click.command("dev-smtp")
@click.option("--port", default=2525, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to listen on.")
@json_option
@with_appcontext
def dev_smtp(port, host, as_json):
    """A local capture SMTP server to try the panel without a real mailbox (--json: one JSON document a line)."""
    require("aiosmtpd", "dev")
    # optional: aiosmtpd comes with the `dev` extra (checked just above)
    from shopmail.cli.devsmtp import serve

    serve(host, port, as_json)


COMMANDS = [dev_smtp]
