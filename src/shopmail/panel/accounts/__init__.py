"""Cuentas de correo: the library of SMTP accounts, their form, and the live test and auto-configuration."""

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.panel.accounts import connect
from shopmail.panel.accounts import live
from shopmail.panel.accounts import views
from shopmail.panel.ui import NavEntry
from shopmail.panel.ui import Screen

SCREEN = Screen(blueprints=(views.bp, live.bp, connect.bp),
                nav=NavEntry(_l("Ajustes"), "shopmail.accounts.index", _l("Cuentas de correo")))
