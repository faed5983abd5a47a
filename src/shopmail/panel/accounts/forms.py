"""The account form: every check gives a Spanish message on its field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import ValidationError
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from shopmail.core import addresses
from shopmail.core.i18n import lazy_gettext as _l
from shopmail.services.account_checks import check_display_name
from shopmail.services.account_checks import check_host
from shopmail.services.account_checks import check_limit
from shopmail.services.account_checks import check_username
from shopmail.services.account_checks import combination_warning
from shopmail.services.account_checks import is_loopback
from shopmail.services.account_checks import suggested_limits
from shopmail.services.accounts import Values

SECURITY_CHOICES = [("starttls", "STARTTLS"), ("ssl", "SSL/TLS"), ("none", _l("Ninguna"))]
AUTH_CHOICES = [("password", _l("Contraseña")), ("microsoft", _l("Microsoft 365 (OAuth2)")),
                ("google", _l("Google (OAuth2)"))]

class AccountForm(FlaskForm):
    """Create or edit an account of the library."""

    address = StringField(_l("Dirección de correo"), validators=[InputRequired(_l("Escriba la dirección de correo."))])
    display_name = StringField(_l("Nombre visible"), validators=[Optional(), Length(max=200)])
    username = StringField(_l("Usuario"), validators=[Optional(), Length(max=254)])
    auth = SelectField(_l("Método de inicio de sesión"), choices=AUTH_CHOICES, default="password")
    password = PasswordField(_l("Contraseña"), validators=[Optional(), Length(max=1000)])
    host = StringField(_l("Servidor SMTP"), validators=[Optional(), Length(max=253)])
    port = IntegerField(_l("Puerto"), default=587, validators=[
        Optional(), NumberRange(1, 65535, _l("El puerto va de 1 a 65535."))])
    security = SelectField(_l("Seguridad"), choices=SECURITY_CHOICES, default="starttls")
    verify_cert = BooleanField(_l("Verificar certificado"), default=True)
    send_limit_per_minute = StringField(_l("Mensajes por minuto"), validators=[Optional(), Length(max=20)])
    send_limit_per_day = StringField(_l("Destinatarios por día"), validators=[Optional(), Length(max=20)])
    version = HiddenField()
    ticket = HiddenField()
    # An OAuth2 grant obtained with Conectar, waiting for Guardar (an id; the tokens stay on the server).
    grant = HiddenField()

    # With no JavaScript, the admin must not retype the password after a passing test: the ticket keeps it.
    def __init__(self, *args, has_stored_password=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_stored_password = has_stored_password
        if self.auth.data == "microsoft-app":
            self.auth.choices = [*AUTH_CHOICES, ("microsoft-app", _l("Microsoft 365 (aplicación)"))]

    def validate_address(self, field):
        if not field.data:
            return
        try:
            field.data = addresses.normalize(field.data)
        except addresses.AddressError as exc:
            raise ValidationError(str(exc)) from None

    # The same checks as `flask shopmail account add|edit` (one rule for the screen and the terminal).
    def validate_display_name(self, field):
        try:
            field.data = check_display_name(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_username(self, field):
        try:
            field.data = check_username(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_host(self, field):
        if not field.data:
            return
        try:
            field.data = check_host(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_send_limit_per_minute(self, field):
        try:
            check_limit(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    validate_send_limit_per_day = validate_send_limit_per_minute

    def prefill_limits(self, host: str) -> None:
        """Empty limit fields take the published limits of the provider of ``host`` (a new account)."""
        fields = (self.send_limit_per_minute, self.send_limit_per_day)
        for field, value in zip(fields, suggested_limits(host), strict=True):
            if not str(field.data or "").strip() and value:
                field.data = str(value)

    def validate_auth(self, field):
        # An app-only account (CLI) keeps its method when edited on the screen.
        if field.data not in {"password", "microsoft", "google", "microsoft-app"}:
            raise ValidationError(_l("Elija un método de inicio de sesión."))

    def validate_security(self, field):
        has_password = bool(self.password.data) or self.has_stored_password or bool(self.ticket.data)
        if field.data == "none" and has_password and self.host.data and not is_loopback(self.host.data):
            raise ValidationError(_l("Sin cifrado la contraseña viajaría en claro: elija STARTTLS o SSL/TLS "
                                     "(solo se admite «Ninguna» con usuario y contraseña en un servidor local)."))

    def require_connection(self) -> bool:
        """Server and port are needed to test or save (not to auto-configure)."""
        ok = True
        self.host.errors, self.port.errors = list(self.host.errors), list(self.port.errors)
        if not self.host.data:
            self.host.errors.append(_l("Escriba el servidor SMTP o pulse «Intentar configuración automática»."))
            ok = False
        if not self.port.data and not self.port.errors:
            self.port.errors.append(_l("Escriba el puerto (normalmente 587 o 465)."))
            ok = False
        return ok

    def add_error(self, name: str | None, message: str) -> None:
        """Show ``message`` under the field ``name`` (one of this form's), else at the top of the form."""
        field = self._fields.get(name) if name else None
        if field is None or name == "test":
            self.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]

    def values(self) -> Values:
        return Values(
            address=self.address.data or "", display_name=(self.display_name.data or "").strip(),
            username=(self.username.data or "").strip(), password=self.password.data or None,
            host=self.host.data or "", port=self.port.data or 0, security=self.security.data,
            verify_cert=bool(self.verify_cert.data), limit_per_minute=check_limit(self.send_limit_per_minute.data),
            limit_per_day=check_limit(self.send_limit_per_day.data), auth=self.auth.data or "password",
            grant=self.grant.data or None)

    def typed_login(self) -> str:
        """The login as typed (user, else the address), read from the fields: ``values()`` refuses a form
        shown again because one of its fields (a limit, say) is wrong."""
        return (self.username.data or "").strip() or (self.address.data or "")

    def draft(self) -> dict:
        """The form's values to restore after the provider's consent page (never the password)."""
        return {name: self[name].data for name in ("address", "display_name", "username", "auth", "host",
                                                   "port", "security", "verify_cert", "version",
                                                   "send_limit_per_minute", "send_limit_per_day")}

    def warning(self) -> str | None:
        return combination_warning(self.security.data, self.port.data)


class ConfirmForm(FlaskForm):
    """A POST with only its CSRF token (delete, test a saved account)."""
