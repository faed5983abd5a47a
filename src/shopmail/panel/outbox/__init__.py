"""Registro de envíos: the outbox, its actions and chart; its home card."""

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.panel.outbox import card
from shopmail.panel.outbox import views
from shopmail.panel.ui import NavEntry
from shopmail.panel.ui import Screen

SCREEN = Screen(blueprints=(views.bp,), nav=NavEntry(None, "shopmail.outbox.index", _l("Registro de envíos")),
                card=card.card)
