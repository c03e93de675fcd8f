"""Entry point: `flask --app app run` and `gunicorn 'app:create_app()'` both find the factory here."""

from intake.app import create_app

__all__ = ["create_app"]
