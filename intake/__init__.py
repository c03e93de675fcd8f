"""Intake: the pre-consultation questionnaire for acne patients considering botulinum toxin."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, render_template, request

from intake import commands, config, database, i18n, questionnaire, summaries
from intake.clinic import bp as clinic_bp
from intake.clinic.auth import login_manager
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
    register_errorhandlers(app)
    register_template_filters(app)
    register_response_headers(app)
    commands.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(database.MIGRATIONS))
    login_manager.init_app(app)
    i18n.init_app(app)
    database.init_app(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(wizard_bp)
    app.register_blueprint(clinic_bp)


def register_errorhandlers(app: Flask) -> None:
    def page(error):
        return render_template("error.html", error=error), error.code

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, page)


def register_template_filters(app: Flask) -> None:
    zone = ZoneInfo(app.config["TIMEZONE"])

    @app.template_filter("clinic_time")
    def clinic_time(moment):
        local = moment.astimezone(zone)
        return f"{questionnaire.date_text(local.date())}, {local:%H:%M}"

    app.add_template_filter(questionnaire.date_text, "date_text")
    app.add_template_filter(lambda code: summaries.LANGUAGE_NAMES.get(code, code), "language_name")


def register_response_headers(app: Flask) -> None:
    @app.after_request
    def no_caching_of_pages(response):
        # Health data must stay out of a shared tablet's cache and history.
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
