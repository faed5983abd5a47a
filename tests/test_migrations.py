"""shopmail's migrations build exactly the models' schema, with their own version table."""

import json

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shopmail.core import migrate
from shopmail.core.models import Base


def test_upgrade_to_head_matches_models(app):
    with app.app_context():
        engine = app.extensions["shopmail"].db.engine
        Base.metadata.drop_all(engine)
        migrate.upgrade()
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_name": _only_shopmail, "compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        assert migrate.current_heads() == migrate.script_heads()
        tables = set(sa.inspect(engine).get_table_names())
        assert "shopmail_alembic_version" in tables
        assert "alembic_version" not in tables
        # A second upgrade is a no-op.
        migrate.upgrade()


def _only_shopmail(name, type_, parent_names):
    if type_ == "table":
        return name.startswith("shopmail_") and name != "shopmail_alembic_version"
    return True


def test_db_upgrade_cli(app, runner):
    with app.app_context():
        Base.metadata.drop_all(app.extensions["shopmail"].db.engine)
    result = runner.invoke(args=["shopmail", "db-upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert migrate.current_heads() == migrate.script_heads()
    again = runner.invoke(args=["shopmail", "db-upgrade", "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout) == {"ok": True}
