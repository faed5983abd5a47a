"""Ajustes generales → Plantillas de correo: one row per kind of mail; edit, preview, restore."""

from __future__ import annotations

import secrets

from flask import abort
from flask import Blueprint
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from shopmail.core.i18n import default_locale
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import LANGUAGES
from shopmail.core.state import state
from shopmail.panel.limits import limited
from shopmail.panel.limits import RateLimitExceeded
from shopmail.panel.ui import mail_html_response
from shopmail.panel.wording.forms import WordingForm
from shopmail.services import mail_preview
from shopmail.services import template_shadows
from shopmail.services import wording

bp = Blueprint("wording", __name__, url_prefix="/generales/plantillas")

#: How long a rendered preview's HTML stays available to its frame (seconds).
PREVIEW_SECONDS = 600
LANGUAGE_NAMES = {"es": "Español", "en": "English"}


def _locale(value=None) -> str:
    """The language whose wording is edited: ``?idioma=``, the form's, else the shop's default."""
    value = value or request.args.get("idioma")
    return value if value in LANGUAGES else default_locale()


def _known(kind: str) -> str:
    if kind not in wording.KINDS:
        abort(404)
    return kind


@bp.get("/", endpoint="index")
def index():
    """One row per kind of mail, with its current subject and whether the shop changed it."""
    locale = _locale()
    rows = [(kind, label, wording.texts(kind, locale), template_shadows.ignored_parts(kind))
            for kind, label in wording.KINDS.items()]
    return render_template("shopmail/wording/index.html", rows=rows, locale=locale, languages=LANGUAGE_NAMES)


def _store_preview(html: str) -> str:
    """Keep a preview's HTML for its frame (served with the mail policy, never inline in the page)."""
    token = secrets.token_urlsafe(16)
    state().cache.set(f"preview:{g.get('shopmail_actor', '')}:{token}", html, timeout=PREVIEW_SECONDS)
    return url_for(".preview_html", token=token)


def _preview(kind: str, locale: str, form: WordingForm):
    """The preview of the texts in ``form``, or None with the message on the field that is wrong.
    Over the preview limit: ``RateLimitExceeded`` (429)."""
    try:
        with limited("SHOPMAIL_PREVIEW_RATE_LIMIT", "preview"):
            rendered = mail_preview.preview(kind, locale, form.subject.data, form.intro.data, form.closing.data)
    except wording.WordingError as exc:
        getattr(form, exc.field, form.subject).errors = [str(exc)]
        return None
    return {"subject": rendered.subject, "text": rendered.text, "html_url": _store_preview(rendered.html)}


def _page_preview(kind: str, locale: str, form: WordingForm):
    """The preview a page shows; over the limit the page still opens, saying why the preview is missing."""
    try:
        return _preview(kind, locale, form)
    except RateLimitExceeded:
        return {"problem": _("Demasiadas vistas previas seguidas. Espere un poco; puede guardar igualmente.")}


def _render(kind: str, locale: str, form: WordingForm, preview=None):
    return render_template("shopmail/wording/edit.html", kind=kind, label=wording.KINDS[kind], form=form,
                           locale=locale, languages=LANGUAGE_NAMES, preview=preview,
                           custom=wording.texts(kind, locale).custom, placeholders=wording.PLACEHOLDERS,
                           ignored=template_shadows.ignored_parts(kind))


@bp.get("/<kind>", endpoint="edit")
def edit(kind):
    """The saved wording of ``kind`` and its preview."""
    locale = _locale()
    texts = wording.texts(_known(kind), locale)
    form = WordingForm(formdata=None, data={"subject": texts.subject, "intro": texts.intro,
                                            "closing": texts.closing, "locale": locale})
    return _render(kind, locale, form, _page_preview(kind, locale, form))


@bp.post("/<kind>", endpoint="save")
def save(kind):
    """Guardar cambios, Vista previa (without script) or Restaurar original."""
    form = WordingForm()
    locale = _locale(form.locale.data)
    _known(kind)
    if not form.validate_on_submit():
        return _render(kind, locale, form)
    action = request.form.get("action")
    if action == "restore":
        wording.restore(kind, locale)
        flash(_("Se ha restaurado el texto original."), "success")
        return redirect(url_for(".edit", kind=kind, idioma=locale))
    if action == "preview":
        return _render(kind, locale, form, _page_preview(kind, locale, form))
    try:
        wording.save(kind, locale, form.subject.data, form.intro.data, form.closing.data)
    except wording.WordingError as exc:
        getattr(form, exc.field, form.subject).errors = [str(exc)]
        return _render(kind, locale, form)
    flash(_("Plantilla guardada: los próximos correos usarán este texto."), "success")
    return redirect(url_for(".edit", kind=kind, idioma=locale))


@bp.post("/<kind>/vista-previa", endpoint="preview")
def preview(kind):
    """The live preview (the page's script calls it as the admin types): JSON."""
    form = WordingForm()
    locale = _locale(form.locale.data)
    _known(kind)
    result = _preview(kind, locale, form)
    if result is None:
        errors = {name: list(field.errors) for name, field in form._fields.items() if field.errors}
        return jsonify({"ok": False, "errors": errors}), 422
    return jsonify({"ok": True, **result})


@bp.get("/vista-previa/<token>", endpoint="preview_html")
def preview_html(token):
    """A preview's HTML part, for the sandboxed frame of the page (only for the admin who asked for it)."""
    html = state().cache.get(f"preview:{g.get('shopmail_actor', '')}:{token}")
    if html is None:
        abort(404)
    return mail_html_response(html)
