"""Helpers for the clinic tests: staff accounts, a signed-in test client, an authenticator app,
quick submissions."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from intake import config, questionnaire, services, summaries
from intake.clinic import services as staff
from intake.database import write_transaction
from intake.extensions import db
from intake.models import AuditEvent, SignInThrottle, StaffSession, Submission, User
from intake.wizard import drafts
from tests.factories import answers
from tests.support import quick_password_hasher

PASSWORD = "correct horse battery"
CLINICIAN = "dr.grey@clinic.test"
FRONTDESK = "desk@clinic.test"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
REFUSED_SIGN_IN = "Email or password is incorrect"
WRONG = "not the right password"
THROTTLED = (
    "Too many failed sign-ins for this account. Try again in 15 minutes, "
    "or sign in with your authentication code as well."
)


# Accounts and records, written directly (no HTTP) -------------------------


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Cheap argon2id for the HTTP tests (sign-ins are many); test_staff_accounts checks the real one."""
    monkeypatch.setattr(staff, "_hasher", quick_password_hasher())


def create_user(app, email: str, role: str, password: str = PASSWORD) -> int:
    """A staff account made with the app's own service; returns its id."""
    with app.app_context():
        user_id = staff.create_user(email, password, role).id
        db.session.remove()
    return user_id


def set_enabled(app, email: str, enabled: bool) -> None:
    with app.app_context():
        staff.set_enabled(email, enabled)
        db.session.remove()


def reset_password(app, email: str, password: str) -> None:
    with app.app_context():
        staff.reset_password(email, password)
        db.session.remove()


def enrolled(app, email: str) -> str:
    """Two-factor sign-in turned on for an account, straight in the database (the enrolment
    pages have tests of their own); returns the secret its authenticator holds."""
    secret = pyotp.random_base32()
    with app.app_context():
        with write_transaction() as session:
            user = session.scalar(select(User).where(User.email == email))
            user.totp_secret = secret  # sealed under the account's key
        db.session.remove()
    return secret


def code_at(secret: str, moment: datetime, steps: int = 0) -> str:
    """What an authenticator app holding the secret shows at a moment (`steps` time steps
    later or, negative, earlier): pyotp plays the phone's app."""
    return pyotp.TOTP(secret).at(moment, counter_offset=steps)


def wrong_code(secret: str, moment: datetime, which: int = 0) -> str:
    """A code the authenticator does not show at that moment (nor one step either side): the
    `which`-th of 000000, 111111, ... that is none of them."""
    right = {code_at(secret, moment, steps) for steps in (-1, 0, 1)}
    return [str(digit) * 6 for digit in range(10) if str(digit) * 6 not in right][which]


def settings_with(monkeypatch, tmp_path, variable: str, value: str | None) -> dict:
    """The settings an app reads from an environment where `variable` is `value` (None: unset)."""
    if value is None:
        monkeypatch.delenv(variable, raising=False)
    else:
        monkeypatch.setenv(variable, value)
    settings = config.from_environment(str(tmp_path))
    config.finish(settings)
    return settings


def submit(app, pdf: bool = False, **overrides) -> str:
    """One submission through the patient-side services (no HTTP walk); returns its reference."""
    with app.app_context():
        reference = _submit(answers(**overrides))
        if pdf:
            summaries.store_after_submit(reference, app.config["TIMEZONE"])
        db.session.remove()
    return reference


def _submit(all_answers: dict) -> str:
    lifetime = timedelta(hours=1)
    token = drafts.start(lifetime)
    # save_step keeps the other steps' answers, so one call can hold the whole set
    assert drafts.save_step(token, questionnaire.STEPS[0], all_answers, lifetime).kept
    stored = drafts.find(token).answers
    return drafts.submit(token, drafts.fingerprint(stored), language="en")


def submit_answered_in(app, version: str, version_answers: dict, pdf: bool = False) -> str:
    """A submission answered in an earlier questionnaire version (a stored record from before
    the current one): added by the app's own service, then given that version and its answers,
    as it was stored then. Returns its reference."""
    with app.app_context():
        with write_transaction() as session:
            reference = services.add_submission(
                session, secrets.token_hex(32), version_answers, language="en"
            )
            stored = session.scalar(select(Submission).where(Submission.reference == reference))
            stored.questionnaire_version = version
            stored.answers = questionnaire.find(version).applicable_answers(version_answers)
        if pdf:
            summaries.store_after_submit(reference, app.config["TIMEZONE"])
        db.session.remove()
    return reference


def submit_many(app, count: int, clock=None, step=timedelta(minutes=1), **overrides) -> list[str]:
    """`count` submissions, oldest first; with a frozen clock, `step` apart."""
    references = []
    with app.app_context():
        for number in range(count):
            if clock is not None:
                clock.advance(seconds=step.total_seconds())
            references.append(
                _submit(answers(**{"full_name": f"Patient {number:03d}", **overrides}))
            )
        db.session.remove()
    return references


def stored_submission(app, reference: str) -> Submission:
    """The stored row, its sealed answers and name opened while the app's key ring is at hand,
    so they read in clear after the session ends."""
    with app.app_context():
        found = db.session.scalar(select(Submission).where(Submission.reference == reference))
        found.answers, found.patient_name  # noqa: B018  (open them while the session is open)
        db.session.expunge(found)
        db.session.remove()
    return found


