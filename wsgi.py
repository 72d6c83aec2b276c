"""WSGI entry point: `gunicorn wsgi:app`."""

from jisr import create_app

app = create_app()
