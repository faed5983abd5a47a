"""Standalone login: admin users, Flask-Login, a lock-out after repeated failures."""

from __future__ import annotations

from flask_login import current_user
from flask_login import LoginManager

from shopmail.services.admins import load_session


def init_app(app):
    """Install Flask-Login for the standalone panel; return (admin_guard, current_admin)."""
    manager = LoginManager()
    manager.session_protection = "strong"
    manager.login_view = "shopmail.auth.login"
    manager.init_app(app)

    @manager.user_loader
    def load_admin(session_id):
        return load_session(session_id)

    def admin_guard():
        return True if current_user.is_authenticated else None

    def current_admin():
        return current_user.email if current_user.is_authenticated else None

    return admin_guard, current_admin
