"""Plantillas de correo: the wording of each kind of mail, with a live preview."""

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.panel.ui import NavEntry
from shopmail.panel.ui import Screen
from shopmail.panel.wording import views

SCREEN = Screen(blueprints=(views.bp,),
                nav=NavEntry(_l("Ajustes generales"), "shopmail.wording.index", _l("Plantillas de correo")))
