"""The benchmark's WSGI app: the product app, with a hello-world Flask app mounted beside it.

    gunicorn 'tests.load.hello:create_app()'

Requests under /__hello/ go to a minimal Flask app (one route returning "ok"); everything
else goes to the product app, unchanged (no route is added to it). Both are served by the
same gunicorn workers, so hello-world and the questionnaire's pages are measured with the
same server, worker, connection handling and client: the ratio isolates the app's own cost.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from intake.app import create_app as create_intake_app

HELLO_PREFIX = "/__hello"


def hello_app() -> Flask:
    hello = Flask("hello")

    @hello.get("/")
    def ok():
        return "ok"

    return hello


def create_app():
    return DispatcherMiddleware(create_intake_app(), {HELLO_PREFIX: hello_app()})
