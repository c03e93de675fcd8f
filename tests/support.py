"""Test helpers shared by the suite: apps on the test database, a clock tests can move, and a
Patient who fills the real forms. A plain module (conftest.py holds only fixtures), so there
is one copy of it and every app made here is closed at the end of its test."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

from intake import clock, create_app
from intake.extensions import db
from intake.questionnaire import STEPS
from tests.factories import formdata

SHARED_DATABASE_URL = os.environ.get("INTAKE_TEST_DATABASE_URL")

apps_made: list = []


def make_app(tmp_path: Path, **settings):
    url = SHARED_DATABASE_URL or f"sqlite:///{tmp_path}/intake.sqlite3"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url, **settings}
    )
    apps_made.append(app)
    return app


def close_connections(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_shared_database(app) -> None:
    """TRUNCATE, not DELETE: the audit log refuses deletes, by design."""
    tables = ", ".join(table.name for table in db.metadata.sorted_tables)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class Clock:
    """Moves intake.clock.now() instead of sleeping."""

    def __init__(self, monkeypatch):
        self.current = datetime.now(timezone.utc)
        monkeypatch.setattr(clock, "now", lambda: self.current)

    def advance(self, **delta):
        self.current += timedelta(**delta)


HIDDEN_FIELD = re.compile(r'<input type="hidden" name="(csrf_token|checked)" value="([^"]*)"')


class Patient:
    """A patient with a browser: reads each page's CSRF token and posts the real form fields."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, url: str) -> str:
        return self.hidden_fields(url)["csrf_token"]

    def hidden_fields(self, url: str) -> dict[str, str]:
        """The hidden inputs of the page's form, as a browser would send them back."""
        page = self.client.get(url)
        assert page.status_code == 200, (url, page.status_code, page.location)
        fields = dict(HIDDEN_FIELD.findall(page.get_data(as_text=True)))
        assert "csrf_token" in fields, f"no CSRF token on {url}"
        return fields

    def start(self):
        return self.client.post("/start", data={"csrf_token": self.csrf_token("/")})

    def post_step(self, slug: str, data: dict, query: str = ""):
        url = f"/questions/{slug}{query}"
        return self.client.post(url, data={"csrf_token": self.csrf_token(url), **data})

    def answer_step(self, slug: str, answers: dict, query: str = ""):
        step = next(s for s in STEPS if s.slug == slug)
        return self.post_step(slug, formdata(step, answers), query)

    def answer_all(self, answers: dict):
        self.start()
        for step in STEPS:
            response = self.answer_step(step.slug, answers)
            assert response.status_code == 302, (step.slug, response.get_data(as_text=True)[:3000])
        return response

    def submit(self, confirmed: bool = True):
        data = self.hidden_fields("/check-answers")
        if confirmed:
            data["confirmed"] = "y"
        return self.client.post("/check-answers", data=data)

    def complete(self, answers: dict) -> str:
        """Answer every step, confirm and submit; returns the reference shown."""
        self.answer_all(answers)
        return self.complete_after_answers()

    def complete_after_answers(self) -> str:
        """Confirm and submit the answers given so far; returns the reference shown."""
        response = self.submit()
        assert response.status_code == 302 and response.location.endswith("/confirmation")
        page = self.client.get("/confirmation").get_data(as_text=True)
        return re.search(r"Your reference is <strong[^>]*>([A-Z0-9-]+)<", page).group(1)
