"""Login and logout pages of the standalone panel."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from shopmail.core.i18n import gettext as _
from shopmail.panel.auth import device
from shopmail.panel.auth.forms import LoginForm
from shopmail.panel.ui import safe_next
from shopmail.services import admins as service

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        result = service.authenticate(form.email.data, form.password.data, client=request.remote_addr or "",
                                      trusted_admin_id=device.trusted_admin_id(request.cookies))
        if result.admin is not None:
            login_user(result.admin)
            response = redirect(safe_next(request.args.get("next")))
            device.remember(response, result.admin.id, url_for("shopmail.home"))
            return response
        if result.locked:
            form.password.errors.append(
                _("Demasiados intentos fallidos. Espere unos minutos antes de volver a intentarlo."))
        else:
            form.password.errors.append(_("Correo electrónico o contraseña incorrectos."))
    return render_template("shopmail/auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        service.end_sessions(current_user)
    logout_user()
    flash(_("Ha cerrado la sesión."), "info")
    return redirect(url_for("shopmail.auth.login"))
