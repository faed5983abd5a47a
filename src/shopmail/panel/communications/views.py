"""Ajustes generales → Comunicaciones."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.delivery.compose import ComposeError
from shopmail.panel.communications.forms import CacheForm
from shopmail.panel.communications.forms import CommunicationsForm
from shopmail.panel.communications.forms import TestMailForm
from shopmail.panel.limits import expensive
from shopmail.services import accounts as accounts
from shopmail.services import wording
from shopmail.services.notifications import send_test as deliver_test

bp = Blueprint("communications", __name__, url_prefix="/generales/comunicaciones")


def _render(form, test_form=None, outcome=None):
    return render_template("shopmail/communications/edit.html", form=form, snap=settings.get(),
                           test_form=test_form or TestMailForm(prefix="test", kinds=wording.KINDS), cache_form=CacheForm(prefix="cache"),
                           outcome=outcome)


def _current_form():
    """The form filled with the saved settings, never with the request's own fields: on the page shown
    after another action (the test mail, the cache), an unchecked box there would silently read as off."""
    snap = settings.get()
    return CommunicationsForm(formdata=None, accounts=accounts.all_accounts(), data={
        "sending_account_id": str(snap.sending_account_id or ""),
        "backup_account_id": str(snap.backup_account_id or ""), "contact_email": snap.contact_email,
        "admin_emails": ", ".join(snap.admin_emails), "simulation": snap.simulation_saved,
        "version": snap.version})


@bp.get("/", endpoint="edit")
def edit():
    return _render(_current_form())


@bp.post("/", endpoint="save")
def save():
    form = CommunicationsForm(accounts=accounts.all_accounts())
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        was_simulating = settings.get().simulation_saved
        try:
            saved = settings.save(expected_version=version, **form.changes())
        except settings.Conflict:
            form.form_errors.append(_("Otra persona ha guardado estos ajustes mientras los editaba. "
                                      "Se muestran abajo sus cambios sin guardar; recargue la página para ver los actuales."))
        except settings.SettingsError as exc:
            getattr(form, exc.field).errors = [str(exc)]
        else:
            flash(_("Ajustes guardados. La caché se ha vaciado: la tienda ya usa los nuevos valores."), "success")
            if saved.simulation_saved != was_simulating:  # never a silent change of what reaches customers
                flash(_("Modo simulación activado: ningún correo saldrá del servidor.") if saved.simulation_saved
                      else _("Modo simulación desactivado: el correo nuevo se enviará a sus destinatarios."),
                      "warning")
            return redirect(url_for(".edit"))
    return _render(form)


@bp.post("/cache", endpoint="clear_cache")
def clear_cache():
    if CacheForm(prefix="cache").validate_on_submit():
        settings.clear_cache()
        flash(_("Caché de shopmail vaciada."), "success")
    return redirect(url_for(".edit"))


@bp.post("/prueba", endpoint="send_test")
def send_test():
    test_form = TestMailForm(prefix="test", kinds=wording.KINDS)
    outcome = None
    if test_form.validate_on_submit():
        try:
            with expensive():
                outcome = deliver_test(test_form.recipient.data, test_form.kind.data, test_form.to_admins.data)
        except ComposeError as exc:
            (test_form.to_admins if test_form.to_admins.data else test_form.recipient).errors = [str(exc)]
    return _render(_current_form(), test_form, outcome)
