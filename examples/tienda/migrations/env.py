"""Alembic environment of la tienda (Flask-Migrate's, plus the filter that leaves shopmail's tables alone).

shopmail's tables live in the same database but belong to shopmail's own migrations (version table
``shopmail_alembic_version``, run with ``flask shopmail db-upgrade``). Without ``include_name`` the
shop's autogenerate would see them as tables its models lack and write ``drop_table`` for each.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config

# Under a test runner or an app that set up logging already, keep its configuration.
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def include_name(name, type_, parent_names):
    """Leave shopmail's tables (and its version table) to shopmail's own migrations."""
    if type_ == "table":
        return not name.startswith("shopmail_")
    return True


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Emit the SQL instead of running it (``flask db upgrade --sql``)."""
    context.configure(url=target_db.engine.url.render_as_string(hide_password=False),
                      target_metadata=get_metadata(), include_name=include_name, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run against the shop's database, through the app's engine."""

    def process_revision_directives(context, revision, directives):
        # No empty revision files when nothing changed.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(),
                          include_name=include_name, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
