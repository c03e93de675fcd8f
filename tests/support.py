"""Test helpers shared by the suite: apps on the test database, a clock tests can move, and a
Patient who fills the real forms. A plain module (conftest.py holds only fixtures), so there
is one copy of it and every app made here is closed at the end of its test."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import text

from intake import clock, database
from intake.app import create_app
from intake.extensions import db
from intake.questionnaire import STEPS
from tests.factories import formdata

SHARED_DATABASE_URL = os.environ.get("INTAKE_TEST_DATABASE_URL")

apps_made: list = []
sqlite_template: Path | None = None  # this run's migrated file, made by tests/conftest.py


def make_app(tmp_path: Path, **settings):
    """An app on the test database; on SQLite the file in tmp_path, which starts as a copy of
    the run's migrated template (apps made on one tmp_path share it, as servers would)."""
    if SHARED_DATABASE_URL:
        return app_on(SHARED_DATABASE_URL, **settings)
    file = tmp_path / "intake.sqlite3"
    if not file.exists():
        assert sqlite_template, "no template yet: tests/conftest.py makes it once per run"
        shutil.copyfile(sqlite_template, file)
        shutil.copyfile(
            database.key_store_file(str(sqlite_template)), database.key_store_file(str(file))
        )
    return app_on(f"sqlite:///{file}", **settings)


# The key ring of every test app (intake.keys): apps on one database must share it.
TEST_DATA_KEYS = "dGVzdC1kYXRhLWtleS1vZi10aGUtdGVzdC1zdWl0ZSE"


def app_on(url: str, **settings):
    """An app on the database at url, closed at the end of the test."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATA_KEYS": TEST_DATA_KEYS,
            "DATABASE_URL": url,
            **settings,
        }
    )
    apps_made.append(app)
    return app


def client_at(app, address: str):
    """A test client whose requests come from another client address (limits are per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def make_sqlite_template(directory: Path) -> Path:
    """A SQLite file brought up by the real migrations (the app runs them on a new file), for
    every test to copy instead of migrating its own."""
    file = directory / "template.sqlite3"
    close_connections(app_on(f"sqlite:///{file}"))
    # Closing the last connection moves the write-ahead log into the file: it is all there.
    assert not Path(f"{file}-wal").exists()
    return file


def quick_password_hasher() -> PasswordHasher:
    """Cheap argon2id for tests that sign in often; test_staff_accounts checks the real one."""
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def close_connections(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_shared_database(app) -> None:
    """TRUNCATE, not DELETE: the audit log refuses deletes, by design."""
    tables = ", ".join(table.fullname for table in db.metadata.sorted_tables)
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


# Reading pages -----------------------------------------------------------------


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Html(HTMLParser):
    """A page as a flat list of elements (tag, attributes, text inside), plus its visible text."""

    def __init__(self, markup: str, status: int | None = None):
        super().__init__(convert_charrefs=True)
        self.markup = markup
        self.status = status
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self._texts: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = {
            "tag": tag,
            "attrs": {k: ("" if v is None else v) for k, v in attrs},
            "text": "",
            "ancestors": list(self._open),
        }
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index]["tag"] == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data
        self._texts.append(data)

    @classmethod
    def of(cls, response) -> Html:
        return cls(response.get_data(as_text=True), response.status_code)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._texts).split())

    @property
    def title(self) -> str:
        return " ".join(self.find("title")[0]["text"].split())

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[dict]:
        found = []
        for element in self.elements:
            if tag and element["tag"] != tag:
                continue
            if cls and cls not in element["attrs"].get("class", "").split():
                continue
            if all(
                element["attrs"].get(name.rstrip("_")) == value for name, value in attrs.items()
            ):
                found.append(element)
        return found

    @property
    def lang(self) -> str | None:
        return self.find("html")[0]["attrs"].get("lang")

    @property
    def links(self) -> list[tuple[str, str]]:
        """Every link: (href, its words)."""
        return [(a["attrs"].get("href", ""), _words(a["text"])) for a in self.find("a")]

    def texts(self, cls: str) -> list[str]:
        """The words of every element of a class, in page order."""
        return [_words(e["text"]) for e in self.find(cls=cls)]

    def by_id(self, element_id: str) -> dict:
        found = [e for e in self.elements if e["attrs"].get("id") == element_id]
        assert len(found) == 1, (element_id, len(found))
        return found[0]

    def value(self, name: str) -> str:
        (element,) = [e for e in self.elements if e["attrs"].get("name") == name]
        return (
            element["text"] if element["tag"] == "textarea" else element["attrs"].get("value", "")
        )

    def checked(self, name: str) -> list[str]:
        return [
            e["attrs"]["value"] for e in self.find("input", name=name) if "checked" in e["attrs"]
        ]

    def inside(self, container: dict, tag: str | None = None, cls: str | None = None) -> list[dict]:
        return [e for e in self.find(tag, cls) if any(a is container for a in e["ancestors"])]

    def error_links(self) -> list[tuple[str, str]]:
        summaries = self.find("div", cls="error-summary")
        if not summaries:
            return []
        (summary,) = summaries
        return [
            (a["attrs"]["href"], " ".join(a["text"].split())) for a in self.inside(summary, "a")
        ]

    def back_link(self) -> str:
        (link,) = self.find("a", cls="back-link")
        return link["attrs"]["href"]

    def shown_values(self) -> list[str]:
        """What a browser posts as `shown`: the hidden inputs that are not disabled."""
        return [
            e["attrs"]["value"]
            for e in self.find("input", name="shown")
            if "disabled" not in e["attrs"]
        ]

    def answers_on_check_page(self, within: dict | None = None) -> dict[str, str]:
        def words(element):
            return _words(element["text"])

        if within is None:
            keys, values = (
                self.find("dt", "summary-list__key"),
                self.find("dd", "summary-list__value"),
            )
        else:
            keys = self.inside(within, "dt", "summary-list__key")
            values = self.inside(within, "dd", "summary-list__value")
        return dict(zip(map(words, keys), map(words, values), strict=True))

    def answer_groups(self) -> dict[str, dict[str, str]]:
        """Check answers, group by group: heading -> {question label: answer shown}."""
        groups = {}
        for section in self.find("section", cls="answers-group"):
            (heading,) = self.inside(section, "h2")
            groups[" ".join(heading["text"].split())] = self.answers_on_check_page(section)
        return groups


def _words(text: str) -> str:
    return " ".join(text.split())
