"""shopmail: the e-mail set-up of an online shop, as a Flask extension."""

from .app import create_app
from .extension import ShopMail

__all__ = ["ShopMail", "create_app"]
__version__ = "0.1.0"
