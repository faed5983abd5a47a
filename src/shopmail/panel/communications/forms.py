"""The Comunicaciones form: sending and backup accounts, contact address, admin addresses, simulation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import ValidationError

from shopmail.core import addresses
from shopmail.core.i18n import lazy_gettext as _l


class CommunicationsForm(FlaskForm):
    sending_account_id = SelectField(_l("Cuenta de envío"), coerce=str, validate_choice=False)
    backup_account_id = SelectField(_l("Cuenta de respaldo"), coerce=str, validate_choice=False)
    # No Optional(): it would let "\r" through unchecked (it strips before deciding the field is empty).
    contact_email = StringField(_l("Correo público de contacto"))
    # No Optional() here: it would skip validate_admin_emails for an empty list.
    admin_emails = TextAreaField(_l("Correos de administrador"))
    simulation = BooleanField(_l("Modo simulación"))
    version = HiddenField()

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.admin_list: list[str] = []
        self.eligible = {str(a.id) for a in accounts if a.last_test_ok}
        self.sending_account_id.choices = [("", _l("— Ninguna (el correo espera) —"))] + [
            (str(a.id), a.address if a.last_test_ok else f"{a.address} — {_l('sin prueba correcta')}")
            for a in accounts
        ]
        self.backup_account_id.choices = [("", _l("— Ninguna —"))] + self.sending_account_id.choices[1:]
        self.disabled_choices = {str(a.id) for a in accounts if not a.last_test_ok}

    def validate_sending_account_id(self, field):
        if field.data and field.data not in self.eligible:
            raise ValidationError(_l("Solo se puede elegir una cuenta cuya última prueba SMTP fue correcta."))

    def validate_backup_account_id(self, field):
        self.validate_sending_account_id(field)
        if field.data and field.data == self.sending_account_id.data:
            raise ValidationError(_l("La cuenta de respaldo debe ser distinta de la cuenta de envío."))

    def validate_contact_email(self, field):
        field.data = (field.data or "").strip()
        if field.data:
            try:
                field.data = addresses.normalize(field.data)
            except addresses.AddressError as exc:
                raise ValidationError(str(exc)) from None

    def validate_admin_emails(self, field):
        try:
            self.admin_list = addresses.parse_list(field.data or "")
        except addresses.AddressError as exc:
            raise ValidationError(str(exc)) from None

    def changes(self) -> dict:
        return {
            "sending_account_id": int(self.sending_account_id.data) if self.sending_account_id.data else None,
            "backup_account_id": int(self.backup_account_id.data) if self.backup_account_id.data else None,
            "contact_email": self.contact_email.data or "",
            "admin_emails": self.admin_list,
            "simulation": bool(self.simulation.data),
        }


class TestMailForm(FlaskForm):
    kind = SelectField(_l("Tipo de correo"), default="test")
    recipient = StringField(_l("Destinatario de la prueba"))
    to_admins = BooleanField(_l("Enviarlo a todos los administradores"))

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind, str(label)) for kind, label in (kinds or {}).items()]

    def validate_recipient(self, field):
        if self.to_admins.data:  # the typed address is not used
            return
        try:
            field.data = addresses.normalize(field.data or "")
        except addresses.AddressError as exc:
            raise ValidationError(str(exc)) from None


class CacheForm(FlaskForm):
    """Vaciar caché: only the CSRF token."""
