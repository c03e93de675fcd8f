"""Fixtures: each test gets its own app and database (SQLite by default, PostgreSQL when
INTAKE_TEST_DATABASE_URL is set), a test client, and a Patient who fills the real forms.
The helpers themselves are in tests/support.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake import database  # noqa: E402
from intake.extensions import db  # noqa: E402
from tests import mail_server, support  # noqa: E402
from tests.support import (  # noqa: E402
    SHARED_DATABASE_URL,
    Clock,
    Patient,
    apps_made,
    close_connections,
    empty_shared_database,
    make_app,
    make_sqlite_template,
)


@pytest.fixture(autouse=True)
def _close_every_apps_connections():
    """Each app made during a test gives back its pooled connections when the test ends."""
    yield
    while apps_made:
        close_connections(apps_made.pop())


@pytest.fixture(scope="session", autouse=True)
def _migrated_schema(tmp_path_factory):
    """Run the migrations once per run: on a shared database, from an empty schema (each test
    then empties the tables); on SQLite, into a template file that every app's file copies."""
    if not SHARED_DATABASE_URL:
        support.sqlite_template = make_sqlite_template(tmp_path_factory.mktemp("template"))
        return
    # Emptied through a plain engine first: an app checks at start that its key ring opens the
    # keys stored, and a run stopped part-way may have left keys of another ring behind.
    engine = create_engine(SHARED_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("DROP SCHEMA IF EXISTS intake_keys CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = make_app(tmp_path_factory.mktemp("schema"))
    database.upgrade_schema(app)
    close_connections(app)


@pytest.fixture
def app(tmp_path, _migrated_schema):
    app = make_app(tmp_path)
    if SHARED_DATABASE_URL:
        empty_shared_database(app)  # whatever ran before (a browser test's server, say)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def frozen_clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def patient(client):
    return Patient(client)


@pytest.fixture
def in_app(app):
    """The test's app with its context pushed, for services called directly (as commands do)."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def smtp_server(in_app, tmp_path):
    """A real SMTP server on 127.0.0.1 (aiosmtpd, tests/mail_server.py) the app's mail goes to."""
    with mail_server.running(tmp_path) as running:
        running.configure(in_app)
        yield running
