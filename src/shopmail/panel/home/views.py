"""The panel's home page: the e-mail set-up at a glance."""

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import LANGUAGES
from shopmail.panel.ui import safe_next
from shopmail.services.alerts import acknowledge as ack
from shopmail.services.alerts import open_alerts


def register(parent: Blueprint, screens) -> None:
    """The home page and the language switch live on the parent blueprint (``shopmail.home``)."""

    def home():
        """Each screen's card, in navigation order, and the open alerts."""
        cards = [screen.card() for screen in screens if screen.card is not None]
        return render_template("shopmail/home.html", overview=cards, alerts=open_alerts())

    parent.add_url_rule("/", "home", home)
    parent.add_url_rule("/idioma", "language", language, methods=["POST"])
    parent.add_url_rule("/avisos/<shopmail_id:alert_id>/visto", "acknowledge", acknowledge, methods=["POST"])


def acknowledge(alert_id):
    """Marcar como visto: the alert leaves the home page (it stays in the log)."""
    if ack(alert_id, g.get("shopmail_actor") or "admin"):
        flash(_("Aviso marcado como visto."), "success")
    return redirect(url_for("shopmail.home"))


def language():
    """The language switch: remembered in the session; back to the page it was pressed on."""
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["shopmail_lang"] = lang
    return redirect(safe_next(request.form.get("next")))
