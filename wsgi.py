"""WSGI entry point for the standalone panel: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

from shopmail import create_app

app = create_app()
