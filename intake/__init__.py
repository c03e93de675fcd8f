"""Intake: the pre-consultation questionnaire for acne patients considering botulinum toxin."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request

from intake import commands, config, database
from intake.extensions import csrf, db, migrate
from intake.wizard import bp as wizard_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: settings from the environment (or the tests), extensions, blueprints."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(test_config or config.from_environment(app.instance_path))
    config.finish(app.config)
    register_extensions(app)
    register_blueprints(app)
    register_response_headers(app)
    commands.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(database.MIGRATIONS))
    database.init_app(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(wizard_bp)


def register_response_headers(app: Flask) -> None:
    @app.after_request
    def no_caching_of_pages(response):
        # Health data must stay out of a shared tablet's cache and history.
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
