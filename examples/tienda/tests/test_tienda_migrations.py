"""One database, two migration histories: the shop's (`flask db`) and shopmail's (`flask shopmail db-upgrade`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from tienda.models import db
from tienda_testing import flask_cli

from shopmail.core import migrate as shopmail_migrate

SHOP_TABLES = {"users", "products", "orders", "order_items"}
HOST = ("db", "upgrade")
SHOPMAIL = ("shopmail", "db-upgrade")
SHOP_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def heads(directory) -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(directory))
    return set(ScriptDirectory.from_config(config).get_heads())


def state(app):
    """(tables, the shop's revision, shopmail's revision) as the database has them."""
    with app.app_context(), db.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())

        def at(version_table):
            if version_table not in tables:
                return set()
            ctx = MigrationContext.configure(conn, opts={"version_table": version_table})
            return set(ctx.get_current_heads())

        return tables, at("alembic_version"), at("shopmail_alembic_version")


@pytest.mark.parametrize("order", [(HOST, SHOPMAIL), (SHOPMAIL, HOST)], ids=["shop-first", "shopmail-first"])
def test_both_histories_upgrade_in_either_order(empty_app, runner, order):
    first, second = order
    flask_cli(runner, *first)
    tables, shop, mail = state(empty_app)
    if first == HOST:
        assert SHOP_TABLES <= tables and not any(t.startswith("shopmail_") for t in tables)
        assert shop == heads(SHOP_MIGRATIONS) and mail == set()
    else:
        assert not SHOP_TABLES & tables and "alembic_version" not in tables
        assert mail == heads(shopmail_migrate.migrations_dir()) and shop == set()

    flask_cli(runner, *second)
    flask_cli(runner, *first)  # upgrading again is a no-op

    tables, shop, mail = state(empty_app)
    assert SHOP_TABLES <= tables
    assert {"shopmail_account", "shopmail_settings", "shopmail_outbox", "shopmail_alembic_version"} <= tables
    assert shop == heads(SHOP_MIGRATIONS)
    assert mail == heads(shopmail_migrate.migrations_dir())


def test_each_side_downgrades_without_touching_the_other(empty_app, runner):
    flask_cli(runner, *HOST)
    flask_cli(runner, *SHOPMAIL)
    flask_cli(runner, "shopmail", "settings", "set", "--contact-email", "hola@tienda.example")

    flask_cli(runner, "db", "downgrade", "base")

    tables, shop, mail = state(empty_app)
    assert not SHOP_TABLES & tables and shop == set()
    assert mail == heads(shopmail_migrate.migrations_dir())
    assert "hola@tienda.example" in flask_cli(runner, "shopmail", "settings", "show")


def test_the_shops_autogenerate_leaves_shopmail_tables_alone(empty_app, runner):
    flask_cli(runner, *HOST)
    flask_cli(runner, *SHOPMAIL)

    # `flask db check` runs the shop's autogenerate through its env.py (with the include_name filter)
    # and exits 1 when that would write any operation.
    flask_cli(runner, "db", "check")

    # Without the filter, the same comparison would drop every shopmail table.
    with empty_app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    dropped = {op[1].name for op in diff if op[0] == "remove_table"}
    assert {"shopmail_account", "shopmail_settings", "shopmail_outbox", "shopmail_alembic_version"} <= dropped
    assert all(name.startswith("shopmail_") for name in dropped)
