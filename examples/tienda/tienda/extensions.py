"""The shop's extension objects, bound to the app in ``create_app``.

Like many real shops, la tienda already has Flask-Babel (its own catalog and a locale selector that reads
the request), Flask-Limiter (a default limit on every route) and Flask-Caching before it adds shopmail.
"""

from flask import request
from flask import session
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from shopmail import ShopMail

LANGUAGES = ("es", "en")


def select_locale() -> str:
    """The shop's language: ``?lang=`` (remembered), else the browser's, else Spanish. Reads the request."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["tienda_lang"] = chosen
    return session.get("tienda_lang") or request.accept_languages.best_match(LANGUAGES) or "es"


def init_limiter(app) -> Limiter:
    """One Flask-Limiter per app: its default limits come from that app's RATELIMIT_DEFAULT (a module-level
    Limiter keeps the first app's limits for every app made after it)."""
    return Limiter(get_remote_address, app=app)


babel = Babel()
cache = Cache()
csrf = CSRFProtect()
migrate = Migrate()
mail = ShopMail()
