"""Rate limits per client address (SPEC section 7): sign-ins 10 a minute, new drafts 30 a
minute, counted in the database so they hold across workers and servers; over the limit a
429 page in the patient's language, and nothing behind it runs."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select

from intake import config, ratelimit
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Draft, RateLimit, SignInThrottle
from intake.questionnaire import STEPS
from tests.factories import answers, formdata
from tests.http.clinic_helpers import (  # noqa: F401  (quick_hashing is an autouse fixture)
    CLINICIAN,
    WRONG,
    Staff,
    audit_rows,
    create_user,
    quick_hashing,
)
from tests.support import Html, Patient, client_at, make_app

# 15 seconds into a one-minute window: 45 seconds are left of it.
IN_A_WINDOW = datetime(2026, 12, 3, 9, 30, 15, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def at_a_known_moment(frozen_clock):
    """Every test here runs in one window unless it moves the clock: counts that reach a limit
    would otherwise start again when a slow run crosses a minute."""
    frozen_clock.current = IN_A_WINDOW
    return frozen_clock


def rows(app, model) -> list:
    with app.app_context():
        found = db.session.scalars(select(model)).all()
        db.session.remove()
    return found


def count(app, model) -> int:
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
    return total


def guess(client, token: str, number: int):
    """One sign-in with a wrong password, for an email of its own (no account lock on the way)."""
    return client.post(
        "/clinic/login",
        data={"csrf_token": token, "email": f"guess{number}@clinic.test", "password": WRONG},
    )


def guesses(client, times: int, first: int = 0) -> list[int]:
    token = Staff(client).csrf_token()
    return [guess(client, token, number).status_code for number in range(first, first + times)]


def delete_drafts(app) -> None:
    with app.app_context(), write_transaction() as session:
        session.execute(delete(Draft))


def step_url(step) -> str:
    return f"/questions/{step.slug}"


def start_drafts(app, times: int, address: str = "127.0.0.1") -> list[int]:
    """Start now pressed in `times` new browsers at one address; their statuses."""
    return [Patient(client_at(app, address)).start().status_code for _ in range(times)]


def assert_refused(response, language: str = "en") -> None:
    page = Html.of(response)
    assert response.status_code == 429
    assert page.lang == language
    heading = {"en": "Too many attempts", "es": "Demasiados intentos"}[language]
    assert page.find("h1")[0]["text"] == heading


# Sign-in ---------------------------------------------------------------------------------


def test_the_eleventh_sign_in_in_a_minute_is_refused_before_anything_is_written(
    app, client, at_a_known_moment
):
    assert guesses(client, 10) == [200] * 10
    assert count(app, SignInThrottle) == 10 and len(audit_rows(app)) == 10

    refused = guess(client, Staff(client).csrf_token(), 10)

    assert_refused(refused)
    assert refused.headers["Retry-After"] == "45"  # the seconds left of the window
    assert count(app, SignInThrottle) == 10  # no throttle row for the eleventh email
    assert len(audit_rows(app)) == 10  # and no audit event


def test_the_right_password_is_refused_too_over_the_limit(app, client):
    create_user(app, CLINICIAN, "clinician")
    guesses(client, 10)
    assert_refused(Staff(client).sign_in())


def test_showing_the_sign_in_page_never_counts(app, client):
    for _ in range(3 * app.config["RATE_LIMIT_SIGN_IN"]):
        assert client.get("/clinic/login").status_code == 200
    assert guesses(client, 10) == [200] * 10


def test_another_address_is_not_held_back(app):
    create_user(app, CLINICIAN, "clinician")
    crowded = client_at(app, "198.51.100.7")
    guesses(crowded, 11)
    assert_refused(guess(crowded, Staff(crowded).csrf_token(), 11))

    elsewhere = client_at(app, "203.0.113.20")
    assert Staff(elsewhere).sign_in().status_code == 302


def test_the_next_minute_lets_the_address_in_again(app, client, at_a_known_moment):
    guesses(client, 10)
    at_a_known_moment.advance(seconds=44)  # the window's last second
    assert guesses(client, 1, first=10) == [429]

    at_a_known_moment.advance(seconds=1)  # a new window
    assert guesses(client, 10, first=11) == [200] * 10
    assert guesses(client, 1, first=21) == [429]


def test_two_app_instances_on_one_database_share_the_count(app, tmp_path):
    second_app = make_app(tmp_path)  # another worker or server, the same database
    assert guesses(app.test_client(), 6) == [200] * 6
    assert guesses(second_app.test_client(), 4, first=6) == [200] * 4
    assert guesses(second_app.test_client(), 1, first=10) == [429]
    assert guesses(app.test_client(), 1, first=11) == [429]


def test_the_limit_is_a_setting(app, client):
    app.config["RATE_LIMIT_SIGN_IN"] = 3
    assert guesses(client, 4) == [200, 200, 200, 429]


def test_the_limits_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INTAKE_RATE_LIMIT_SIGN_IN", "4")
    monkeypatch.setenv("INTAKE_RATE_LIMIT_NEW_DRAFTS", "500")
    monkeypatch.setenv("INTAKE_RATE_LIMIT_IDENTITY_CHECKS", "7")
    settings = config.from_environment(str(tmp_path))
    assert (
        settings["RATE_LIMIT_SIGN_IN"],
        settings["RATE_LIMIT_NEW_DRAFTS"],
        settings["RATE_LIMIT_IDENTITY_CHECKS"],
    ) == (4, 500, 7)


def test_the_defaults_are_the_specs(app):
    assert (
        app.config["RATE_LIMIT_SIGN_IN"],
        app.config["RATE_LIMIT_NEW_DRAFTS"],
        app.config["RATE_LIMIT_IDENTITY_CHECKS"],
    ) == (10, 30, 10)


# New drafts --------------------------------------------------------------------------------


def test_the_31st_new_draft_gets_the_429_page_in_the_patients_language(app, at_a_known_moment):
    assert start_drafts(app, 30) == [302] * 30
    spanish = Patient(app.test_client())
    spanish.client.get("/language/es")

    refused = spanish.start()

    assert_refused(refused, "es")
    assert refused.headers["Retry-After"] == "45"
    assert count(app, Draft) == 30
    assert spanish.client.get(step_url(STEPS[0])).location.endswith("/")  # no draft of theirs


def test_resuming_a_draft_is_not_a_new_draft(app):
    app.config["RATE_LIMIT_NEW_DRAFTS"] = 2
    patient = Patient(client_at(app, "192.0.2.50"))
    for _ in range(5):
        assert patient.start().status_code == 302
    assert count(app, Draft) == 1


def test_a_draft_made_again_by_a_step_counts_as_a_new_draft(app):
    """A step sent after its draft expired makes a new draft, keeping the answers: counted."""
    app.config["RATE_LIMIT_NEW_DRAFTS"] = 2
    patient = Patient(client_at(app, "192.0.2.60"))
    token = patient.csrf_token("/")
    about_you = {"csrf_token": token, **formdata(STEPS[0], answers())}
    patient.start()  # the first draft
    delete_drafts(app)  # as its expiry would

    assert patient.client.post(step_url(STEPS[0]), data=about_you).status_code == 302  # second
    delete_drafts(app)
    assert_refused(patient.client.post(step_url(STEPS[0]), data=about_you))
    assert count(app, Draft) == 0


def test_parallel_new_drafts_never_pass_the_limit(app):
    """Hits at once from many threads (workers) are each counted: exactly the limit passes."""
    limit, browsers = 6, 16
    app.config["RATE_LIMIT_NEW_DRAFTS"] = limit
    patients = [Patient(client_at(app, "192.0.2.70")) for _ in range(browsers)]
    tokens = [patient.csrf_token("/") for patient in patients]
    start = threading.Barrier(browsers)
    statuses: list[int | str] = []

    def press_start(patient: Patient, token: str) -> None:
        try:
            start.wait(timeout=10)
            statuses.append(patient.client.post("/start", data={"csrf_token": token}).status_code)
        except Exception as error:  # reported by the assertion below
            statuses.append(repr(error))

    threads = [
        threading.Thread(target=press_start, args=pair)
        for pair in zip(patients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses, key=str) == [302] * limit + [429] * (browsers - limit)
    assert count(app, Draft) == limit
    (row,) = rows(app, RateLimit)
    assert row.hits == browsers


# What is stored ----------------------------------------------------------------------------


def test_the_table_holds_no_address_only_a_keyed_hash(app, at_a_known_moment):
    addresses = ["203.0.113.99", "2001:db8:aaaa:bbbb::1"]
    for address in addresses:
        start_drafts(app, 1, address)
        guesses(client_at(app, address), 1)

    stored = rows(app, RateLimit)
    assert len(stored) == 4
    window = int(IN_A_WINDOW.timestamp()) // 60
    for row in stored:
        action, hashed, number = row.key.split(":")
        assert action in ("sign_in", "new_drafts") and number == str(window)
        assert len(hashed) == 32 and int(hashed, 16) >= 0
        for text in (*addresses, "203.0.113", "2001:db8", "2001:0db8"):
            assert text not in row.key
        assert row.expires_at == IN_A_WINDOW.replace(second=0) + timedelta(minutes=1)


def test_the_hash_is_keyed_by_the_secret_key(app, tmp_path):
    other_key = make_app(tmp_path, SECRET_KEY="another-secret")
    keys = []
    for instance in (app, other_key):
        with instance.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.5"}):
            keys.append(ratelimit.client_key())
    assert keys[0] != keys[1]


def test_an_ipv6_client_counts_per_64_block(app):
    app.config["RATE_LIMIT_NEW_DRAFTS"] = 2
    start_drafts(app, 1, "2001:db8:1:2::1")
    start_drafts(app, 1, "2001:db8:1:2:ffff:ffff:ffff:9")  # the same /64
    assert start_drafts(app, 1, "2001:db8:1:2:1234::5") == [429]
    assert start_drafts(app, 1, "2001:db8:1:3::1") == [302]  # the next /64


@pytest.mark.parametrize(
    ("address", "counted"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),  # IPv4 through an IPv6 socket
        ("unix-socket", "unix-socket"),
    ],
)
def test_the_address_counted(address, counted):
    assert ratelimit.counted_address(address) == counted


def test_now_and_then_a_hit_purges_stale_rows(app, monkeypatch, frozen_clock):
    """About one hit in PURGE_ONE_IN purges; here every hit does, so the test is not luck."""
    monkeypatch.setattr(ratelimit, "PURGE_ONE_IN", 1)
    start_drafts(app, 1)
    frozen_clock.advance(minutes=2)
    start_drafts(app, 1)
    (row,) = rows(app, RateLimit)  # the first window's row went as the second was counted
    assert row.expires_at > frozen_clock.current


def test_an_unknown_action_is_refused_at_once():
    with pytest.raises(ValueError, match="no rate limit"):
        ratelimit.limited("sign-in")
