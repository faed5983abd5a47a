"""Estado: the status page (the same figures as `flask shopmail status`) and the doctor; its home card."""

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.panel.status import card
from shopmail.panel.status import views
from shopmail.panel.ui import NavEntry
from shopmail.panel.ui import Screen

SCREEN = Screen(blueprints=(views.bp,), nav=NavEntry(None, "shopmail.status.index", _l("Estado")), card=card.card)
