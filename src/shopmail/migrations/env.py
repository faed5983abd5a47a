"""Alembic environment for shopmail's own tables (version table ``shopmail_alembic_version``).

Runs inside a Flask app context, standalone or embedded: the engine is the one shopmail's
Flask-SQLAlchemy uses, and only ``shopmail_*`` tables are seen, so a host's tables are never touched.
"""

from alembic import context

from shopmail.core.models import Base
from shopmail.core.state import state

VERSION_TABLE = "shopmail_alembic_version"


def include_name(name, type_, parent_names):
    """Only shopmail's tables take part in comparisons and autogenerate."""
    if type_ == "table":
        return name.startswith("shopmail_") and name != VERSION_TABLE
    return True


def run_migrations_online():
    engine = state().db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            include_name=include_name,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline():
    context.configure(
        url=state().db.engine.url,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
