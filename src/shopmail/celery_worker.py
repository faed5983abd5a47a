"""A ready-made Celery app for a shop without one (SHOPMAIL_DISPATCH=celery, SHOPMAIL_CELERY_BROKER_URL):

    celery -A shopmail.celery_worker worker --beat

The standalone app's configuration comes from the environment, as for `flask shopmail worker`. (Celery's
``-A`` takes a module's ``app`` or ``celery``: the Flask app is therefore named ``flask_app``.)
"""

from shopmail.app import create_app
from shopmail.delivery.dispatch.celery_tasks import make_celery

flask_app = create_app()
celery = make_celery(flask_app)
