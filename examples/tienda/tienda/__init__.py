"""La tienda: a small Flask shop that adds shopmail for its e-mail set-up."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .auth import current_admin_email
from .auth import is_shop_admin
from .auth import login_manager
from .extensions import babel
from .extensions import cache
from .extensions import csrf
from .extensions import init_limiter
from .extensions import mail
from .extensions import migrate
from .extensions import select_locale
from .models import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the shop."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        SQLALCHEMY_DATABASE_URI="sqlite:///" + str(Path(app.instance_path) / "tienda.sqlite"),
        # shopmail lives under the shop's admin, inside the shop's admin layout, behind the shop's login.
        SHOPMAIL_URL_PREFIX="/admin/correo",
        SHOPMAIL_BASE_TEMPLATE="admin/layout.html",
        SHOPMAIL_LOGIN_ENDPOINT="auth.login",
        SHOPMAIL_ENCRYPTION_KEYS=os.environ.get("SHOPMAIL_ENCRYPTION_KEYS"),
        # The shop's own set-up, which shopmail must leave alone: its catalog and default language,
        # a limit on every route of the shop, its own cache.
        BABEL_DEFAULT_LOCALE="es",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        RATELIMIT_DEFAULT="300 per minute",
        RATELIMIT_STORAGE_URI="memory://",
        CACHE_TYPE="SimpleCache",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SHOPMAIL_ENCRYPTION_KEYS"]:
        # Development only: a key file in instance/. A real shop keeps the key with its other secrets.
        from shopmail.core import crypto

        app.config["SHOPMAIL_ENCRYPTION_KEYS"] = crypto.instance_key(app.instance_path)

    babel.init_app(app, locale_selector=select_locale)  # before shopmail, as in many shops
    init_limiter(app)
    cache.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app, db=db, admin_guard=is_shop_admin, current_admin=current_admin_email)

    from flask_babel import get_locale

    from . import admin
    from . import auth
    from . import cli
    from . import shop

    app.add_template_global(lambda: str(get_locale()), "tienda_locale")
    app.register_blueprint(shop.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.tienda_cli)
    return app
