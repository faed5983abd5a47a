"""Run shopmail's Alembic migrations directly, so an embedded shopmail never takes over `flask db`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from shopmail.core.state import state


def migrations_dir() -> Path:
    """shopmail's Alembic scripts: the ``shopmail.migrations`` package, the same in a source tree and a wheel."""
    return Path(__file__).parent.parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def upgrade(revision: str = "shopmail@head") -> None:
    """Create or upgrade shopmail's tables in the app's database (needs an app context)."""
    command.upgrade(_config(), revision)


def current_heads() -> set[str]:
    """The revisions the database is at (empty before the first upgrade)."""
    with state().db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": "shopmail_alembic_version"})
        return set(ctx.get_current_heads())


@cache
def script_heads() -> frozenset[str]:
    """The head revisions shipped with this version of shopmail (read from disk once per process:
    the home page's health card asks on every load)."""
    return frozenset(ScriptDirectory.from_config(_config()).get_heads())
