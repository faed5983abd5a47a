"""Ajustes → Cuentas de correo: the library, the account form, the account page."""

from __future__ import annotations

from flask import abort
from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session as browser
from flask import url_for

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.panel.accounts import connect
from shopmail.panel.accounts.forms import AccountForm
from shopmail.panel.accounts.forms import ConfirmForm
from shopmail.panel.limits import expensive
from shopmail.services import account_describe as describe
from shopmail.services import accounts as service
from shopmail.services import oauth_accounts
from shopmail.services.autoconfig import discover

bp = Blueprint("accounts", __name__, url_prefix="/cuentas")


@bp.get("/")
def index():
    page = service.library(request.args.get("q", ""), request.args.get("page", 1, type=int))
    return render_template("shopmail/accounts/index.html", page=page, q=request.args.get("q", ""),
                           sending_account_id=settings.get().sending_account_id,
                           status=describe.status, confirm=ConfirmForm())


@bp.route("/nueva", methods=["GET", "POST"])
def new():
    return _form_view(None)


@bp.route("/<shopmail_id:account_id>/editar", methods=["GET", "POST"])
def edit(account_id):
    return _form_view(_load(account_id))


@bp.get("/<shopmail_id:account_id>")
def show(account_id):
    account = _load(account_id)
    return render_template("shopmail/accounts/show.html", account=account, in_use=service.in_use(account),
                           status=describe.status(account), summary=describe.test_summary(account),
                           confirm=ConfirmForm(), result=None,
                           connected_as=oauth_accounts.connected_as(account))


@bp.post("/<shopmail_id:account_id>/probar")
def test(account_id):
    account = _load(account_id)
    with expensive():
        result = service.test_saved(account_id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(result.to_dict())
    return render_template("shopmail/accounts/show.html", account=account, in_use=service.in_use(account),
                           status=describe.status(account), summary=describe.test_summary(account),
                           confirm=ConfirmForm(), result=result,
                           connected_as=oauth_accounts.connected_as(account))


@bp.route("/<shopmail_id:account_id>/eliminar", methods=["GET", "POST"])
def delete(account_id):
    account = _load(account_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.delete(account_id)
        except service.AccountError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".show", account_id=account_id))
        flash(_("Cuenta %(a)s eliminada.", a=account.address), "success")
        return redirect(url_for(".index"))
    return render_template("shopmail/accounts/delete.html", account=account, form=form,
                           in_use=service.in_use(account))


def _load(account_id):
    try:
        return service.get(account_id)
    except service.NotFound:
        abort(404)


def _form_view(account):
    """One view for create and edit: the buttons Intentar configuración automática, Probar SMTP, Guardar."""
    stored = bool(account and account.password_sealed)
    draft = browser.pop(connect.DRAFT, None) if request.args.get("borrador") else None
    form = AccountForm(obj=account if request.method == "GET" and not draft else None, data=draft,
                       has_stored_password=stored)
    if request.method == "GET" and account is not None and not draft:
        form.version.data = account.version
    action = request.form.get("action", "save")
    result = discovery = None
    if form.is_submitted() and form.validate():
        if account is None and action != "autoconfig":  # a new account takes its provider's limits
            form.prefill_limits(form.host.data or "")
        values = form.values()
        if action == "autoconfig":
            with expensive():
                discovery = _autoconfigure(form, values)
        elif action in ("connect:microsoft", "connect:google"):
            form.auth.data = action.partition(":")[2]
            response, problem = connect.start(form.auth.data, account and account.id, form.draft())
            if response is not None:
                return response
            form.add_error("auth", problem)
        elif form.require_connection():
            if action == "test":
                try:
                    with expensive():
                        result, form.ticket.data = service.test_values(values, account and account.id,
                                                                       form.ticket.data)
                except service.PasswordRequired as exc:
                    form.add_error(exc.field, str(exc))
            else:
                saved = _save(form, values, account)
                if saved is not None:
                    return saved
    wants_json = request.accept_mimetypes.best == "application/json"
    if wants_json and (result or discovery):
        return jsonify({**(result or discovery).to_dict(), "ticket": form.ticket.data})
    connected_as = _connected_as(form, account)
    mismatch = oauth_accounts.identity_problem(form.typed_login(), connected_as)
    if mismatch:  # said before Probar SMTP fails on it
        form.add_error("username", mismatch)
    return render_template("shopmail/accounts/form.html", form=form, account=account, result=result,
                           discovery=discovery, warning=form.warning(), redirect_uri=connect.redirect_uri(),
                           connected_as=connected_as)


def _connected_as(form, account) -> str | None:
    """The mailbox after **Conectado como** (the one the provider signed in): a grant just obtained, or
    the saved account's."""
    if form.auth.data == "password":
        return None
    if form.grant.data:
        return oauth_accounts.pending_mailbox(form.grant.data, form.auth.data) or form.typed_login()
    if account is not None and account.auth == form.auth.data:
        return oauth_accounts.connected_as(account)
    return None


def _autoconfigure(form, values):
    discovery = discover(values.address, values.username or None, values.password)
    if discovery.found:
        form.host.data, form.port.data = discovery.host, discovery.port
        form.port.raw_data = None  # else the empty submitted value would be rendered again
        form.security.data = discovery.security
        form.username.data = discovery.username or form.username.data
        form.prefill_limits(discovery.host)
        form.ticket.data = ""
        # Microsoft 365 / Google with OAuth2 configured: propose signing in without a password.
        method = oauth_accounts.suggested_method(discovery.provider)
        if method and form.auth.data == "password" and not values.password:
            form.auth.data = method
    return discovery


def _save(form, values, account):
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    try:
        saved = service.save(values, account_id=account and account.id, version=version,
                             ticket=form.ticket.data)
    except service.AccountError as exc:  # a stale form (Conflict), an untested save, a password to retype
        form.add_error(exc.field, str(exc))
        return None
    flash(_("Cuenta %(a)s guardada.", a=saved.address), "success")
    return redirect(url_for(".show", account_id=saved.id))
