"""shopmail: the e-mail set-up of an online shop, as a Flask extension."""

from shopmail.app import create_app
from shopmail.extension import ShopMail

__all__ = ["ShopMail", "create_app"]
__version__ = "0.1.0"
