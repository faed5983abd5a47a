"""Comunicaciones: the sending account, contact and admin addresses, simulation; its banner and home card."""

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.panel.communications import card
from shopmail.panel.communications import views
from shopmail.panel.ui import NavEntry
from shopmail.panel.ui import Screen

SCREEN = Screen(blueprints=(views.bp,),
                nav=NavEntry(_l("Ajustes generales"), "shopmail.communications.edit", _l("Comunicaciones")),
                banners=card.banners, card=card.card)
