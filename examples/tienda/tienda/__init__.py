"""La tienda: a small Flask shop that adds shopmail for its e-mail set-up."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .auth import current_admin_email
from .auth import is_shop_admin
from .auth import login_manager
from .extensions import csrf
from .extensions import mail
from .extensions import migrate
from .models import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


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
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SHOPMAIL_ENCRYPTION_KEYS"]:
        # Development only: a key file in instance/. A real shop keeps the key with its other secrets.
        from shopmail import crypto

        app.config["SHOPMAIL_ENCRYPTION_KEYS"] = crypto.instance_key(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app, db=db, admin_guard=is_shop_admin, current_admin=current_admin_email)

    from . import admin
    from . import auth
    from . import cli
    from . import shop

    app.register_blueprint(shop.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.tienda_cli)
    return app
