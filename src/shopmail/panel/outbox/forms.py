"""Forms of the Registro de envíos: the filters (GET) and the action buttons (POST, CSRF-checked)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SearchField
from wtforms import SelectField

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.delivery import statuses


class FilterForm(FlaskForm):
    """Estado, Tipo and Destinatario filters; they live in the URL, so no CSRF token."""

    class Meta:
        csrf = False

    status = SelectField(_l("Estado"), default="")
    kind = SelectField(_l("Tipo"), default="")
    recipient = SearchField(_l("Destinatario"))

    def fill_choices(self, kinds: list[str]) -> None:
        """The status words, and the kinds the outbox holds (plus the known ones)."""
        self.status.choices = [("", _l("Todos"))] + [(key, label) for key, label in statuses.STATUS_LABELS.items()]
        known = dict(statuses.KIND_LABELS)
        for kind in kinds:
            known.setdefault(kind, kind)
        self.kind.choices = [("", _l("Todos"))] + sorted(known.items(), key=lambda item: str(item[1]))


class ActionForm(FlaskForm):
    """Reintentar, Liberar, Cancelar: a button with a CSRF token."""
