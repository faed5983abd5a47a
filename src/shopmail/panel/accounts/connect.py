"""Conectar con Microsoft / Google: to the provider's consent page and back (authorization code, PKCE,
``state`` kept in the admin's session), then Reconectar and Desconectar on the account page."""

from __future__ import annotations

from flask import abort
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session as browser
from flask import url_for

from shopmail.core.i18n import gettext as _
from shopmail.delivery import oauth
from shopmail.delivery.oauth import OAuthFailure
from shopmail.panel.accounts.forms import ConfirmForm
from shopmail.services import accounts as service
from shopmail.services import oauth_accounts

bp = Blueprint("oauth", __name__, url_prefix="/cuentas")
#: The admin's session key for a sign-in under way.
PENDING = "shopmail_oauth"
#: The admin's session key for the form's values while the admin signs in at the provider.
DRAFT = "shopmail_account_draft"


def _load(account_id):
    try:
        return service.get(account_id)
    except service.NotFound:
        abort(404)


def redirect_uri() -> str:
    """The one address to register with the provider (shown on the form)."""
    return url_for("shopmail.oauth.callback", _external=True)


def start(method: str, account_id: int | None, draft: dict | None):
    """Send the browser on to the provider (a page that refreshes to it); ``draft`` (the form's values, never a password) comes back with it.

    Returns a redirect, or the Spanish reason it cannot start (the provider is not configured).
    """
    problem = oauth_accounts.setup_problem(method, redirect_uri())
    if problem:
        return None, problem
    try:
        url, state, verifier = oauth_accounts.begin(method, redirect_uri())
    except OAuthFailure as failure:
        return None, failure.message
    browser[PENDING] = {"state": state, "verifier": verifier, "method": method, "account_id": account_id,
                        "draft": draft}
    provider = oauth.label(method)
    title = _("Conectar con Microsoft") if provider.startswith("Microsoft") else _("Conectar con Google")
    return render_template("shopmail/accounts/connect.html", url=url, provider=provider, title=title), None


@bp.post("/<shopmail_id:account_id>/conectar")
def reconnect(account_id):
    """Conectar / Reconectar on the account page: the saved account's grant is replaced directly."""
    account = _load(account_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("shopmail.accounts.show", account_id=account_id))
    response, problem = start(account.auth, account.id, None)
    if problem:
        flash(problem, "error")
        return redirect(url_for("shopmail.accounts.show", account_id=account_id))
    return response


@bp.post("/<shopmail_id:account_id>/desconectar")
def disconnect(account_id):
    """Desconectar: forget the tokens; the account's mail waits until it is connected again."""
    account = _load(account_id)
    if ConfirmForm().validate_on_submit() and oauth_accounts.disconnect(account):
        flash(_("Cuenta %(a)s desconectada: no enviará correo hasta que se vuelva a conectar.", a=account.address),
              "success")
    return redirect(url_for("shopmail.accounts.show", account_id=account_id))


@bp.get("/oauth/callback")
def callback():
    """Where the provider sends the admin back: finish the sign-in, then back to the form or the page."""
    pending = browser.pop(PENDING, None)
    if not pending or request.args.get("state") != pending["state"]:
        flash(_("La conexión no se ha completado (la sesión caducó o no corresponde): vuelva a pulsar "
                "«Conectar»."), "error")
        return redirect(url_for("shopmail.accounts.index"))
    account_id, draft = pending["account_id"], pending["draft"]
    args = (redirect_uri(), request.url, pending["state"], pending["verifier"], request.args.get("error"))
    try:
        if draft is None:
            mailbox = oauth_accounts.finish(_load(account_id), *args)
        else:
            draft["grant"] = oauth_accounts.finish_pending(pending["method"], *args)
    except OAuthFailure as failure:
        flash(f"{failure.message} {failure.hint}", "error")
        if draft is not None:
            browser[DRAFT] = {**draft, "grant": ""}
            return redirect(_back_to_form(account_id))
        return redirect(url_for("shopmail.accounts.show", account_id=account_id))
    if draft is None:
        flash(_("Conectado como %(m)s. Pulse «Probar SMTP» para comprobar el envío.", m=mailbox), "success")
        account = _load(account_id)
        mismatch = oauth_accounts.identity_problem(account.username or account.address, mailbox)
        if mismatch:
            flash(mismatch, "error")
        return redirect(url_for("shopmail.accounts.show", account_id=account_id))
    browser[DRAFT] = draft
    return redirect(_back_to_form(account_id))


def _back_to_form(account_id: int | None) -> str:
    if account_id:
        return url_for("shopmail.accounts.edit", account_id=account_id, borrador=1)
    return url_for("shopmail.accounts.new", borrador=1)