def stored_pdf(app, reference: str) -> bytes | None:
    """The PDF stored for a submission, opened with its key (None when none is stored)."""
    with app.app_context():
        pdf = services.pdf_of(services.find_submission(reference))
        db.session.remove()
    return pdf


def user_row(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        db.session.remove()
    return user


def audit_rows(app) -> list[dict]:
    """Every audit event as a dict of all its columns, oldest first."""
    columns = AuditEvent.__table__.columns
    with app.app_context():
        rows = db.session.execute(select(*columns).order_by(AuditEvent.id)).mappings().all()
        db.session.remove()
    return [dict(row) for row in rows]


def audited(app, *actions: str) -> list[tuple]:
    """The audit log's (email, user id, action, outcome), of these actions only when given."""
    return [
        (row["email"], row["user_id"], row["action"], row["outcome"])
        for row in audit_rows(app)
        if not actions or row["action"] in actions
    ]


def failures_counted(app, email: str) -> int:
    """The failed sign-ins the account's lock counts now."""
    with app.app_context():
        row = db.session.get(SignInThrottle, email)
        count = len(row.recent_failures) if row else 0
        db.session.remove()
    return count


def open_sessions(app) -> int:
    with app.app_context():
        count = len(
            db.session.scalars(select(StaffSession).where(StaffSession.ended_at.is_(None))).all()
        )
        db.session.remove()
    return count


# A member of staff with a browser ------------------------------------------


class Staff:
    """A test client that reads CSRF tokens from the pages it gets, as a browser would."""

    def __init__(self, client, email: str = CLINICIAN, password: str = PASSWORD):
        self.client = client
        self.email = email
        self.password = password

    def csrf_token(self) -> str:
        """A token from the sign-in page (or, when signed in, the list it sends you to)."""
        page = self.client.get("/clinic/login", follow_redirects=True)
        match = CSRF_FIELD.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the sign-in page or the list"
        return match.group(1)

    def sign_in(self, email: str | None = None, password: str | None = None, next: str = ""):
        url = "/clinic/login" + (f"?{urlencode({'next': next})}" if next else "")
        return self.client.post(
            url,
            data={
                "csrf_token": self.csrf_token(),
                "email": self.email if email is None else email,
                "password": self.password if password is None else password,
            },
        )

    def signed_in(self) -> Staff:
        response = self.sign_in()
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return self

    def enter_code(self, code: str, next: str = ""):
        """The code step of sign-in, after a right password."""
        url = "/clinic/login/code" + (f"?{urlencode({'next': next})}" if next else "")
        return self.post(url, code=code)

    def signed_in_with_code(self, secret: str, moment: datetime) -> Staff:
        assert self.sign_in().location == "/clinic/login/code"
        response = self.enter_code(code_at(secret, moment))
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return self

    def post(self, url: str, token: str | None = None, **data):
        return self.client.post(url, data={"csrf_token": token or self.csrf_token(), **data})

    def sign_out(self):
        return self.post("/clinic/logout")

    def search(self, **filters) -> str:
        """The list as the search form POSTs it (q, submitted, appointment, page)."""
        token = CSRF_FIELD.search(self.page("/clinic/")).group(1)
        response = self.client.post("/clinic/", data={"csrf_token": token, **filters})
        assert response.status_code == 200, (filters, response.status_code, response.location)
        return response.get_data(as_text=True)

    def page(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.location)
        return response.get_data(as_text=True)

    def cookie(self) -> str | None:
        cookie = self.client.get_cookie("session")
        return cookie.value if cookie else None

    def session(self, app) -> dict:
        """What Flask's signed session cookie holds."""
        value = self.cookie()
        if value is None:
            return {}
        return dict(app.session_interface.get_signing_serializer(app).loads(value))


def with_cookie(app, value: str):
    """A fresh client holding only a copy of a session cookie (a stolen or kept copy)."""
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def statuses_at_once(requests: list[Callable]) -> list[int | str]:
    """Each request made in a thread of its own, all released together (as from several
    workers); their statuses in the order given, or an error's repr where one failed."""
    start = threading.Barrier(len(requests))
    statuses: list[int | str] = ["no answer"] * len(requests)

    def make(index: int) -> None:
        try:
            start.wait(timeout=10)
            statuses[index] = requests[index]().status_code
        except Exception as error:  # reported by the caller's assertion
            statuses[index] = repr(error)

    threads = [threading.Thread(target=make, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def sent_to_sign_in(response, next_path: str | None = None) -> bool:
    """A redirect to /clinic/login (with ?next=next_path when given)."""
    if response.status_code != 302:
        return False
    location = urlsplit(response.location)
    if location.path != "/clinic/login":
        return False
    return next_path is None or parse_qs(location.query).get("next") == [next_path]


def signed_in_list(client) -> bool:
    """True when the client sees the submissions list (that is, is signed in)."""
    response = client.get("/clinic/")
    return response.status_code == 200 and "Sign out" in response.get_data(as_text=True)


# Pages -------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "action", "src", "formaction"):
            if attributes.get(name) is not None:
                self.urls.append(attributes[name])
        if tag == "form":
            self.forms.append(attributes)


def urls_in(html: str) -> list[str]:
    """Every href, action, src and formaction on a page."""
    parser = _Links()
    parser.feed(html)
    return parser.urls


def forms_in(html: str) -> list[dict]:
    parser = _Links()
    parser.feed(html)
    return parser.forms
