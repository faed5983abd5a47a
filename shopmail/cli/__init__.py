"""`flask shopmail …`: a thin shell over the same services the screens use, one module per command group.

Exit 0 on success, 1 when the operation failed, 2 on usage errors (click's own).
"""

from __future__ import annotations

from flask.cli import AppGroup

from shopmail.cli import accounts
from shopmail.cli import admins
from shopmail.cli import cache
from shopmail.cli import communications
from shopmail.cli import database
from shopmail.cli import dev
from shopmail.cli import keys
from shopmail.cli import outbox
from shopmail.cli import status
from shopmail.cli.output import say
from shopmail.core.crypto import SecretKeyError

#: The command groups, each a module with ``COMMANDS``.
GROUPS = (database, admins, keys, cache, dev, status, accounts, communications, outbox)


class _ShopMailGroup(AppGroup):
    """Turns a missing or wrong encryption key into its clear message and exit code 1, anywhere below."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SecretKeyError as exc:
            say(str(exc), err=True)
            ctx.exit(1)


shopmail_cli = _ShopMailGroup("shopmail", help="Correo de la tienda: cuentas, ajustes, envíos.")
for _group in GROUPS:
    for _command in _group.COMMANDS:
        shopmail_cli.add_command(_command)
