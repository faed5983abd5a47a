"""The login form."""

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import PasswordField
from wtforms.validators import InputRequired

from shopmail.core.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[InputRequired(_l("Escriba su correo electrónico."))])
    password = PasswordField(_l("Contraseña"), validators=[InputRequired(_l("Escriba su contraseña."))])
