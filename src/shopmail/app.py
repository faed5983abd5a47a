"""The standalone shopmail application: its own login, SQLite in instance/, Flask-Migrate."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask import redirect
from flask import url_for
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url

from shopmail.core import config as _config
from shopmail.core import crypto
from shopmail.core import i18n
from shopmail.core.extras import require
from shopmail.core.migrate import migrations_dir
from shopmail.extension import ShopMail
from shopmail.extension import tune_own_sqlite
from shopmail.panel.shell import not_found


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the standalone shopmail panel.

    Settings come from ``config`` (tests), then the environment under exactly the documented names.
    """
    app = Flask("shopmail", instance_relative_config=True,
                instance_path=os.environ.get("SHOPMAIL_INSTANCE_PATH") or source_checkout_instance())
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(_config.from_environ())
    app.config.from_mapping(config or {})
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(Path(app.instance_path) / "shopmail.sqlite")
    )
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    # Flask's defaults already hold these keys (SameSite None), so setdefault would change nothing.
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if _config.parse_bool(app.config.get("SHOPMAIL_COOKIE_SECURE", False)):
        app.config["SESSION_COOKIE_SECURE"] = True  # behind HTTPS: the cookies never travel in clear
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    if not app.config.get(crypto.SETTING):
        app.config[crypto.SETTING] = crypto.instance_key(app.instance_path)

    # The standalone panel's own login and `flask db` come with the `standalone` extra.
    require("flask_login", "standalone")
    Migrate = require("flask_migrate", "standalone").Migrate

    # Here shopmail is the whole site: Flask-Babel (for Flask-WTF's own messages) follows shopmail's language.
    Babel(app, locale_selector=i18n.select_locale)

    db = SQLAlchemy()
    db.init_app(app)
    tune_own_sqlite(app, db)
    ShopMail(app, db=db, standalone_login=True)
    # `flask db` for the standalone app; shopmail's own migrations keep their own version table.
    Migrate(app, db, directory=str(migrations_dir()))

    @app.get("/")
    def index():
        return redirect(url_for("shopmail.home"))

    # Here shopmail is the whole site: a URL no route matches (e.g. an id out of range) gets its page too.
    app.register_error_handler(404, not_found)

    return app


def _instance_secret(instance_path: str) -> str:
    """A random SECRET_KEY kept in ``instance/secret_key`` so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def source_checkout_instance(package_dir: Path | None = None) -> str | None:
    """``instance/`` at the root of a source checkout (``src/shopmail`` beside ``pyproject.toml``), so that
    `make run` and a plain `flask --app shopmail shopmail …` share one database; None elsewhere (an installed
    package: Flask's own choice, ``<prefix>/var/shopmail-instance``). Flask's default for a package that is not
    installed would be ``src/instance``."""
    package_dir = package_dir or Path(__file__).resolve().parent
    root = package_dir.parent.parent
    if package_dir.parent.name == "src" and (root / "pyproject.toml").is_file():
        return str(root / "instance")
    return None


def _private_sqlite_file(uri: str) -> None:
    """Create a missing SQLite database file readable by its owner only (0600, like the key files beside
    it): SQLite would create it with the umask's 0644, and it holds the sealed passwords and the audit log."""
    url = make_url(uri)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
