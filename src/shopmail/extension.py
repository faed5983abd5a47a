"""The ShopMail Flask extension: configuration, database binding, cache, blueprints and CLI."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_caching import Cache
from sqlalchemy import event as sa_event

from shopmail.cli import shopmail_cli
from shopmail.core import config as _config
from shopmail.core import i18n
from shopmail.core import settings
from shopmail.core.state import State
from shopmail.delivery import dispatch  # noqa: F401  (enqueues Celery/RQ work after commits)
from shopmail.delivery import inline
from shopmail.delivery.dispatch import celery_tasks
from shopmail.panel import limits
from shopmail.panel import ui
from shopmail.panel.screens import SCREENS
from shopmail.panel.shell import make_blueprint
from shopmail.services import alerts  # noqa: F401  (listens to delivery's events)
from shopmail.services import notifications
from shopmail.services import retention  # noqa: F401  (purges once a day on the workers' beats)
from shopmail.services import status  # noqa: F401  (records the workers' beats)


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

        # shopmail's own defaults fill the SHOPMAIL_* keys the host left out. Nothing else of the host's
        # configuration is written, and the environment is not read here: the standalone app reads it
        # (create_app), a host decides for itself (e.g. ``app.config.update(shopmail.config.from_environ())``).
        for key, value in _config.DEFAULTS.items():
            app.config.setdefault(key, value)
        if app.config["SHOPMAIL_CACHE_TYPE"] == "FileSystemCache" and not app.config["SHOPMAIL_CACHE_DIR"]:
            app.config["SHOPMAIL_CACHE_DIR"] = str(Path(app.instance_path) / "shopmail-cache")

        _config.dispatch_mode(app.config)  # an unknown SHOPMAIL_DISPATCH stops the start, with its reason
        db = db if db is not None else _host_db(app)
        cache = Cache()
        cache.init_app(app, config=_config.cache_config(app.config))
        state = State(self, db, cache, admin_guard, current_admin)
        app.extensions["shopmail"] = state

        i18n.init_app(app)
        state.limiter = limits.init_app(app)
        ui.init_app(app, SCREENS)
        if standalone_login:
            # optional: Flask-Login comes with the `standalone` extra
            from shopmail.panel import auth

            state.admin_guard, state.current_admin = auth.init_app(app)
        app.register_blueprint(make_blueprint(standalone_login),
                               url_prefix=app.config["SHOPMAIL_URL_PREFIX"])
        inline.init_app(app)  # the first request starts web-process delivery, a commit wakes it
        app.cli.add_command(shopmail_cli)
        app.add_template_global(contact_email, "shopmail_contact_email")

    # The host shop's API. Each call works on the current application.

    def settings(self):
        """The Communications settings as an immutable snapshot."""
        return settings.get()

    def register_celery(self, celery, app: Flask):
        """Add shopmail's Celery tasks (``shopmail.deliver``, ``shopmail.sweep`` with its beat entry) to the
        shop's own Celery app; call it where the web processes and the Celery workers build their apps."""
        celery_tasks.register(celery, app)

    def notify_order_completed(self, order, attachments=()):
        """Queue the customer's confirmation and the admins' notice in the caller's transaction.

        ``attachments``: ``[{"filename", "content_type", "data"}]`` for the customer's mail; ``data`` is
        bytes or a zero-argument callable, called once right here (the bytes are stored with the message).
        """
        return notifications.order_completed(order, attachments=attachments)

    def notify_customer(self, kind, order, attachments=(), **extra):
        """Queue another purchase notice to the customer, e.g. ``order_shipped`` (``attachments`` as above)."""
        return notifications.customer_notice(kind, order, attachments=attachments, **extra)


def contact_email() -> str:
    """The public contact address, for the shop's templates."""
    return settings.get().contact_email


def _host_db(app: Flask):
    """The app's own Flask-SQLAlchemy when ``db`` was not passed (shopmail never picks a database for a host)."""
    existing = app.extensions.get("sqlalchemy")
    if existing is None:
        raise RuntimeError("shopmail needs the app's Flask-SQLAlchemy: set it up first, or pass ShopMail(app, db=db).")
    return existing


def tune_own_sqlite(app: Flask, db) -> None:
    """Set the pragmas below on a SQLite database that shopmail itself created (never on a host's)."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                sa_event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """The standalone app's own SQLite database (a host's engine is the host's): write-ahead log, so the
    worker's per-message records do not wait for the disk each time and readers never block the writer;
    a busy timeout, so two processes wait for each other instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
