"""The panel's shell: one parent blueprint guarding every admin route (guard, CSRF, headers, error pages), with each screen's blueprints nested in it."""

from __future__ import annotations

from pathlib import Path

from flask import abort
from flask import Blueprint
from flask import current_app
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import validate_csrf
from werkzeug.routing import IntegerConverter
from wtforms import ValidationError

from shopmail.core.crypto import SecretKeyError
from shopmail.core.i18n import gettext as _
from shopmail.core.models import MAX_ID
from shopmail.core.state import state
from shopmail.panel.home import views as home
from shopmail.panel.screens import SCREENS

#: The shopmail package folder, home of templates/ and static/.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent

# Routes anyone may reach: the login page and the stylesheets it needs.
PUBLIC_ENDPOINTS = {"shopmail.auth.login", "shopmail.static"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'self'; object-src 'none'")


def make_blueprint(standalone_login: bool) -> Blueprint:
    """Build the parent blueprint for one app (the screens are nested in it)."""
    # Templates and static files stay at the package root (shopmail/templates, shopmail/static): the paths
    # a host shadows do not depend on where the panel's code lives.
    parent = Blueprint("shopmail", __name__, root_path=str(PACKAGE_ROOT), template_folder="templates",
                       static_folder="static", static_url_path="/static")
    # Before any rule is added: every "<shopmail_id:...>" in shopmail's routes needs it.
    parent.record_once(lambda s: s.app.url_map.converters.setdefault("shopmail_id", IdConverter))
    parent.before_request(refuse_nul)
    parent.before_request(require_admin)
    parent.after_request(security_headers)
    parent.register_error_handler(CSRFError, _csrf_error)
    parent.register_error_handler(429, _too_many)
    parent.register_error_handler(400, _bad_request)
    parent.register_error_handler(403, _forbidden)
    parent.register_error_handler(404, not_found)
    parent.register_error_handler(SecretKeyError, _secret_key_error)
    home.register(parent, SCREENS)
    for screen in SCREENS:
        for bp in screen.blueprints:
            parent.register_blueprint(bp)
    if standalone_login:
        # optional: Flask-Login comes with the `standalone` extra
        from shopmail.panel.auth.views import bp as auth_bp

        parent.register_blueprint(auth_bp)
    return parent


class IdConverter(IntegerConverter):
    """A row id in a URL: 1 to 2**31 - 1. A larger number is a 404, not an OverflowError (SQLite) or a
    DataError (PostgreSQL) when it reaches the database."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


def refuse_nul():
    """A NUL in a parameter is a 400: no screen takes one, and PostgreSQL cannot even compare text with it."""
    for key, value in (*request.args.items(multi=True), *request.form.items(multi=True)):
        if "\0" in key or "\0" in value:
            abort(400)


def require_admin():
    """Admins only: anonymous visitors go to the login page, other users get 403; POSTs need CSRF."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return _check_csrf()
    guard = state().admin_guard
    if guard is None:
        abort(403)
    verdict = guard()
    if verdict:
        who = state().current_admin
        g.shopmail_actor = str((who() if who else None) or "admin")
    if verdict is None:
        endpoint = current_app.config.get("SHOPMAIL_LOGIN_ENDPOINT") or "shopmail.auth.login"
        return redirect(url_for(endpoint, next=request.full_path.rstrip("?")))
    if not verdict:
        abort(403)
    return _check_csrf()


def _check_csrf():
    """Every POST carries a valid CSRF token (form field or X-CSRFToken header)."""
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
        return None
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    # A form with a prefix (e.g. the test mail's "test-") sends its token as "PREFIX-csrf_token".
    token = (request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
             or next((v for k, v in request.form.items() if k.endswith("-csrf_token")), None))
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CSRFError(str(exc)) from None
    return None


def _csrf_error(error):
    return render_template("shopmail/error.html", code=400,
                           message=_("La sesión del formulario ha caducado. Vuelva a la página e inténtelo de nuevo.")), 400


def _bad_request(error):
    return render_template("shopmail/error.html", code=400,
                           message=_("La petición no es válida. Vuelva a la página e inténtelo de nuevo.")), 400


def not_found(error):
    """shopmail's own 404 page (the standalone app uses it for every unknown URL, too)."""
    return render_template("shopmail/error.html", code=404, message=_("No existe esa página.")), 404


def _forbidden(error):
    return render_template("shopmail/error.html", code=403,
                           message=_("No tiene permiso para ver esta página: hace falta una cuenta de administrador.")), 403


def _secret_key_error(error):
    """A missing or wrong encryption key: say which setting, never a traceback."""
    current_app.logger.error("shopmail: %s", error)
    return render_template("shopmail/error.html", code=500, message=str(error)), 500


def _too_many(error):
    message = _("Demasiadas pruebas seguidas. Espere un poco antes de volver a probar "
                "(límite por administrador para no saturar el servidor de correo).")
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": False, "reason": "rate_limited", "message": message}), 429
    return render_template("shopmail/error.html", code=429, message=message), 429


def security_headers(response):
    """Headers for shopmail's own responses (a host's pages keep their own policy)."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
