"""The ShopMail Flask extension: configuration, database binding, cache, blueprints and CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask import Flask
from flask_caching import Cache
from sqlalchemy import event as sa_event

from . import config as _config


@dataclass
class _State:
    """What shopmail keeps per application, in ``app.extensions["shopmail"]``."""

    extension: ShopMail
    db: object
    cache: Cache
    admin_guard: object
    current_admin: object
    limiter: object = None


class ShopMail:
    """The e-mail set-up of a shop. ``ShopMail(app, db=db, admin_guard=...)`` or ``init_app`` later."""

    def __init__(self, app: Flask | None = None, **options):
        self._options = options
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Flask, *, db=None, admin_guard=None, current_admin=None,
                 standalone_login: bool = False):
        """Bind shopmail to ``app``: defaults, database, cache, screens, CLI and template globals."""
        options = {**self._options}
        db = db or options.get("db")
        admin_guard = admin_guard or options.get("admin_guard")
        current_admin = current_admin or options.get("current_admin")

        # Every SHOPMAIL_* key is read from the environment under exactly its name (a host's own
        # config wins); then the defaults fill what is still missing.
        for key, value in _config.from_environ().items():
            if key.startswith("SHOPMAIL_"):
                app.config.setdefault(key, value)
        for key, value in _config.DEFAULTS.items():
            app.config.setdefault(key, value)
        if app.config["SHOPMAIL_CACHE_TYPE"] == "FileSystemCache" and not app.config["SHOPMAIL_CACHE_DIR"]:
            app.config["SHOPMAIL_CACHE_DIR"] = str(Path(app.instance_path) / "shopmail-cache")

        db = db if db is not None else _standalone_db(app)
        cache = Cache()
        cache.init_app(app, config=_config.cache_config(app.config))
        state = _State(self, db, cache, admin_guard, current_admin)
        app.extensions["shopmail"] = state

        from . import babel
        from . import limits
        from . import ui
        from .blueprints import make_blueprint
        from .cli import register_feature_commands
        from .cli import shopmail_cli

        babel.init_app(app)
        state.limiter = limits.init_app(app)
        ui.init_app(app)
        if standalone_login:
            from . import auth

            state.admin_guard, state.current_admin = auth.init_app(app)
        app.register_blueprint(make_blueprint(standalone_login),
                               url_prefix=app.config["SHOPMAIL_URL_PREFIX"])
        register_feature_commands()
        app.cli.add_command(shopmail_cli)
        app.add_template_global(contact_email, "shopmail_contact_email")

    # The host shop's API. Each call works on the current application.

    def settings(self):
        """The Communications settings as an immutable snapshot."""
        from . import settings

        return settings.get()

    def notify_order_completed(self, order):
        """Queue the customer's confirmation and the admins' notice in the caller's transaction."""
        from . import notifications

        return notifications.order_completed(order)

    def notify_customer(self, kind, order, **extra):
        """Queue another purchase notice to the customer, e.g. ``order_shipped``."""
        from . import notifications

        return notifications.customer_notice(kind, order, **extra)


def state() -> _State:
    """shopmail's state for the current application."""
    try:
        return current_app.extensions["shopmail"]
    except KeyError:
        raise RuntimeError("shopmail is not set up on this app: call ShopMail(app) first.") from None


def session():
    """The SQLAlchemy session shopmail works in (the host's, when embedded)."""
    return state().db.session


def clear_cache() -> None:
    """Empty shopmail's own cache namespace (never the host's)."""
    state().cache.clear()


def contact_email() -> str:
    """The public contact address, for the shop's templates."""
    from . import settings

    return settings.get().contact_email


def _standalone_db(app: Flask):
    """Use the app's Flask-SQLAlchemy if it has one, else create one for shopmail."""
    existing = app.extensions.get("sqlalchemy")
    if existing is not None:
        return existing
    from flask_sqlalchemy import SQLAlchemy

    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(Path(app.instance_path) / "shopmail.sqlite")
    )
    db = SQLAlchemy()
    db.init_app(app)
    tune_own_sqlite(app, db)
    return db


def tune_own_sqlite(app: Flask, db) -> None:
    """Set the pragmas below on a SQLite database that shopmail itself created (never on a host's)."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                sa_event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """shopmail's own SQLite database (standalone only; a host's engine is the host's): write-ahead log, so
    the worker's per-message records do not wait for the disk each time and readers never block the
    writer; a busy timeout, so two processes wait for each other instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
