"""The Plantillas de correo form: subject, introduction and closing of one kind of mail."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import StringField
from wtforms import TextAreaField

from shopmail.core.i18n import lazy_gettext as _l


class WordingForm(FlaskForm):
    # The checks (placeholders, line breaks in the subject, lengths) are the service's, so the preview,
    # the save and the CLI refuse the same texts with the same message.
    subject = StringField(_l("Asunto"))
    intro = TextAreaField(_l("Introducción"))
    closing = TextAreaField(_l("Despedida"))
    locale = HiddenField()
