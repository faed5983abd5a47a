"""Customers and employees sign in with Flask-Login; ``is_admin`` decides who may use the admin."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import LoginManager
from flask_login import logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField
from wtforms import PasswordField
from wtforms.validators import DataRequired

from .models import db
from .models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Inicie sesión para continuar."


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def is_shop_admin() -> bool | None:
    """shopmail's ``admin_guard``: True for an admin, False for another user, None for a visitor."""
    if not current_user.is_authenticated:
        return None
    return bool(current_user.is_admin)


def current_admin_email() -> str | None:
    """shopmail's ``current_admin``: who is acting, for its audit log and rate limits."""
    return current_user.email if current_user.is_authenticated else None


def admin_required(view):
    """The shop's own admin pages use the same rule as shopmail's guard."""
    from functools import wraps

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class LoginForm(FlaskForm):
    email = EmailField("Correo electrónico", validators=[DataRequired()])
    password = PasswordField("Contraseña", validators=[DataRequired()])


def _safe_next(target: str | None) -> str | None:
    """Only paths on this site: never send someone to another host after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/entrar", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is not None and user.check_password(form.password.data):
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("shop.index"))
        flash("Correo o contraseña incorrectos.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/salir")
def logout():
    logout_user()
    return redirect(url_for("shop.index"))


def create_user(email: str, password: str, name: str = "", is_admin: bool = False) -> User:
    """Add a user (CLI and tests); the caller commits."""
    user = User(email=email.strip().lower(), name=name, is_admin=is_admin)
    user.set_password(password)
    db.session.add(user)
    return user
