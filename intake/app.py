"""The app factory: settings, extensions, blueprints, error pages and template filters."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from flask import Flask, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import InternalServerError, SecurityError
from werkzeug.routing import RequestRedirect

from intake import (
    commands,
    config,
    crosssite,
    database,
    files,
    fragments,
    housekeeping,
    i18n,
    keys,
    languages,
    questionnaire,
    ratelimit,
    web,
)
from intake.appointments.patient_views import bp as invitation_bp
from intake.appointments.task_views import bp as appointment_task_bp
from intake.appointments.views import bp as appointments_bp
from intake.clinic import bp as clinic_bp
from intake.clinic.auth import login_manager
from intake.extensions import csrf, db, migrate
from intake.fhir.views import bp as fhir_bp
from intake.wizard import bp as wizard_bp
from intake.wizard import views as wizard_views

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLAIN_TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: settings from the environment (or the tests), extensions, blueprints."""
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(test_config or config.from_environment(app.instance_path))
    config.finish(app.config)
    try:
        register_extensions(app)
    except keys.KeyRingError as error:
        # Said plainly, naming the setting; a traceback would bury it.
        raise SystemExit(f"Intake cannot start: {error}") from None
    register_blueprints(app)
    register_errorhandlers(app)
    register_routing_redirects(app)
    register_template_filters(app)
    fragments.init_app(app)
    web.init_app(app)
    crosssite.init_app(app)
    commands.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    files.private_folder(app.instance_path)
    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(database.MIGRATIONS))
    # current_user reaches templates through the clinic blueprint only (clinic.views):
    # patient pages never look a staff member up.
    login_manager.init_app(app, add_context_processor=False)
    i18n.init_app(app)
    database.init_app(app)
    ratelimit.init_app(app, purge=housekeeping.purge_stale)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(wizard_bp)
    app.register_blueprint(clinic_bp)
    app.register_blueprint(fhir_bp)
    app.register_blueprint(appointments_bp)
    app.register_blueprint(invitation_bp)
    app.register_blueprint(appointment_task_bp)


def register_errorhandlers(app: Flask) -> None:
    def page(error):
        # The error's own headers too: Retry-After on a 429, Allow on a 405.
        return render_template("error.html", error=error), error.code, error.get_headers()

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, page)

    @app.errorhandler(crosssite.CrossSiteRequest)
    def cross_site_refused(error):
        # Neither the posted values nor a form token nor the tablet's timers (which carry one):
        # the page writes nothing to the session, so no cookie of the patient's is replaced.
        return render_template("error.html", error=error, cross_site=True, tablet=False), 403

    @app.errorhandler(SecurityError)
    def host_not_trusted(error):
        # Plain text: with a host not in TRUSTED_HOSTS Flask builds no URLs, so no page can be
        # rendered (its links to the style sheet would fail).
        return "Bad Request: this service does not answer to that host name.\n", 400, PLAIN_TEXT

    @app.errorhandler(CSRFError)
    def form_token_refused(error):
        if crosssite.is_cross_site():
            return cross_site_refused(crosssite.CrossSiteRequest())
        if request.blueprint == "wizard":
            return wizard_views.after_csrf_failure()
        return page(error)

    @app.errorhandler(keys.KeyRingError)
    def key_ring_error(error):
        app.logger.error("encryption at rest: %s", error)
        return render_template("error.html", error=InternalServerError(), key_error=True), 500

    @app.errorhandler(500)
    def server_error(error):
        return render_template("error.html", error=InternalServerError()), 500


def register_routing_redirects(app: Flask) -> None:
    """Werkzeug's own redirects (/clinic to /clinic/) keep to the path and query: it would build
    them on the Host header, which anyone can set. (Flask passes routing redirects to no error
    handler, so they are answered before the view instead.)"""

    @app.before_request
    def relative_routing_redirect():
        routing = request.routing_exception
        if not isinstance(routing, RequestRedirect):
            return None
        target = urlsplit(routing.new_url)
        return redirect(urlunsplit(("", "", target.path, target.query, "")), routing.code)


def register_template_filters(app: Flask) -> None:
    zone = ZoneInfo(app.config["TIMEZONE"])

    @app.template_filter("clinic_time")
    def clinic_time(moment):
        local = moment.astimezone(zone)
        return f"{questionnaire.date_text(local.date())}, {local:%H:%M}"

    app.add_template_filter(questionnaire.date_text, "date_text")
    app.add_template_filter(languages.english_name, "language_name")
