"""`flask shopmail …`: a thin shell over the same services the screens use, one module per command group.

Exit 0 on success, 1 when the operation failed, 2 on usage errors (click's own). With ``--json`` every
command prints one JSON document on stdout, errors included (``{"ok": false, "error": …}``).

Every command speaks the operator's language (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, else
``SHOPMAIL_DEFAULT_LOCALE``): the group sets it once around the command it runs. E-mails keep their own
(``use_locale``), and the worker's delivery the shop's.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask.cli import ScriptInfo
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError

from shopmail.cli import accounts
from shopmail.cli import admins
from shopmail.cli import cache
from shopmail.cli import communications
from shopmail.cli import database
from shopmail.cli import dev
from shopmail.cli import engines
from shopmail.cli import keys
from shopmail.cli import outbox
from shopmail.cli import retention
from shopmail.cli import status
from shopmail.cli import wording
from shopmail.cli.output import emit
from shopmail.cli.output import say
from shopmail.core.crypto import SecretKeyError
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import operator_locale
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session

#: The command groups, each a module with ``COMMANDS``.
GROUPS = (database, admins, keys, cache, dev, status, accounts, communications, wording, outbox, retention,
          engines)


class _ShopMailGroup(AppGroup):
    """Speaks the operator's language in every command below; turns a missing or wrong encryption key, and a
    database without shopmail's tables, into a clear message and exit code 1, anywhere below; with ``--json``, a usage error (exit 2) is also one
    JSON document, so a script always has JSON to read."""

    def parse_args(self, ctx, args):
        ctx.meta["shopmail.json"] = "--json" in args
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        with operator_locale():
            return self._invoke(ctx)

    def _invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SecretKeyError as exc:
            self._refuse(ctx, str(exc), 1)
        except DBAPIError:
            if not _tables_missing(ctx):
                raise
            self._refuse(ctx, _("La base de datos no tiene aún las tablas de shopmail: ejecute "
                                "«flask shopmail db-upgrade» y vuelva a intentarlo."), 1)
        except click.UsageError as exc:
            if not ctx.meta.get("shopmail.json"):
                raise
            self._refuse(ctx, exc.format_message(), exc.exit_code)

    @staticmethod
    def _refuse(ctx, message: str, code: int):
        if ctx.meta.get("shopmail.json"):
            emit({"ok": False, "error": message}, True)
        else:
            say(message, err=True)
        ctx.exit(code)


def _tables_missing(ctx) -> bool:
    """Whether the database lacks shopmail's tables (a command run before `flask shopmail db-upgrade`)."""
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            return not inspect(session().get_bind(mapper=OutboxMessage.__mapper__)).has_table(
                OutboxMessage.__tablename__)
    except Exception:
        return False


shopmail_cli = _ShopMailGroup("shopmail", help="The shop's e-mail: accounts, settings, outbox.")
for _group in GROUPS:
    for _command in _group.COMMANDS:
        shopmail_cli.add_command(_command)
