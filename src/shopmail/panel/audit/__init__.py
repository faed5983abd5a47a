"""Registro de auditoría: who changed what."""

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.panel.audit import views
from shopmail.panel.ui import NavEntry
from shopmail.panel.ui import Screen

SCREEN = Screen(blueprints=(views.bp,), nav=NavEntry(None, "shopmail.audit.index", _l("Auditoría")))
