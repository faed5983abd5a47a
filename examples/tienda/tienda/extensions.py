"""The shop's extension objects, bound to the app in ``create_app``."""

from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from shopmail import ShopMail

csrf = CSRFProtect()
migrate = Migrate()
mail = ShopMail()
